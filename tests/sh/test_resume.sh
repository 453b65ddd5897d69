#!/usr/bin/env bash
# test_resume.sh: protocol runs checkpoint and resume exactly (issue 7).
#
# For a few protocols at a tiny scale: run once uninterrupted into A; then
# run the same command into B, killing it with SIGKILL at random moments,
# once with SIGINT and once with a STOP file, re-running it each time until
# B holds COMPLETE; every CSV and params.lua of B must equal A's byte for
# byte.  Also: a resume with a changed parameter is refused (exit 2) naming
# it; a corrupt head checkpoint is refused with a message and the previous
# one is used; a foreign file in its place is refused.
#   bash tests/sh/test_resume.sh /path/to/glassvm
#   GV_RESUME_ALL=1 bash tests/sh/test_resume.sh ...   every protocol (~3 min)
#   GV_RESUME_SEED=N ...                               repeat a run's kill times
set -u
G=${1:?usage: test_resume.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
RANDOM=${GV_RESUME_SEED:-$$}
echo "kill times from seed $RANDOM (GV_RESUME_SEED)"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Tiny runs with several segments each (a few seconds uninterrupted).
declare -A ARGS=(
  [ageing]="--tmax=1000 --tw=5,20,100 --quench_epochs=20 --loss_trace=8"
  [quench_anneal]="--tmax=500 --T=1e-2,1e-3,0 --quench_epochs=20"
  [phase_diagram]="--epochs=5 --polish=30"
  [ttt_scan]="--epochs=30 --polish=30"
  [uot_scan]="--epochs=30 --polish=30"
  [chi_sweep]="--tmax=500 --quench_epochs=20"
  [heterogeneity]="--tmax=500 --hist_lags=20,500 --quench_epochs=20"
  [ttsp]="--tmax=500 --quench_epochs=20"
  [msd_batch_sweep]="--tmax=500 --quench_epochs=20"
)
if [ "${GV_RESUME_ALL:-0}" = 1 ]; then
  ORDER="ageing quench_anneal phase_diagram ttt_scan uot_scan chi_sweep heterogeneity ttsp msd_batch_sweep"
else
  ORDER="ageing phase_diagram"
fi

now() { date +%s.%N; }
# A random delay in [lo, hi) seconds, printed for sleep.
delay() { awk -v lo="$1" -v hi="$2" -v r="$RANDOM" 'BEGIN { printf "%.2f", lo + (hi - lo) * r / 32768 }'; }

# run NAME DIR [extra options...]: the protocol's command, in the background (pid in $PID).
start() {
  local name=$1 dir=$2; shift 2
  "$G" "$SRC/protocols/$name.lua" --preset=smoke ${ARGS[$name]} --threads=2 --quiet --plots=false \
    --out="$dir" "$@" >"$dir.stdout" 2>"$dir.stderr" </dev/null &
  PID=$!
}
finish() { wait "$PID" 2>/dev/null; RC=$?; }

# Wait (up to 20 s) until the run writes a new head checkpoint in DIR, or ends.
# Runs stopped this way checkpoint every step (slow), so they are caught
# inside a segment, whatever the machine's speed.
await_checkpoint() {
  local dir=$1 ref=$TMP/ref.$$
  touch "$ref"
  for _ in $(seq 1000); do
    kill -0 "$PID" 2>/dev/null || return 1
    [ "$dir/checkpoint.gvckpt" -nt "$ref" ] && return 0
    sleep 0.02
  done
  return 1
}

# Compare every CSV and params.lua of A with B.
same_results() {
  local name=$1 a=$2 b=$3 n=0
  for f in "$a"/*.csv "$a"/params.lua; do
    n=$((n + 1))
    cmp -s "$f" "$b/$(basename "$f")" || { fail "$name: $(basename "$f") differs after resuming"; return 1; }
  done
  [ $n -ge 2 ] || { fail "$name: only $n result files in $a"; return 1; }
  echo "  $n files identical: $(cd "$a" && echo *.csv params.lua)"
}

declare -A SEEN=()   # which interruptions were exercised (each must be, somewhere)
for name in $ORDER; do
  t0=$(now)
  A=$TMP/$name-A B=$TMP/$name-B
  start "$name" "$A"; finish
  [ $RC -eq 0 ] && [ -f "$A/COMPLETE" ] || { fail "$name: uninterrupted run failed ($RC): $(tail -3 "$A.stderr")"; continue; }
  [ ! -e "$A/checkpoint.gvckpt" ] && [ ! -e "$A/checkpoints" ] || fail "$name: checkpoints left after COMPLETE"
  T=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  runs=0 done_=""

  # SIGINT inside a segment: a checkpoint, exit 130, and how to resume.
  start "$name" "$B" --checkpoint_every=1
  if await_checkpoint "$B"; then kill -INT "$PID"; fi
  finish; runs=$((runs + 1))
  if [ ! -f "$B/COMPLETE" ]; then
    [ $RC -eq 130 ] || fail "$name: SIGINT: exit $RC, expected 130: $(tail -3 "$B.stderr")"
    grep -q "to resume, run the same command again" "$B.stderr" \
      || fail "$name: SIGINT: no resume hint: $(cat "$B.stderr")"
    SEEN[sigint]=1 done_="$done_ SIGINT"
  fi

  # A changed parameter is refused, naming it; nothing in B changes.
  if [ -f "$B/checkpoint.gvckpt" ]; then
    cp "$B/params.lua" "$TMP/params.before"
    "$G" "$SRC/protocols/$name.lua" --preset=smoke ${ARGS[$name]} --seed=7 --quiet --plots=false \
      --out="$B" >/dev/null 2>"$TMP/refused"
    rc=$?
    [ $rc -eq 2 ] || fail "$name: resume with --seed=7 exited $rc, expected 2"
    grep -q "seed: checkpoint 1, now 7" "$TMP/refused" || fail "$name: refusal does not name seed: $(cat "$TMP/refused")"
    ! grep -q "stack traceback" "$TMP/refused" || fail "$name: traceback in the refusal"
    cmp -s "$TMP/params.before" "$B/params.lua" || fail "$name: the refused run changed params.lua"
    SEEN[refused]=1 done_="$done_ refused-seed"
  fi

  # A STOP file: a checkpoint, exit 75 and a message; the rerun removes STOP.
  if [ ! -f "$B/COMPLETE" ]; then
    start "$name" "$B" --checkpoint_every=1
    if await_checkpoint "$B"; then touch "$B/STOP"; fi
    finish; runs=$((runs + 1))
    if [ ! -f "$B/COMPLETE" ]; then
      [ $RC -eq 75 ] || fail "$name: STOP: exit $RC, expected 75: $(tail -3 "$B.stderr")"
      grep -q "STOP was found" "$B.stderr" || fail "$name: STOP: no message: $(cat "$B.stderr")"
      SEEN[stop]=1 done_="$done_ STOP"
    fi
  fi

  # A corrupt head: refused with a message, the previous one is used (and
  # the refused file set aside); this run is killed at its next checkpoint.
  if [ ! -f "$B/COMPLETE" ] && [ -f "$B/checkpoint.gvckpt.prev" ]; then
    size=$(stat -c %s "$B/checkpoint.gvckpt")
    # Flip every bit of the middle byte (writing a fixed 0xff would change
    # nothing where that byte already is 0xff, and the head would load).
    byte=$(od -An -tu1 -j $((size / 2)) -N1 "$B/checkpoint.gvckpt" | tr -d ' ')
    printf "\\$(printf %03o $((255 - byte)))" \
      | dd of="$B/checkpoint.gvckpt" bs=1 seek=$((size / 2)) conv=notrunc status=none
    start "$name" "$B" --checkpoint_every=1
    await_checkpoint "$B" && kill -KILL "$PID" 2>/dev/null
    finish; runs=$((runs + 1))
    [ $RC -eq 0 ] || [ $RC -eq 137 ] || fail "$name: resume after a corrupt head exited $RC: $(tail -3 "$B.stderr")"
    grep -q "CRC mismatch" "$B/log.txt" || fail "$name: the corrupt head is not reported in log.txt"
    grep -q "resuming from the previous checkpoint" "$B/log.txt" || fail "$name: .prev not used"
    grep -q "resuming from $B/checkpoint.gvckpt.prev: " "$B/log.txt" \
      || fail "$name: the resume line does not name the .prev it used: $(grep resuming "$B/log.txt")"
    [ -f "$B/COMPLETE" ] || [ -f "$B/checkpoint.gvckpt.refused" ] || fail "$name: the refused head was not set aside"
    SEEN[corrupt]=1 done_="$done_ corrupt-head"
  fi

  # SIGKILL at random moments (checkpoints every 25 steps, so kills land
  # between, during and after checkpoint writes).
  for _ in 1 2 3; do
    [ -f "$B/COMPLETE" ] && break
    start "$name" "$B" --checkpoint_every=25
    sleep "$(delay 0.2 "$T")"
    kill -KILL "$PID" 2>/dev/null
    finish; runs=$((runs + 1))
    [ $RC -eq 137 ] && { SEEN[sigkill]=1 done_="$done_ SIGKILL"; }
  done
  # If every random kill came too late (a loaded machine makes A slow and
  # the delays long), one more inside a segment, at a checkpoint.
  if [ -z "${SEEN[sigkill]:-}" ] && [ ! -f "$B/COMPLETE" ]; then
    start "$name" "$B" --checkpoint_every=1
    await_checkpoint "$B" && kill -KILL "$PID" 2>/dev/null
    finish; runs=$((runs + 1))
    [ $RC -eq 137 ] && { SEEN[sigkill]=1 done_="$done_ SIGKILL(at-checkpoint)"; }
  fi

  # Until COMPLETE (these runs are not interrupted).
  for _ in 1 2; do
    [ -f "$B/COMPLETE" ] && break
    start "$name" "$B"; finish; runs=$((runs + 1))
    [ $RC -eq 0 ] || fail "$name: the final resume exited $RC: $(tail -5 "$B.stderr")"
  done
  [ -f "$B/COMPLETE" ] || { fail "$name: B never completed"; continue; }
  # (A SIGKILL between COMPLETE and the removal of the checkpoints may leave them.)
  if [ $RC -ne 137 ] && { [ -e "$B/checkpoint.gvckpt" ] || [ -e "$B/checkpoints" ]; }; then
    fail "$name: checkpoints left in B"
  fi
  resumed=$(grep -c "resuming from" "$B/log.txt")
  same_results "$name" "$A" "$B"
  echo "ok   $name: $runs runs into B ($resumed resumed; stopped by$done_), A took ${T}s; $(( $(date +%s) - ${t0%.*} )) s"
done
for what in sigint refused stop sigkill corrupt; do
  [ -n "${SEEN[$what]:-}" ] || fail "the $what case never happened (every run completed first?)"
done

# A foreign file in place of the checkpoint is refused (exit 2), naming it.
name=ageing; B=$TMP/foreign
start "$name" "$B" --checkpoint_every=1
await_checkpoint "$B"; kill -KILL "$PID" 2>/dev/null; finish
if [ -f "$B/checkpoint.gvckpt" ]; then
  printf 'tw,t,Q\n5,1,0.9\n' >"$B/checkpoint.gvckpt"; rm -f "$B/checkpoint.gvckpt.prev"
  start "$name" "$B"; finish
  [ $RC -eq 2 ] || fail "foreign checkpoint: exit $RC, expected 2"
  grep -q "not a glassvm checkpoint" "$B.stderr" || fail "foreign checkpoint: $(cat "$B.stderr")"
  ! grep -q "stack traceback" "$B.stderr" || fail "foreign checkpoint: a traceback"
  # --force discards it and starts over.
  start "$name" "$B" --force; finish
  [ $RC -eq 0 ] && [ -f "$B/COMPLETE" ] || fail "foreign checkpoint: --force did not start over ($RC)"
  cmp -s "$B/overlap.csv" "$TMP/ageing-A/overlap.csv" || fail "foreign checkpoint: --force run differs"
else
  fail "foreign checkpoint: no checkpoint to replace"
fi

if [ $fails -gt 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all resume tests passed"
