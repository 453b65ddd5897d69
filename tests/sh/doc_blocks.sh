#!/usr/bin/env bash
# doc_blocks.sh: run the code blocks of documentation pages that are marked
# runnable (docs/README.md, "Runnable examples"):
#   ```lua runnable [ARGS]    run through glassvm (as a script, with ARGS)
#   ```sh runnable            run by bash, `glassvm` being the binary under test
#   ```python runnable        run by $PYTHON (default python3; only with --python)
# The blocks of one page run in order, in one fresh directory, so a later
# block may use the files an earlier one made.  Prints one line per block;
# exits 1 if any failed.  Helper of test_docs.sh and test_pandas.sh.
#   bash doc_blocks.sh /path/to/glassvm [--python] PAGE.md...
set -u
G=${1:?usage: doc_blocks.sh /path/to/glassvm [--python] PAGE.md...}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
shift
python=0
if [ "${1:-}" = "--python" ]; then python=1; shift; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0
ran=0

for page in "$@"; do
  page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
  name=$(basename "$page")
  dir="$T/${name%.md}"
  mkdir -p "$dir/.blocks"
  # Split the page: .blocks/N.{lua,sh,py} and .blocks/N.meta ("LINE LANG ARGS").
  awk -v out="$dir/.blocks" '
    /^```(lua|sh|python) runnable/ && !inb {
      inb = 1; n++
      lang = $1; sub(/^```/, "", lang)
      args = $0; sub(/^```[a-z]+ runnable */, "", args)
      ext = lang == "python" ? "py" : lang
      file = out "/" n "." ext
      printf "" > file
      print FNR " " lang " " args > (out "/" n ".meta")
      next
    }
    /^```/ && inb { inb = 0; close(file); next }
    inb { print > file }
  ' "$page"
  for meta in $(ls "$dir/.blocks"/*.meta 2>/dev/null | sort -V); do
    read -r line lang args <"$meta"
    src=${meta%.meta}
    what="$name:$line ($lang)"
    case $lang in
      lua) cmd=("$G" "$src.lua") ;;
      sh) cmd=(bash -c "glassvm() { \"$G\" \"\$@\"; }; set -e; . \"$src.sh\"") ;;
      python)
        if [ "$python" -eq 0 ]; then echo "skip  $what (python blocks: test_pandas.sh)"; continue; fi
        cmd=("${PYTHON:-python3}" "$src.py") ;;
    esac
    # shellcheck disable=SC2086 # ARGS are words on purpose
    if (cd "$dir" && timeout 300 "${cmd[@]}" $args) >"$T/out" 2>&1 </dev/null; then
      echo "ok    $what"
      sed 's/^/      /' "$T/out" | head -20
    else
      echo "FAIL  $what: exit status $?"
      sed 's/^/      /' "$T/out" | tail -30
      failed=$((failed + 1))
    fi
    ran=$((ran + 1))
  done
done
echo "doc_blocks.sh: $ran block(s) run, $failed failed"
[ "$failed" -eq 0 ]
