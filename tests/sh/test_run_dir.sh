#!/usr/bin/env bash
# test_run_dir.sh: a protocol's output directory belongs to one run, and its
# files are what the run wrote (issue 17).
#
#  * A second run on a directory that a running one holds is refused (exit 2)
#    with one line naming the holder's PID; nothing of the first changes.
#  * kill -9 of the holder leaves no stale lock: the same command then
#    resumes and ends with the results of an uninterrupted run.
#  * a segment file copied over another's is refused on resume, naming it.
#  * --out naming a file, or a directory the user cannot write, is refused
#    with one line (the path once) and exit 2.
#  * a script that ends without run:finish() exits 1 and run.json says
#    "failed"; so does a run refused after glass.run (no data set).
#  * --force over a finished run leaves only the new run's files and the
#    user's own: the earlier run's (its run.json lists them) are deleted.
#  * a resume whose --from file or data set changed is refused, naming it.
#  * a folder of the user's (files, no run) is refused without --force, and a
#    checkpoints/ folder of the user's keeps its files.
#   bash tests/sh/test_run_dir.sh /path/to/glassvm
set -u
G=${1:?usage: test_run_dir.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
seen=0
# ok_since WHAT: "ok WHAT" when nothing failed since the last call.
ok_since() { [ $fails -eq $seen ] && echo "ok   $*"; seen=$fails; }
# one_line FILE WHAT: FILE holds exactly one line and no traceback.
one_line() {
  [ "$(wc -l <"$1")" -eq 1 ] || fail "$2: not one line: $(cat "$1")"
  ! grep -q "stack traceback" "$1" || fail "$2: a traceback: $(cat "$1")"
}

ARGS=(--preset=smoke --tmax=10000 --tw=5,20,100 --quench_epochs=20 --threads=2 --quiet --plots=false)
run() { "$G" "$SRC/protocols/ageing.lua" "${ARGS[@]}" "$@" </dev/null; }

# The reference: one uninterrupted run.
run --out=ref >/dev/null 2>ref.err || fail "the reference run failed: $(tail -3 ref.err)"
seen=$fails

# A holds D (slowly: a checkpoint at every step); B is refused while it runs.
"$G" "$SRC/protocols/ageing.lua" "${ARGS[@]}" --out=D --checkpoint_every=1 >/dev/null 2>A.err </dev/null &
PID=$!   # glassvm itself (it re-executes itself once at start-up, keeping its PID)
held=
for _ in $(seq 1000); do
  kill -0 "$PID" 2>/dev/null || break
  # (holding the lock, and past its first checkpoint, so that there is something to resume)
  if grep -q "^$PID " D/.glassvm.lock 2>/dev/null && [ -f D/checkpoint.gvckpt ]; then held=1; break; fi
  sleep 0.02
done
if [ -z "$held" ]; then
  fail "the first run never held D/.glassvm.lock: $(cat D/.glassvm.lock 2>&1) $(tail -3 A.err)"
else
  cp D/params.lua params.before
  run --out=D >/dev/null 2>B.err
  rc=$?
  kill -0 "$PID" 2>/dev/null || fail "the first run ended before the second one was tried (too fast?)"
  [ $rc -eq 2 ] || fail "a second run on D exited $rc, expected 2: $(cat B.err)"
  grep -q "D is in use by another run (process $PID on " B.err || fail "the refusal does not name PID $PID: $(cat B.err)"
  grep -q "choose another --out" B.err || fail "the refusal does not say what to do: $(cat B.err)"
  one_line B.err "refusal"
  cmp -s params.before D/params.lua || fail "the refused run changed D/params.lua"
  [ ! -e D/COMPLETE ] || fail "COMPLETE appeared while the first run was running"
  # kill -9: the kernel drops the lock; the same command resumes and completes.
  kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=
  run --out=D >/dev/null 2>C.err
  rc=$?
  [ $rc -eq 0 ] && [ -f D/COMPLETE ] || fail "after kill -9 the run did not resume ($rc): $(cat C.err)"
  grep -q "resuming from" D/log.txt || fail "after kill -9 the run started over instead of resuming"
  for f in ref/*.csv ref/params.lua; do
    cmp -s "$f" "D/$(basename "$f")" || fail "$(basename "$f") differs from the uninterrupted run"
  done
  ok_since "second run refused (exit 2, PID named); after kill -9 resumed to identical results"
fi

# A segment file copied over another (the journal must notice): heterogeneity
# stopped inside segment 3, segment 2's file copied over segment 1's (both
# hold the same ensemble, 5 steps apart); the resume is refused, naming the
# file, instead of ending with status 0 and other moments.
H=(--preset=smoke --tmax=500 --hist_lags=20,500 --quench_epochs=20 --threads=2 --quiet --plots=false)
"$G" "$SRC/protocols/heterogeneity.lua" "${H[@]}" --out=H --checkpoint_every=1 >/dev/null 2>H.err </dev/null &
PID=$!
inside=
for _ in $(seq 1000); do
  kill -0 "$PID" 2>/dev/null || break
  # a head written after segment 2 completed: the run is inside segment 3
  if [ -f H/checkpoints/segment-0002.gvckpt ] && [ H/checkpoint.gvckpt -nt H/checkpoints/segment-0002.gvckpt ]; then
    inside=1; break
  fi
  sleep 0.02
done
kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=
if [ -z "$inside" ] || [ ! -f H/checkpoints/segment-0001.gvckpt ]; then
  fail "heterogeneity was not stopped inside segment 3 with segments 1 and 2 saved: $(ls H/checkpoints 2>&1)"
else
  cp H/checkpoints/segment-0002.gvckpt H/checkpoints/segment-0001.gvckpt
  "$G" "$SRC/protocols/heterogeneity.lua" "${H[@]}" --out=H >/dev/null 2>H2.err </dev/null
  rc=$?
  [ $rc -ne 0 ] || fail "a resume from a replaced segment file exited 0"
  [ ! -f H/COMPLETE ] || fail "a resume from a replaced segment file wrote COMPLETE"
  grep -q "cannot resume: H/checkpoints/segment-0001.gvckpt holds segment 2 (.*), but the journal expects segment 1 (" H2.err \
    || fail "the replaced segment file is not named: $(cat H2.err)"
  ! grep -q "stack traceback" H2.err || fail "replaced segment file: a traceback: $(cat H2.err)"
  ok_since "a segment file copied over another is refused (exit $rc): $(head -1 H2.err | cut -c1-90)..."
fi

# --out naming a file.
echo x >afile
run --out=afile >/dev/null 2>file.err
rc=$?
[ $rc -eq 2 ] || fail "--out=afile exited $rc, expected 2"
grep -q "^glassvm: the output directory afile is a file, not a directory; choose another --out$" file.err \
  || fail "--out=afile: $(cat file.err)"
one_line file.err "--out=afile"
[ "$(cat afile)" = x ] || fail "--out=afile changed the file"
ok_since "--out=afile: $(cat file.err)"

# A directory this user cannot write (as root: run as nobody).
mkdir ro && chmod 555 ro
AS=()
if [ "$(id -u)" -eq 0 ]; then
  chmod 755 "$TMP"
  if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
fi
if [ "$(id -u)" -eq 0 ] && [ ${#AS[@]} -eq 0 ]; then
  echo "(not run: as root without setpriv, no directory is read-only)"
else
  "${AS[@]}" "$G" "$SRC/protocols/ageing.lua" "${ARGS[@]}" --out=ro >/dev/null 2>ro.err </dev/null
  rc=$?
  [ $rc -eq 2 ] || fail "a read-only --out exited $rc, expected 2: $(cat ro.err)"
  grep -q "^glassvm: cannot write into the output directory ro (Permission denied); choose another --out$" ro.err \
    || fail "read-only --out: $(cat ro.err)"
  one_line ro.err "read-only --out"
  ok_since "read-only --out: $(cat ro.err)"
fi

# A script that ends without run:finish() leaves no result that passes for
# one: exit 1, a line naming the run and the fix, run.json "failed".
cat > nofinish.lua <<'LUA'
local P = glass.params{name = "nofinish", {"a", 1, "a number"}}
local run = glass.run(P:parse(arg))
run:log("working")
LUA
"$G" nofinish.lua --out=nf --quiet >nf.out 2>nf.err </dev/null
rc=$?
[ $rc -eq 1 ] || fail "a script without run:finish() exited $rc, expected 1"
grep -q "ended without run:finish(): the run in nf has no COMPLETE" nf.err || fail "no run:finish(): $(cat nf.err)"
grep -q '"status": "failed"' nf/run.json || fail "no run:finish(): run.json $(grep status nf/run.json)"
[ ! -e nf/COMPLETE ] || fail "no run:finish(): COMPLETE written"
# A resume whose input changed since the interruption (the --from file saved again
# under its name) is refused, naming it; with the file restored it resumes to the
# uninterrupted run's results.
cat > savew8.lua <<'LUA'
local data = glass.lab.data{dataset = "mnist", P = 500}
local land = glass.landscape.network{net = glass.mlp{d = 10, width = 8, depth = 6}, data = data}
glass.ensemble{landscape = land, replicas = 2, seed = tonumber(arg[2])}:save(arg[1])
LUA
"$G" savew8.lua fa.gvens 1 && "$G" savew8.lua fb.gvens 2 && cp fa.gvens from.gvens || fail "cannot save the --from files"
run --from="$TMP/from.gvens" --out=Fref >/dev/null 2>Fref.err || fail "the --from reference failed: $(tail -3 Fref.err)"
# killed DIR ARGS...: the run into DIR, sent SIG (default KILL) once it has written a
# checkpoint; its exit status in $krc.
killed() {
  local dir=$1; shift
  "$G" "$SRC/protocols/ageing.lua" "${ARGS[@]}" "$@" --out="$dir" --checkpoint_every=1 \
    >/dev/null 2>"$dir.err" </dev/null &
  PID=$!
  for _ in $(seq 1000); do
    [ -f "$dir/checkpoint.gvckpt" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.02
  done
  kill -"${SIG:-KILL}" "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; krc=$?; PID=
}
killed FR --from="$TMP/from.gvens"
if [ -f FR/checkpoint.gvckpt ] && [ ! -f FR/COMPLETE ]; then
  cp fb.gvens from.gvens
  run --from="$TMP/from.gvens" --out=FR >/dev/null 2>FR.err
  rc=$?
  [ $rc -ne 0 ] && [ ! -f FR/COMPLETE ] || fail "a resume from a replaced --from file exited $rc"
  grep -q "refusing to resume in FR: --from=$TMP/from.gvens is not the interrupted run's ([0-9]* bytes, CRC [0-9a-f]* then, [0-9]* bytes, CRC [0-9a-f]* now); the file was replaced" FR.err \
    || fail "the refusal does not name the replaced --from file: $(cat FR.err)"
  # --force would resume (and be refused) again: the advice names what starts over.
  grep -q "start over with another --out, or here after removing FR/checkpoint.gvckpt and FR/checkpoint.gvckpt.prev" FR.err \
    || fail "the refusal's advice: $(cat FR.err)"
  cp fa.gvens from.gvens
  run --from="$TMP/from.gvens" --out=FR >/dev/null 2>FR.err || fail "the resume with the file restored failed: $(tail -3 FR.err)"
  for f in Fref/*.csv; do
    cmp -s "$f" "FR/$(basename "$f")" || fail "$(basename "$f") differs from the uninterrupted --from run"
  done
else
  fail "the --from run ended before its first checkpoint could be interrupted"
fi
ok_since "a resume from a replaced --from file is refused; restored, it resumes to the same results"

# A closed terminal (SIGHUP) stops the run as SIGTERM does: a checkpoint, a line, exit
# 129, run.json "interrupted"; the same command resumes it to the same results.
SIG=HUP killed HU
[ "$krc" -eq 129 ] && grep -q "^glassvm: stopped at step [0-9]* of segment [0-9]* (.*): SIGHUP\.$" HU.err \
  && grep -q '"status": "interrupted"' HU/run.json || fail "SIGHUP: exit $krc: $(cat HU.err)"
run --out=HU >/dev/null 2>HU.err || fail "the resume after SIGHUP failed: $(tail -3 HU.err)"
for f in ref/*.csv; do cmp -s "$f" "HU/$(basename "$f")" || fail "after SIGHUP $(basename "$f") differs"; done
# A reader that goes away (| head -1) does not end the run: it completes (without
# --quiet, so that it writes its log lines into the closed pipe).
LOUD=()
for a in "${ARGS[@]}"; do [ "$a" = --quiet ] || LOUD+=("$a"); done
"$G" "$SRC/protocols/ageing.lua" "${LOUD[@]}" --out=PI </dev/null 2>&1 | head -1 >/dev/null
prc=${PIPESTATUS[0]}
[ "$prc" -eq 0 ] && [ -f PI/COMPLETE ] || fail "a run piped into head -1 exited $prc"
ok_since "SIGHUP stops a run with its checkpoint (129) and it resumes; a closed pipe does not end it"

# --device changes float32 rounding: a resume on another device is refused (it would
# mix two devices' bits), and the run's own device resumes it.
killed DV
run --out=DV --device=ref >/dev/null 2>DV.err
rc=$?
[ $rc -eq 2 ] && grep -q "device: not in the checkpoint, now \"ref\"" DV.err \
  || fail "a resume on another device exited $rc: $(cat DV.err)"
run --out=DV >/dev/null 2>DV.err || fail "the resume on the run's device failed: $(tail -3 DV.err)"
for f in ref/*.csv; do cmp -s "$f" "DV/$(basename "$f")" || fail "DV: $(basename "$f") differs"; done
# A device this build or machine lacks: refused before the directory is made, naming the
# option and the way out.
if ! "$G" -e 'glass.device("cuda")' >/dev/null 2>&1; then
  run --out=DC --device=cuda >/dev/null 2>DC.err
  rc=$?
  [ $rc -eq 2 ] && [ ! -e DC ] \
    && grep -q "^glassvm: --device=cuda: .*; --device=cpu (the default) runs on the CPU$" DC.err \
    || fail "--device=cuda without CUDA: exit $rc: $(cat DC.err)"
fi
ok_since "a resume on another --device is refused; a device glassvm lacks is refused at once"

# ... and so is one on other data (other files under GLASSVM_DATA: here a copy of
# MNIST with 4 MiB of its images overwritten by others).
MN=${GLASSVM_DATA:-$SRC/data}/mnist
if [ -f "$MN/train-images-idx3-ubyte" ] && [ -f "$MN/t10k-images-idx3-ubyte" ]; then
  mkdir -p other/mnist && cp "$MN"/*-ubyte other/mnist/ \
    && dd if="$MN/train-images-idx3-ubyte" of=other/mnist/train-images-idx3-ubyte bs=1M skip=20 \
      seek=1 count=4 conv=notrunc status=none || fail "cannot make the altered MNIST copy"
  killed DR
  GLASSVM_DATA="$TMP/other" run --out=DR >/dev/null 2>DR.err
  rc=$?
  [ $rc -ne 0 ] && [ ! -f DR/COMPLETE ] || fail "a resume on other data exited $rc"
  grep -q "refusing to resume in DR: the data set MNIST train, 500 rows is not the interrupted run's (CRC [0-9a-f]* then, CRC [0-9a-f]* now); other data files (GLASSVM_DATA)" DR.err \
    || fail "the refusal does not name the data set: $(cat DR.err)"
  run --out=DR >/dev/null 2>DR.err || fail "the resume on the run's own data failed: $(tail -3 DR.err)"
  for f in ref/*.csv; do
    cmp -s "$f" "DR/$(basename "$f")" || fail "$(basename "$f") differs from the uninterrupted run"
  done
  ok_since "a resume on other data is refused; on the run's own it resumes to the same results"
else
  echo "skip: MNIST in IDX form not found for the altered-data resume"
fi

# An error after a checkpoint: the resume command says to fix it first, and
# leaves out --force (which would throw the checkpoint away).
cat > boom.lua <<'LUA'
local P = glass.params{name = "boom", {"a", 1, "a number"}}
local run = glass.run(P:parse(arg))
run:memo("one", nil, function() return 1 end)
error("boom")
LUA
"$G" boom.lua --out=bm --force --quiet >bm.out 2>bm.err </dev/null
grep -q "to resume, run the same command again (after an error: once its cause is fixed; if the cause is a parameter, a resume keeps it: start over with --force or another --out):" bm.err || fail "error resume hint: $(cat bm.err)"
grep -A1 "run the same command again" bm.err | tail -1 | grep -q -- "--force" && fail "the resume command keeps --force: $(tail -1 bm.err)"
# A refusal after glass.run (no data set) is a failed run too, not "running".
GLASSVM_DATA="$TMP/nowhere" run --out=nd >/dev/null 2>nd.err
rc=$?
[ $rc -eq 2 ] || fail "a missing data set exited $rc, expected 2: $(cat nd.err)"
grep -q '"status": "failed"' nd/run.json || fail "missing data: run.json $(grep status nd/run.json)"
grep -q "GLASSVM_DATA=$TMP/nowhere is where glassvm looks" nd.err || fail "missing data: the message does not name GLASSVM_DATA: $(cat nd.err)"
ok_since "a run left unfinished says so: exit 1, run.json failed; a refusal after glass.run: failed"

# --force over a finished run starts over: what the earlier run wrote (its
# run.json lists it) goes, so another protocol's results (ageing's
# overlap.csv, tau.csv) do not sit next to the new COMPLETE; a file of the
# user's stays, and the log says so.  Without a run.json, which would tell
# the earlier run's files from others, they are kept and the log says that.
ttt() { "$G" "$SRC/protocols/ttt_scan.lua" --preset=smoke --threads=2 --quiet --plots=false "$@" </dev/null; }
cp -r ref F && echo "my notes" >F/notes.txt
ttt --out=F --force >/dev/null 2>F.err
rc=$?
[ $rc -eq 0 ] && [ -f F/COMPLETE ] || fail "--force over a finished run exited $rc: $(tail -3 F.err)"
listed=$({ echo run.json; grep -o '"name": "[^"]*"' F/run.json | sed 's/^"name": "//; s/"$//'; } | sort | tr '\n' ' ')
present=$(cd F && ls | grep -vx notes.txt | sort | tr '\n' ' ')
[ "$present" = "$listed" ] || fail "after --force F holds [$present], its run.json lists [$listed]"
[ "$(cat F/notes.txt)" = "my notes" ] || fail "--force deleted the user's notes.txt"
grep -q "starting over: deleted the [0-9]* file(s) the earlier run in F wrote (its run.json lists them)" F/log.txt \
  || fail "--force: the log does not say what was deleted: $(head -5 F/log.txt)"
grep -q "kept 1 file(s) in F that the earlier run did not write: notes.txt" F/log.txt \
  || fail "--force: the log does not name the kept notes.txt: $(head -5 F/log.txt)"
cp -r ref F0 && rm F0/run.json
ttt --out=F0 --force >/dev/null 2>F0.err || fail "--force over a run without run.json failed: $(tail -3 F0.err)"
[ -f F0/overlap.csv ] || fail "without run.json --force deleted overlap.csv, which it cannot tell from a user's file"
grep -q "warning: starting over, but F0 has no run.json .* kept overlap.csv, .*delete those of the earlier run yourself" \
  F0/log.txt || fail "without run.json: the log does not say what was kept: $(head -5 F0/log.txt)"
# A run.json that is not one (hand-edited: "files": null, or text after its object) lists
# nothing: its files are kept, as without one, and the log says why.
for bad in '{"files": null}' '{"files": []} and more'; do
  rm -rf F1 && cp -r ref F1 && printf '%s\n' "$bad" >F1/run.json
  ttt --out=F1 --force >/dev/null 2>F1.err || fail "--force over run.json '$bad' failed: $(tail -3 F1.err)"
  [ -f F1/overlap.csv ] || fail "run.json '$bad': --force deleted overlap.csv"
  grep -q "F1/run.json cannot be read (.*), so .* kept overlap.csv" F1/log.txt \
    || fail "run.json '$bad': the log does not say it cannot be read: $(head -5 F1/log.txt)"
done
# A listed name whose folder is now a link out of the directory is not followed.
cp -r ref F2 && mkdir outside && echo "not the run's" >outside/x.txt && ln -s "$TMP/outside" F2/sub
sed -i 's|^  "files": \[$|  "files": [ {"name": "sub/x.txt"},|' F2/run.json
grep -q '"sub/x.txt"' F2/run.json || fail "the test could not add sub/x.txt to F2/run.json"
ttt --out=F2 --force >/dev/null 2>F2.err || fail "--force over F2 failed: $(tail -3 F2.err)"
[ -f outside/x.txt ] || fail "--force deleted a file outside the run's directory through a link"
ok_since "--force over a finished run: only the new run's files and the user's notes.txt remain"

# A folder of the user's (files, no glassvm run in it) is refused, naming its files:
# the run's outputs would replace files of the same names.  With --force the run
# writes into it; in a checkpoints/ folder of the user's it removes its own segment
# files only, and leaves the folder.
mkdir -p U/checkpoints/sub && echo "my model" >U/checkpoints/sub/model.pt && echo "my data" >U/overlap.csv
echo "my notes" >U/checkpoints/notes.txt
"$G" "$SRC/protocols/ageing.lua" --preset=smoke --threads=2 --quiet --plots=false --out=U </dev/null >/dev/null 2>U.err
rc=$?
[ $rc -eq 2 ] || fail "a folder of the user's: exit $rc, not 2"
grep -q "U already holds files, and no glassvm run (no run.json): checkpoints, overlap.csv\." U.err \
  || fail "a folder of the user's: the refusal does not name its files: $(cat U.err)"
[ "$(cat U/overlap.csv)" = "my data" ] && [ ! -e U/log.txt ] || fail "the refused run wrote into U"
"$G" "$SRC/protocols/ageing.lua" --preset=smoke --threads=2 --quiet --plots=false --out=U --force </dev/null >/dev/null 2>U.err \
  || fail "--force into a folder of the user's failed: $(tail -3 U.err)"
[ -f U/COMPLETE ] && [ "$(cat U/checkpoints/sub/model.pt)" = "my model" ] && [ "$(cat U/checkpoints/notes.txt)" = "my notes" ] \
  || fail "--force into U: the run did not complete, or deleted the user's files in checkpoints/: $(ls -R U)"
[ -z "$(ls U/checkpoints | grep -v '^sub$\|^notes.txt$')" ] || fail "segment files left in U/checkpoints: $(ls U/checkpoints)"
# A fresh run removes its own (empty) checkpoints/ folder at the end.
[ ! -e ref/checkpoints ] || fail "a finished run left its checkpoints/ folder: $(ls ref)"
ok_since "a folder of the user's is refused without --force; its checkpoints/ files are kept"

if [ $fails -gt 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all run-directory tests passed"
