#!/bin/bash
# MPI is invisible to protocols (docs/cluster.md): the tutorial protocol of
# docs/writing-protocols.md, taken unmodified from the page (it has no MPI
# call), run by glassvm alone and under mpirun with 1, 2 and 3 ranks writes
# byte-identical CSVs and params.lua.  Its observer runs each rank's block of
# a distributed ensemble; obs:table gathers every rank's replicas itself.
# Without that, rank 0 would write Q averaged over its own replicas only and
# the CSVs would differ.  Skipped in a build without MPI.
#   bash tests/sh/test_mpi_tutorial.sh /path/to/glassvm
set -u
G=${1:?usage: test_mpi_tutorial.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/sh/mpi_setup.sh
source "$SRC/tests/sh/mpi_setup.sh"

# The page's first runnable Lua block, as it is.
awk '/^```lua runnable/ {on = 1; next} on && /^```/ {exit} on {print}' \
  "$SRC/docs/writing-protocols.md" >lambda_relax.lua
grep -q 'obs:table("summary")' lambda_relax.lua || { echo "FAIL: no tutorial found"; exit 1; }
grep -q 'mpi' lambda_relax.lua && fail "the tutorial calls glass.mpi"
# 3 replicas: every rank of 3 gets one.
ARGS=(lambda_relax.lua --preset=smoke --replicas=3 --quiet --plots=false)
"$G" "${ARGS[@]}" --out=alone 2>alone.err || fail "alone: $(tail -3 alone.err)"
for n in 1 2 3; do
  "${MPIRUN[@]}" -n "$n" "$G" "${ARGS[@]}" --out="m$n" >"m$n.out" 2>&1 \
    || { fail "on $n ranks: exit $?"; tail -20 "m$n.out"; continue; }
  [ -f "m$n/COMPLETE" ] || { fail "on $n ranks: no COMPLETE"; continue; }
  k=0
  for f in alone/*.csv alone/params.lua; do
    k=$((k + 1))
    cmp -s "$f" "m$n/$(basename "$f")" || fail "on $n ranks: $(basename "$f") differs from the run alone"
  done
  [ "$k" -ge 3 ] || fail "only $k outputs"
done
[ "$fails" -eq 0 ] && echo "tutorial alone and on 1, 2, 3 ranks: CSVs and params.lua identical"
exit $((fails > 0))
