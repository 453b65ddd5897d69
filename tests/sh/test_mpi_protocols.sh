#!/bin/bash
# Protocols under MPI (docs/cluster.md): the same protocol run by glassvm
# alone and under mpirun with 1, 2 and 3 ranks writes byte-identical CSVs
# and params.lua; a 3-rank run stopped by a STOP file resumes on 2 ranks, and
# a 2-rank run stopped by SIGTERM to mpirun resumes on 3, both ending with
# the uninterrupted run's results.  ageing covers lab.advance segments and an
# observer gathered from the ranks; phase_diagram lab.minimise memos; ttsp
# lab.anneal (observer and weights gathered); heterogeneity same-basin copies made
# across ranks, each network's state (lab.states) and the loss trace.  phase_diagram with one replica
# runs in points mode (lab.sweep: whole grid points per rank), alone and on
# 1, 2, 3 ranks; stopped by STOP on 3 ranks it resumes on 2, stopped there
# by SIGTERM it resumes without MPI.  Data files missing on one rank, or an
# --out the ranks do not share, end the job with a message (no hang).  Skipped in a build without MPI.
#   bash tests/sh/test_mpi_protocols.sh /path/to/glassvm
set -u
G=${1:?usage: test_mpi_protocols.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/sh/mpi_setup.sh
source "$SRC/tests/sh/mpi_setup.sh"

# Tiny runs, with at least 3 replicas (replica mode) and several segments;
# phase_diagram's polish makes the SIGTERM run below last a few seconds.
declare -A ARGS=(
  [ageing]="--replicas=5 --tw=5,20,100 --tmax=300 --quench_epochs=5 --loss_trace=8"
  [phase_diagram]="--replicas=3 --epochs=20 --polish=300"
  [ttsp]="--replicas=4"
  [heterogeneity]="--replicas=3 --loss_trace=4"
)
# args NAME DIR [options...]: the command line after glassvm.  An option among
# the options replaces NAME's own of that name (a protocol refuses one given twice).
args() { local name=$1 dir=$2 o own=(); shift 2
  for o in ${ARGS[$name]}; do [[ " $* " == *" ${o%%=*}="* ]] || own+=("$o"); done
  echo "$SRC/protocols/$name.lua --preset=smoke ${own[*]} --quiet --plots=false --out=$dir $*"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# Every CSV and params.lua of run a equals run b's, byte for byte.
same() {
  local a=$1 b=$2 n=0
  [ -f "$b/COMPLETE" ] || { fail "$b: no COMPLETE"; return; }
  for f in "$a"/*.csv "$a"/params.lua; do
    n=$((n + 1))
    cmp -s "$f" "$b/$(basename "$f")" || fail "$b: $(basename "$f") differs from $a's"
  done
  [ "$n" -ge 3 ] || fail "$a: only $n outputs"
}

for name in ageing phase_diagram ttsp heterogeneity; do
  start=$(date +%s%N)
  # shellcheck disable=SC2046
  "$G" $(args "$name" "$name-1") 2>"$name-1.err" || { fail "$name alone: $(tail -3 "$name-1.err")"; continue; }
  line="$name: alone $(ms "$start") ms"
  for n in 1 2 3; do
    start=$(date +%s%N)
    # shellcheck disable=SC2046
    "${MPIRUN[@]}" -n "$n" "$G" $(args "$name" "$name-m$n") >"$name-m$n.out" 2>&1 \
      || { fail "$name on $n ranks: exit $?"; tail -20 "$name-m$n.out"; continue; }
    same "$name-1" "$name-m$n"
    line="$line, $n ranks $(ms "$start") ms"
  done
  grep -q "3 ranks × 1 threads" "$name-m3/log.txt" || fail "$name: log.txt does not say 3 ranks"
  echo "$line: outputs identical"
done

# Wait (up to 30 s) until the job PID has written `what` in DIR/log.txt.
await_log() {
  local pid=$1 dir=$2 what=$3
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || return 1
    grep -q "$what" "$dir/log.txt" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# STOP on 3 ranks inside the Langevin segment (the quench's is complete),
# then resume on 2.
start=$(date +%s%N)
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 3 "$G" $(args ageing stop --checkpoint_every=1) >stop.out 2>&1 &
pid=$!
await_log "$pid" stop "quench: SGD" && touch stop/STOP
wait "$pid"
rc=$?
if [ -f stop/COMPLETE ]; then fail "STOP: the 3-rank run finished before it was stopped"
else
  [ "$rc" -ne 0 ] || fail "STOP: mpirun exited 0"
  grep -q "stop/STOP was found" stop.out || { fail "STOP: no message"; tail -20 stop.out; }
  [ "$(grep -c "STOP was found" stop.out)" -eq 1 ] || fail "STOP: the message is not said once"
  grep -q "segment 2 (Langevin" stop.out || { fail "STOP: not inside the Langevin segment"; tail -5 stop.out; }
  [ -f stop/checkpoint.gvckpt ] || fail "STOP: no checkpoint"
fi
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 2 "$G" $(args ageing stop) >stop2.out 2>&1 || { fail "resume on 2 ranks"; tail -20 stop2.out; }
grep -q "resuming from stop/checkpoint.gvckpt: 1 segment(s)" stop/log.txt \
  || fail "STOP: the 2-rank run did not resume from the first segment: $(grep resum stop/log.txt)"
same ageing-1 stop
[ ! -e stop/checkpoint.gvckpt ] && [ ! -e stop/checkpoints ] || fail "STOP: checkpoints left after COMPLETE"
echo "ageing: stopped on 3 ranks, resumed on 2: outputs identical ($(ms "$start") ms)"

# SIGTERM to mpirun on 2 ranks after the first grid point (a memo), then
# resume on 3.
start=$(date +%s%N)
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 2 "$G" $(args phase_diagram term --checkpoint_every=1) >term.out 2>&1 &
pid=$!
await_log "$pid" term "w = 2 .*lambda = 0 " && kill -TERM "$pid"
wait "$pid"
rc=$?
if [ -f term/COMPLETE ]; then fail "SIGTERM: the 2-rank run finished before it was stopped"
else
  [ "$rc" -ne 0 ] || fail "SIGTERM: mpirun exited 0"
  grep -q "SIGTERM.*to resume\|: SIGTERM\." term.out || { fail "SIGTERM: no message"; tail -20 term.out; }
  [ -f term/checkpoint.gvckpt ] || fail "SIGTERM: no checkpoint"
fi
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 3 "$G" $(args phase_diagram term) >term3.out 2>&1 || { fail "resume on 3 ranks"; tail -20 term3.out; }
grep -q "resuming from term/checkpoint.gvckpt: [0-9]* segment(s) and [1-9][0-9]* memo(s)" term/log.txt \
  || fail "SIGTERM: the 3-rank run did not resume after a memo: $(grep resum term/log.txt)"
same phase_diagram-1 term
echo "phase_diagram: SIGTERM on 2 ranks, resumed on 3: outputs identical ($(ms "$start") ms)"

# Points mode (lab.sweep): with one replica, 2 and 3 ranks take whole grid
# points; the outputs are those of one process.
start=$(date +%s%N)
PT="$SRC/protocols/phase_diagram.lua --preset=smoke --replicas=1 --epochs=20 --polish=100 --quiet --plots=false"
# shellcheck disable=SC2086
"$G" $PT --out=pts-1 2>pts-1.err || fail "points alone: $(tail -3 pts-1.err)"
for n in 1 2 3; do
  # shellcheck disable=SC2086
  "${MPIRUN[@]}" -n "$n" "$G" $PT --out=pts-m$n >pts-m$n.out 2>&1 \
    || { fail "points on $n ranks: exit $?"; tail -20 pts-m$n.out; continue; }
  same pts-1 pts-m$n
done
echo "phase_diagram, 1 replica (points mode): alone and on 1, 2, 3 ranks identical ($(ms "$start") ms)"

# Points mode stopped twice: a STOP file on 3 ranks during the second round
# (points 4-6), resumed on 2; SIGTERM to mpirun there during its last round
# (point 6), resumed by one process (serial mode: each point a memo, as
# points mode records them).  The last point (w = 30) is the slowest.  Each
# signal must land inside a point: STOP before rank 0 records point 4 (w = 4;
# 1 s of training with 16000 epochs, 0.25 s with 4000, and a STOP touched
# 0.4 s late then found it recorded), SIGTERM inside point 6 (mpirun passes it
# on 1 s late, its default odls_base_sigkill_timeout).
start=$(date +%s%N)
PS="$SRC/protocols/phase_diagram.lua --preset=smoke --replicas=1 --widths=2,4,30 --epochs=16000 --polish=100 --quiet --plots=false"
# shellcheck disable=SC2086
"$G" $PS --out=ps-1 2>ps-1.err || fail "points (stop) alone: $(tail -3 ps-1.err)"
# shellcheck disable=SC2086
"${MPIRUN[@]}" -n 3 "$G" $PS --out=pstop >pstop.out 2>&1 &
pid=$!
await_log "$pid" pstop "w = 2 .*lambda = 0 " && touch pstop/STOP
wait "$pid"
rc=$?
if [ -f pstop/COMPLETE ]; then fail "points STOP: the 3-rank run finished before it was stopped"
else
  [ "$rc" -ne 0 ] || fail "points STOP: mpirun exited 0"
  [ "$(grep -c "pstop/STOP was found" pstop.out)" -eq 1 ] || { fail "points STOP: message not said once"; tail -20 pstop.out; }
  grep -q "after 3 of 6 sweep points" pstop.out || { fail "points STOP: not after the first round"; tail -5 pstop.out; }
fi
# shellcheck disable=SC2086
"${MPIRUN[@]}" -n 2 "$G" $PS --out=pstop >pterm.out 2>&1 &
pid=$!
await_log "$pid" pstop "w = 4 .*lambda = 0.1 " && kill -TERM "$pid"
wait "$pid"
rc=$?
grep -q "resuming from pstop/checkpoint.gvckpt: 0 segment(s) and 3 memo(s)" pstop/log.txt \
  || fail "points STOP: the 2-rank run did not resume after 3 points: $(grep resum pstop/log.txt)"
if [ -f pstop/COMPLETE ]; then fail "points SIGTERM: the 2-rank run finished before it was stopped"
else
  [ "$rc" -ne 0 ] || fail "points SIGTERM: mpirun exited 0"
  grep -q "after 5 of 6 sweep points: interrupted by a signal" pterm.out || { fail "points SIGTERM: no message"; tail -20 pterm.out; }
fi
# shellcheck disable=SC2086
"$G" $PS --out=pstop 2>pstop1.err || { fail "points: resume alone"; tail -20 pstop1.err; }
grep -q "resuming from pstop/checkpoint.gvckpt: 0 segment(s) and 5 memo(s)" pstop/log.txt \
  || fail "points SIGTERM: the run alone did not resume after 5 points: $(grep resum pstop/log.txt)"
same ps-1 pstop
[ ! -e pstop/checkpoint.gvckpt ] || fail "points: checkpoint left after COMPLETE"
echo "phase_diagram points mode: STOP on 3 ranks, resumed on 2, SIGTERM there, resumed alone: identical ($(ms "$start") ms)"

# Fewer replicas than ranks: refused at once, said once, before DIR is made.
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 3 "$G" $(args ageing few --replicas=2) >few.out 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "2 replicas on 3 ranks: exit $rc"
[ "$(grep -c "2 replicas cannot be shared by 3 MPI ranks" few.out)" -eq 1 ] \
  || { fail "2 replicas on 3 ranks: message not said once"; cat few.out; }
[ ! -e few ] || fail "2 replicas on 3 ranks: the output directory was created"

# The data files missing on one rank (each rank reads its own: GLASSVM_DATA): that rank
# says which, the others name it, and the job ends (before, the others hung in their next
# collective). MPMD: rank 1 looks in an empty directory.
mkdir -p nodata
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 1 "$G" $(args ageing md --replicas=4) : \
  -n 1 -x GLASSVM_DATA="$TMP/nodata" "$G" $(args ageing md --replicas=4) >md.out 2>&1
rc=$?
[ "$rc" -ne 124 ] || fail "data missing on rank 1: the job hung"
[ "$rc" -ne 0 ] || fail "data missing on rank 1: exit 0"
grep -q "rank 1: glass.data.mnist: the MNIST files" md.out || { fail "data missing on rank 1: its message"; cat md.out; }
grep -q "rank 1 could not load the dataset" md.out || { fail "data missing on rank 1: not named"; cat md.out; }

# An --out that the ranks do not share (node-local disks), simulated with two working
# directories: rank 0 finds a checkpoint, rank 1 none. Refused on every rank, no hang
# (before: an MPI truncation error or a hang).
# (A run in nsA stopped by SIGTERM once it has a checkpoint; a STOP file made before it
# started would be removed by it, as left over from an earlier run.)
mkdir -p nsA nsB
# shellcheck disable=SC2046
(cd nsA && exec "$G" $(args ageing run --replicas=4) --checkpoint_every=1 >stop.out 2>&1) &
pid=$!
for _ in $(seq 1200); do [ -f nsA/run/checkpoint.gvckpt ] && break; sleep 0.05; done
kill -TERM "$pid" 2>/dev/null; wait "$pid"
[ -f nsA/run/checkpoint.gvckpt ] || fail "not shared: no checkpoint to resume: $(cat nsA/stop.out)"
# shellcheck disable=SC2046
"${MPIRUN[@]}" -n 1 -wdir "$TMP/nsA" "$G" $(args ageing run --replicas=4) : \
  -n 1 -wdir "$TMP/nsB" "$G" $(args ageing run --replicas=4) >ns.out 2>&1
rc=$?
[ "$rc" -ne 124 ] && [ "$rc" -ne 0 ] || fail "--out not shared: exit $rc"
grep -q "the ranks do not see the same checkpoint in run" ns.out || { fail "--out not shared: no message"; cat ns.out; }

[ "$fails" -eq 0 ] && echo "test_mpi_protocols: all passed"
exit $((fails > 0))
