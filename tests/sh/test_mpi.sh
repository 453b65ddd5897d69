#!/bin/bash
# Multi-rank runs (docs/cluster.md): tests/sh/mpi_ensemble.lua, an ensemble of
# 6 replicas with a two-time and a scalar observer, two replicas lost
# mid-run, and a sweep shared round-robin, must write byte-identical tables,
# ensemble files and checkpoints when run by glassvm alone and under mpirun
# with 1, 2 and 3 ranks; a checkpoint written by 3 ranks resumes on 2, an
# interrupted 2-rank run resumes on 3, both ending where the uninterrupted run
# ends; ranks interrupted at different steps write one checkpoint; a rank that
# fails ends the job with an error naming it (no hang).
# Without MPI (the default build) only the single-process part runs and the
# MPI part is skipped with a message.
#   bash tests/sh/test_mpi.sh /path/to/glassvm
set -u
G=${1:?usage: test_mpi.sh /path/to/glassvm}
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
S="$SRC/tests/sh/mpi_ensemble.lua"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export OMP_NUM_THREADS=1 # three ranks share two cores: one thread each

# Every output of run `a` equals run `b`'s, byte for byte.
same() {
  local a=$1 b=$2 n=0
  for f in "$TMP/$a"/*.csv "$TMP/$a"/*.txt "$TMP/$a"/ensemble.gvens "$TMP/$a"/end.gvckpt; do
    n=$((n + 1))
    cmp -s "$f" "$TMP/$b/$(basename "$f")" || fail "$b: $(basename "$f") differs from $a's"
  done
  [ "$n" -ge 10 ] || fail "$a: only $n outputs"
}

# ---- one process (any build) -------------------------------------------------------
"$G" "$S" "$TMP/data.csv" "$TMP" data || fail "writing the dataset"
mkdir -p "$TMP/ref" "$TMP/s1"
"$G" "$S" "$TMP/data.csv" "$TMP/ref" run 2>"$TMP/ref.err" || { fail "glassvm alone"; cat "$TMP/ref.err"; }
grep -q "^4 replicas live at step 150" "$TMP/ref/lost.txt" || fail "ref: lost.txt: $(cat "$TMP/ref/lost.txt")"
"$G" "$S" "$TMP/data.csv" "$TMP/s1" save && "$G" "$S" "$TMP/data.csv" "$TMP/s1" resume 2>/dev/null \
  || fail "save and resume without MPI"
same ref s1
mkdir -p "$TMP/p1"
"$G" "$S" "$TMP/data.csv" "$TMP/p1" replace 2>"$TMP/p1.err" || { fail "replace without MPI"; cat "$TMP/p1.err"; }
same ref p1
cmp -s "$TMP/s1/ck.gvckpt" "$TMP/s1/ck-plain.gvckpt" || fail "mpi.save in one process differs from glass.checkpoint.save"
"$G" -e 'local m = require "glass.mpi"
  assert(m.size() == 1 and m.rank() == 0 and m.is_root() and m.enabled == false)
  assert(select(2, m.block(5)) == 5 and m.sum(2) == 2 and m.bcast({x = 1}).x == 1)
  assert(not pcall(m.block, 0))' || fail "glass.mpi in one process"

if ! "$G" -e 'os.exit(glass.mpi.built and 0 or 1)'; then
  echo "SKIP (the MPI part): glassvm was built without MPI (cmake -DGV_MPI=ON; docs/cluster.md)"
  [ "$fails" -eq 0 ] && echo "test_mpi: single-process part passed"
  exit $((fails > 0))
fi
if ! command -v mpirun >/dev/null; then
  fail "glassvm is built with MPI but mpirun is missing (apt-get install openmpi-bin)"
  exit 1
fi

# ---- under mpirun ---------------------------------------------------------------------
MPIRUN=(mpirun --allow-run-as-root --oversubscribe --bind-to none -x OMP_NUM_THREADS
        --mca mpi_yield_when_idle 1)
# timeout --foreground signals mpirun alone (see mpi_setup.sh): a SIGTERM to
# its process group can make mpirun exit at once, leaving a hung job's ranks on.
mrun() { # ranks outdir mode
  local n=$1 dir=$2 mode=$3
  mkdir -p "$TMP/$dir"
  timeout --foreground 120 "${MPIRUN[@]}" -n "$n" "$G" "$S" "$TMP/data.csv" "$TMP/$dir" "$mode" \
    >"$TMP/$dir.$mode.out" 2>&1
}

for n in 1 2 3; do
  start=$(date +%s%N)
  mrun "$n" "r$n" run || { fail "$n ranks: exit $?"; tail -20 "$TMP/r$n.run.out"; continue; }
  same ref "r$n"
  echo "$n ranks: outputs checked ($((($(date +%s%N) - start) / 1000000)) ms)"
done

# A checkpoint written by 3 ranks is the single-process one, and resumes on 2.
mrun 3 c3 save || { fail "save on 3 ranks"; tail -20 "$TMP/c3.save.out"; }
cmp -s "$TMP/s1/ck.gvckpt" "$TMP/c3/ck.gvckpt" || fail "the 3-rank checkpoint differs from glassvm alone's"
mrun 2 c3 resume || { fail "resume on 2 ranks"; tail -20 "$TMP/c3.resume.out"; }
same ref c3

# Observers that gathered themselves when read, restored into (replace) on 3 ranks.
mrun 3 p3 replace || { fail "replace on 3 ranks"; tail -20 "$TMP/p3.replace.out"; }
same ref p3

# Interrupted (SIGTERM to one rank) on 2 ranks: all stop at one step,
# checkpoint, and the run resumes on 3.
mrun 2 i2 interrupt || { fail "interrupt on 2 ranks"; tail -20 "$TMP/i2.interrupt.out"; }
grep -q "interrupted (SIGTERM) at step [0-9]* (all 2 ranks stopped there); checkpoint written" \
  "$TMP/i2.interrupt.out" || { fail "no collective interruption"; tail -20 "$TMP/i2.interrupt.out"; }
mrun 3 i2 resume || { fail "resume on 3 ranks"; tail -20 "$TMP/i2.resume.out"; }
same ref i2

# Ranks interrupted at different steps (one at its run's start, one later at a step with
# an observer event) agree on the step and the events: the checkpoint is written.
for try in 1 2; do
  mkdir -p "$TMP/ie$try"
  timeout --foreground 120 "${MPIRUN[@]}" -n 2 "$G" "$SRC/tests/sh/mpi_interrupt.lua" "$TMP/ie$try" \
    >"$TMP/ie$try.out" 2>&1 || { fail "interrupted at different steps: exit $?"; tail -5 "$TMP/ie$try.out"; }
  grep -q "^saved at step" "$TMP/ie$try.out" || fail "interrupted at different steps: $(cat "$TMP/ie$try.out")"
done

# Distributing a distributed ensemble again is refused (docs/cluster.md).
mrun 2 tw twice || { fail "distribute twice: exit $?"; tail -5 "$TMP/tw.twice.out"; }
[ "$(grep -c "twice refused" "$TMP/tw.twice.out")" -eq 2 ] || fail "distribute twice: $(cat "$TMP/tw.twice.out")"

# A failing rank ends the job with an error that names it, never a hang.
for mode in fail fail_run close_run; do
  mrun 3 "$mode" "$mode"
  rc=$?
  out="$TMP/$mode.$mode.out"
  if [ "$rc" -eq 124 ]; then fail "$mode: the job hung (killed after 120 s)"
  elif [ "$rc" -eq 0 ]; then fail "$mode: the job succeeded"
  else
    grep -q "rank 2 of 3 failed" "$out" || { fail "$mode: the failing rank is not named"; tail -20 "$out"; }
  fi
done
grep -q "cannot read no-such-file.bin" "$TMP/fail.fail.out" || fail "fail: the rank's message is missing"
grep -q "stopped: rank 2 failed" "$TMP/fail_run.fail_run.out" || fail "fail_run: the others do not say which rank failed"
grep -q "ens:run closed the ensemble it ran" "$TMP/close_run.close_run.out" \
  || fail "close_run: the rank's message is missing"

[ "$fails" -eq 0 ] && echo "test_mpi: all passed"
exit $((fails > 0))
