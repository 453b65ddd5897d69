#!/bin/bash
# No dependency loop among src/ files (docs/architecture.md): from the
# objects glassvm was built from, an edge A -> B for every function A calls
# that B defines; the graph must have no cycle (tsort finds one if it is
# there).  A file calling back into one that calls it -- directly or round a
# loop -- fails here, naming the files of the loop.
#   bash tests/sh/test_layers.sh /path/to/glassvm
set -u
export LC_ALL=C # sort and join agree on the order
G=${1:?usage: test_layers.sh /path/to/glassvm}
OBJ=$(cd "$(dirname "$G")" && pwd)/CMakeFiles
command -v nm >/dev/null || { echo "SKIP: nm is not installed"; exit 77; }
mapfile -t objs < <(ls "$OBJ"/glassvm_core.dir/src/*.o "$OBJ"/glassvm.dir/src/*.o 2>/dev/null)
[ "${#objs[@]}" -ge 20 ] || { echo "SKIP: the objects are not next to $G (${#objs[@]} found)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
name() { basename "$1" .o; }   # gv_ckpt.c
for o in "${objs[@]}"; do
  nm --defined-only "$o" | awk -v f="$(name "$o")" '$2 ~ /^[TDBR]$/ {print $3, f}'
done | sort -u >"$T/defs"
for o in "${objs[@]}"; do
  a=$(name "$o")
  nm -u "$o" | awk '{print $2}' | sort -u | join - "$T/defs" | awk -v a="$a" '$2 != a {print a, $2}'
done | sort -u >"$T/edges"
n=$(wc -l <"$T/edges")
[ "$n" -ge 30 ] || { echo "FAIL: only $n calls between files found"; exit 1; }
if ! tsort "$T/edges" >/dev/null 2>"$T/loops"; then
  echo "FAIL: a dependency loop among src/ files:"; cat "$T/loops"; exit 1
fi
echo "$n calls between ${#objs[@]} files, no loop"
