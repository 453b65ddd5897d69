#!/usr/bin/env bash
# test_run_edges.sh: a protocol run at the edges of its life says what
# happened and leaves what it says it leaves.
# - A signal while the run completes (run.json, COMPLETE, the checkpoints'
#   removal) is held until that is done: the run is complete, its checkpoints
#   are gone, and the message says it had finished (it ends by the SIGTERM, as
#   any run stopped by one does, so that a shell loop stops).
# - A signal while a result CSV is written makes an "interrupted" run (it
#   resumes), not a "failed" one, and no traceback.
# - A file-size limit (ulimit -f) fails the write with a message (EFBIG),
#   instead of killing glassvm with SIGXFSZ and leaving temporary files, and says
#   that the run left nothing to resume and what to do.
# - A STOP directory that cannot be removed is named, not obeyed at every resume;
#   a stale STOP stops no run that starts over (--force, or no checkpoint); a
#   STOP that is a dangling link is obeyed, then removed by the resume.
# - A signal while a checkpoint is written stops the run as any signal does, also
#   when a pcall on the way made its error a plain message; a signal that a pcall
#   caught after the segments keeps the run from completing (it resumes).
# - A signal that stops an engine call reaches Lua once, as its error: a script's
#   pcall catches it.
# - A signal while a resume loads the checkpoint stops it, and the checkpoint is
#   neither set aside as refused nor wiped (--force).
# - Lost replicas: all lost is one line (no traceback) naming replica, step
#   and what to do; some lost names them in the log, and again at its end.
# - Plots gnuplot left empty are not reported drawn, and a signal while it draws
#   leaves no temporary files; a COMPLETE that cannot be written is one line, no
#   "done", run.json "failed", and the run resumes.
#   bash tests/sh/test_run_edges.sh /path/to/glassvm
set -u
G=${1:?usage: test_run_edges.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
json() { sed -n "s/^  \"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1"; }
# signalled CMD...: runs CMD; its exit status, or 200 + N when it died by signal N
# (a shell's $? reads 128 + N either way; a shell loop stops only on the death).
signalled() { perl -e 'system(@ARGV); exit(($? & 127) ? 200 + ($? & 127) : $? >> 8)' "$@"; }

# A small run with a checkpointed segment (80 kB) and one CSV; EDGE_MODE says where
# the script signals itself (kill -TERM of its own pid, which glassvm receives
# while os.execute waits; system() ignores SIGINT meanwhile): "finish" inside
# run:finish (as journal:finish starts), "csv" inside a CSV's write.
cat >edge.lua <<'EOF'
local glass = require "glass"
local P = glass.params{name = "edge", description = "signals at the edges of a run",
  {"x", 1, "unused"}, presets = {smoke = {}}}
local p = P:parse(arg)
local mode = os.getenv("EDGE_MODE") -- not a parameter: a resume without it is the same run
local pid = io.open("/proc/self/stat"):read("l"):match("^%d+")
local function signal_self() os.execute("kill -TERM " .. pid) end
if mode == "load" then -- the signal while the checkpoint loads (on resume)
  local ck = require("glass.core").checkpoint
  local load = ck.load
  ck.load = function(...) signal_self(); for _ = 1, 1e8 do end; return load(...) end
end
local run = glass.run(p)
-- A STOP that appears once the run has started, a directory it cannot remove.
if mode == "stopdir" then os.execute("mkdir -p " .. p.out .. "/STOP/x") end
-- A STOP that is a link to nothing (ln -s, or a file on a volume gone away) asks too.
if mode == "stoplink" then os.execute("ln -s /no/such/target " .. p.out .. "/STOP") end
local ens = glass.ensemble{landscape = glass.landscape.flat{N = 10000, P = 10}, replicas = 1,
                           seed = 1}
if mode == "encode" then -- the signal while the segment's checkpoint state is encoded
  local sort, once = table.sort, false   -- (glass.codec sorts each table's keys)
  table.sort = function(...)
    if not once and debug.getinfo(2, "S").short_src:find("codec%.lua$") then
      once = true; signal_self(); for _ = 1, 1e8 do end
    end
    return sort(...)
  end
end
if mode == "wrapped" then -- the signal's error made a plain message by a pcall on the way
  local ck = require("glass.core").checkpoint
  local save, once = ck.save, false
  ck.save = function(...)
    local ok, err = pcall(function() if not once then once = true; signal_self(); for _ = 1, 1e8 do end end end)
    if not ok then error("cannot save the checkpoint: " .. tostring(err), 0) end
    return save(...)
  end
end
glass.lab.advance(run, ens, glass.langevin{lr = 1e-2, T = 1}, 10, nil, "walk")
if mode == "swallow" then -- a pcall after the segments catches the signal (a fit, say)
  local ok = pcall(function() signal_self(); for _ = 1, 1e8 do end end)
  assert(not ok, "the signal did not come")
end
if mode == "rethrown" then -- ... and raises a message of its own
  local ok, err = pcall(function() signal_self(); for _ = 1, 1e8 do end end)
  if not ok then error("the fit failed: " .. tostring(err), 0) end
end
local t = glass.table{columns = {"x"}}
t:add_row{x = 1}
if mode == "csv" then
  -- A table whose write is where the signal comes (the engine's would poll it in C).
  local slow = {write_csv = function() signal_self(); for _ = 1, 1e8 do end end,
                columns = function() return {"x"} end}
  run:write_csv("t", slow, "x")
end
run:write_csv("u", t, "x")
if mode == "finish" then
  local fin = run.journal.finish
  run.journal.finish = function(j, ...) signal_self(); return fin(j, ...) end
end
run:finish()
print("after finish")
EOF

EDGE_MODE=finish signalled "$G" edge.lua --out=fin >fin.out 2>fin.err
rc=$?
[ "$rc" -eq 215 ] || fail "signal in finish: exit $rc, expected death by SIGTERM (215): $(cat fin.err)"
[ -f fin/COMPLETE ] || fail "signal in finish: no COMPLETE"
[ "$(json fin/run.json status)" = complete ] || fail "signal in finish: run.json status $(json fin/run.json status)"
ls fin | grep -q "gvckpt" && fail "signal in finish: checkpoints left: $(ls fin)"
[ -d fin/checkpoints ] && [ -n "$(ls fin/checkpoints)" ] && fail "signal in finish: segment files left"
grep -q "had finished (COMPLETE written) when the signal came" fin.err \
  || fail "signal in finish: $(cat fin.err)"
grep -q "did not finish\|to resume" fin.err && fail "signal in finish offers a resume: $(cat fin.err)"

EDGE_MODE=csv signalled "$G" edge.lua --out=csv >csv.out 2>csv.err
rc=$?
[ "$rc" -eq 215 ] || fail "signal in a CSV write: exit $rc, expected death by SIGTERM (215) after the checkpoint: $(cat csv.err)"
[ "$(json csv/run.json status)" = interrupted ] \
  || fail "signal in a CSV write: run.json status $(json csv/run.json status), expected interrupted"
grep -q "stack traceback" csv.err && fail "signal in a CSV write: a traceback: $(cat csv.err)"
"$G" edge.lua --out=csv >csv2.out 2>csv2.err || fail "resume after a CSV write's signal: $(cat csv2.err)"
[ -f csv/COMPLETE ] || fail "resume after a CSV write's signal: no COMPLETE"

# A signal while a checkpoint is written, whose error reaches the run as a plain message
# (glass.codec's encoder used to wrap it; here also a pcall on the way that makes a
# message of its own): the run stops as on any signal, with the same line, "interrupted",
# the status of the signal, and it resumes.  (sh_test_run_dir's SIGHUP case met the
# first in CI: "glass.checkpoint.encode: ...: interrupted (SIGHUP)", run.json "failed".)
for m in encode wrapped; do
  EDGE_MODE=$m signalled "$G" edge.lua --out=$m >$m.out 2>$m.err
  rc=$?
  [ "$rc" -eq 215 ] && grep -q "^glassvm: stopped at step [0-9]* of segment 1 (walk): SIGTERM\.$" $m.err \
    && [ "$(json $m/run.json status)" = interrupted ] \
    || fail "signal while the checkpoint is written ($m): exit $rc, run.json $(json $m/run.json status): $(cat $m.err)"
  "$G" edge.lua --out=$m >$m.out 2>$m.err && [ -f $m/COMPLETE ] || fail "resume after $m: $(cat $m.err)"
done
# A signal that a pcall catches after the last segment (the protocol goes on to its CSVs)
# does not make a complete run: run:finish stops it, "interrupted", and it resumes.
EDGE_MODE=swallow signalled "$G" edge.lua --out=swl >swl.out 2>swl.err
rc=$?
[ "$rc" -eq 215 ] && [ ! -f swl/COMPLETE ] && [ "$(json swl/run.json status)" = interrupted ] \
  && grep -q "did not finish; its checkpoint is kept: to resume, run the same command again:" swl.err \
  || fail "a swallowed signal: exit $rc, run.json $(json swl/run.json status): $(cat swl.err)"
"$G" edge.lua --out=swl >swl.out 2>swl.err && [ -f swl/COMPLETE ] || fail "resume after swallow: $(cat swl.err)"
# ... and one that the pcall made a message of its own, which ends the script: the
# script ends as interrupted, saying what the signal became, without a traceback.
EDGE_MODE=rethrown signalled "$G" edge.lua --out=rth >rth.out 2>rth.err
rc=$?
[ "$rc" -eq 215 ] && [ "$(json rth/run.json status)" = interrupted ] \
  && grep -q "^glassvm: interrupted (SIGTERM), seen as: the fit failed: edge.lua:[0-9]*: interrupted (SIGTERM)$" rth.err \
  && grep -q "to resume, run the same command again:" rth.err && ! grep -q "stack traceback" rth.err \
  && grep -q "\] ended by: interrupted (SIGTERM), seen as: the fit failed" rth/log.txt \
  && grep -q "\] the run in rth did not finish; its checkpoint is kept" rth/log.txt \
  || fail "a signal made a plain error: exit $rc, run.json $(json rth/run.json status): $(cat rth.err)"

# ulimit -f 8: 8 kB; the checkpoint is larger.
(ulimit -f 8; exec "$G" edge.lua --out=big >big.out 2>big.err)
rc=$?
[ "$rc" -ne 153 ] || fail "ulimit -f: killed by SIGXFSZ"
[ "$rc" -ne 0 ] || fail "ulimit -f: exit 0"
grep -q "File too large" big.err || fail "ulimit -f: $(cat big.err)"
grep -q "^glassvm: the run in big failed before its first checkpoint: nothing to resume; once the cause is gone" big.err \
  || fail "ulimit -f: no word on what is left and what to do: $(cat big.err)"
# ... and log.txt has them too: the error and that line, as stderr does.
grep -q "^\[ *[0-9.]*s\] ended by: big/checkpoints/segment-0001.gvckpt: cannot write (File too large)" big/log.txt \
  && grep -q "^\[ *[0-9.]*s\] the run in big failed before its first checkpoint" big/log.txt \
  || fail "ulimit -f: the log lacks the end: $(tail -3 big/log.txt)"

# A STOP that cannot be removed (a directory with files) would stop every resume
# at its first segment: the resume says so instead.
EDGE_MODE=stopdir "$G" edge.lua --out=stp >stp.out 2>stp.err
rc=$?
[ "$rc" -eq 75 ] || fail "STOP: exit $rc, expected 75: $(cat stp.err)"
"$G" edge.lua --out=stp >stp2.out 2>stp2.err
rc=$?
[ "$rc" -eq 1 ] && grep -q "stp/STOP (a STOP file left in the directory) cannot be removed" stp2.err \
  || fail "STOP that stays: exit $rc: $(cat stp2.err)"
rm -r stp/STOP
# A signal while the resume loads the checkpoint stops the run; it does not take the
# checkpoint for a damaged one (set aside as .refused, or wiped with --force).
EDGE_MODE=load "$G" edge.lua --out=stp --force >stp3.out 2>stp3.err
rc=$?
[ "$rc" -eq 143 ] || fail "signal while loading the checkpoint: exit $rc: $(cat stp3.err)"
[ -f stp/checkpoint.gvckpt ] && ! ls stp | grep -q refused \
  || fail "signal while loading the checkpoint: $(ls stp): $(cat stp3.err)"
grep -q "discarding\|refused\|cannot resume" stp3.err && fail "signal while loading: $(cat stp3.err)"
"$G" edge.lua --out=stp >stp4.out 2>stp4.err && [ -f stp/COMPLETE ] || fail "after STOP: $(cat stp4.err)"
grep -q "walk: " stp/log.txt || fail "after STOP: no walk in the log"
# A STOP left behind stops no fresh run: starting over (--force on a finished run, or a
# directory without a checkpoint) removes it, as a resume does, and says so.
touch stp/STOP
"$G" edge.lua --out=stp --force >stp5.out 2>stp5.err && [ -f stp/COMPLETE ] && [ ! -e stp/STOP ] \
  || fail "--force with a stale STOP: $(cat stp5.err)"
cat stp5.err stp/log.txt | grep -q "removed .*stp/STOP (a STOP file left in the directory: it would stop this run)" \
  || fail "--force with a stale STOP: not said: $(cat stp5.err)"
mkdir fresh && touch fresh/STOP
"$G" edge.lua --out=fresh >fresh.out 2>fresh.err && [ -f fresh/COMPLETE ] && [ ! -e fresh/STOP ] \
  || fail "a fresh run with a stale STOP: $(cat fresh.err)"
EDGE_MODE=stoplink "$G" edge.lua --out=slink >slink.out 2>slink.err
rc=$?
[ "$rc" -eq 75 ] && grep -q "slink/STOP was found" slink.err \
  || fail "a dangling STOP link: exit $rc, expected 75: $(cat slink.err)"
"$G" edge.lua --out=slink >slink2.out 2>slink2.err && [ -f slink/COMPLETE ] \
  && [ ! -L slink/STOP ] || fail "after a dangling STOP link: $(ls -l slink) $(cat slink2.err)"
# A checkpoint no run can resume (both generations unreadable) is refused, and the
# refusal says that --force discards it; --force then starts the run over.
EDGE_MODE=stoplink "$G" edge.lua --out=junk >/dev/null 2>&1
echo junk >junk/checkpoint.gvckpt && rm -f junk/checkpoint.gvckpt.prev
"$G" edge.lua --out=junk >junk.out 2>junk.err
rc=$?
[ "$rc" -ne 0 ] && grep -q "^(--force discards the checkpoint and starts the run over in this directory.)$" junk.err \
  || fail "an unreadable checkpoint: exit $rc: $(cat junk.err)"
"$G" edge.lua --out=junk --force >junk2.out 2>junk2.err && [ -f junk/COMPLETE ] \
  || fail "--force over an unreadable checkpoint: $(cat junk2.err)"

# Lost replicas, with the shipped protocol (needs MNIST).
if "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  # (lambda 0: with L2, lr*lambda >= 1 is refused before the run)
  "$G" ageing --preset=smoke --plots=false --quiet --lr=1e5 --lambda=0 --out=lost >lost.out 2>lost.err
  rc=$?
  [ "$rc" -eq 1 ] || fail "all replicas lost: exit $rc: $(cat lost.err)"
  grep -q "stack traceback" lost.err && fail "all replicas lost: a traceback: $(cat lost.err)"
  grep -q "all 2 replicas are lost (replica 1 at step" lost.err || fail "all lost: $(cat lost.err)"
  # (no position of the library's line that ran the ensemble: glass/protocol.lua:65)
  grep -q "^glassvm: ensemble run: all 2" lost.err || fail "all lost: a library position: $(cat lost.err)"
  grep -q "lower lr or T" lost.err || fail "all lost: no advice: $(cat lost.err)"
  # ... and which segment (a sweep's point: its T, its lr) it was in.
  grep -q "start from other weights (in segment 1 of the run, quench: SGD 1 epoch)$" lost.err \
    || fail "all lost: the segment is not named: $(cat lost.err)"
  "$G" ageing --preset=smoke --plots=false --quiet --replicas=6 --T=1e6 --out=some >/dev/null 2>&1 \
    || fail "some replicas lost: the run failed"
  grep -q "replicas lost (non-finite loss or weights) (replica [0-9]* at step [0-9]*: " some/log.txt \
    || fail "some replicas lost: the log does not name them: $(grep lost some/log.txt)"
  # ... and its last lines say so again, with how many in which phase.
  tail -3 some/log.txt | grep -q "note: replicas were lost ([0-9]* of 6 in Langevin T=1e+06): every mean after a loss is over the replicas left" \
    || fail "some replicas lost: not said at the end: $(tail -3 some/log.txt)"
  # A stand-in gnuplot in DIR: for each .gp script it runs the shell lines on stdin
  # (with $a the script, so ${a%.gp}.png.tmp its PNG), then answers as gnuplot does.
  fake_gnuplot() {
    mkdir -p "$1"
    { echo '#!/bin/sh'; echo 'for a; do case $a in *.gp)'; cat; echo ';; esac; done'
      echo 'cat >/dev/null'; echo 'echo pngcairo'; } >"$1/gnuplot"
    chmod +x "$1/gnuplot"
  }
  # Figures gnuplot leaves empty (a full disk; it exits 0) or cut short (a file size limit,
  # a disk full mid-write: a PNG without its IEND chunk, an SVG without its closing tag)
  # are not reported drawn nor kept, and the log says so.
  fake_gnuplot emptybin <<'EOF'
  : >"${a%.gp}.png.tmp"; : >"${a%.gp}.svg.tmp"
EOF
  fake_gnuplot cutbin <<'EOF'
  printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"${a%.gp}.png.tmp"
  printf '<?xml version="1.0"?>\n<svg width="600"><path d="M 1 2' >"${a%.gp}.svg.tmp"
EOF
  for kind in empty cut; do
    PATH="$PWD/${kind}bin:$PATH" "$G" ageing --preset=smoke --quiet --out=$kind >/dev/null 2>$kind.err \
      || fail "$kind plots: the run failed: $(cat $kind.err)"
    grep -q "plot overlap: gnuplot left overlap.png and overlap.svg empty, cut short or missing" $kind/log.txt \
      || fail "$kind plots: not said: $(grep plot $kind/log.txt)"
    # ... also on stderr under --quiet (the run exits 0), with how to draw it later
    grep -q "^glassvm: plot overlap: .*; the results (the CSVs) are complete: once the cause is gone, cd $kind && gnuplot overlap.gp draws it$" $kind.err \
      || fail "$kind plots: not on stderr with the way to redraw: $(cat $kind.err)"
    grep -q "^\[.*\] plots: " $kind/log.txt && fail "$kind plots reported drawn: $(grep plots: $kind/log.txt)"
    ls $kind/*.png >/dev/null 2>&1 && fail "$kind plots: a PNG was kept: $(ls $kind)"
  done
  # A signal while gnuplot draws: its temporary files do not stay in the directory.
  fake_gnuplot sigbin <<'EOF'
  : >"${a%.gp}.png.tmp"; : >"${a%.gp}.svg.tmp"
  kill -TERM "$(ps -o ppid= -p $PPID | tr -d ' ')"; sleep 0.2
EOF
  PATH="$PWD/sigbin:$PATH" "$G" ageing --preset=smoke --quiet --out=sigplot >/dev/null 2>sigplot.err
  rc=$?
  [ "$rc" -eq 143 ] || fail "signal in gnuplot: exit $rc: $(cat sigplot.err)"
  ls sigplot | grep -q "\.tmp$" && fail "signal in gnuplot: left $(ls sigplot | grep tmp)"
else
  echo "lost-replica and plot checks skipped: MNIST is not available"
fi

# COMPLETE cannot be written (here a directory in the way of its temporary file;
# a full disk gives the same): one line, no traceback, no "done", run.json "failed",
# the resume command; once the cause is gone the same command completes the run.
# (--force: a folder holding files and no run is refused without it.)
mkdir -p cpl/COMPLETE.tmp/x
"$G" edge.lua --out=cpl --force >cpl.out 2>cpl.err
rc=$?
[ "$rc" -eq 1 ] || fail "COMPLETE unwritable: exit $rc: $(cat cpl.err)"
grep -q "^glassvm: cannot write cpl/COMPLETE: " cpl.err || fail "COMPLETE unwritable: $(cat cpl.err)"
grep -q "stack traceback" cpl.err && fail "COMPLETE unwritable: a traceback: $(cat cpl.err)"
grep -q "done in" cpl.err cpl/log.txt && fail "COMPLETE unwritable, yet 'done' was said"
[ "$(json cpl/run.json status)" = failed ] || fail "COMPLETE unwritable: run.json $(json cpl/run.json status)"
grep -q "to resume, run the same command again" cpl.err || fail "COMPLETE unwritable: no resume: $(cat cpl.err)"
rm -r cpl/COMPLETE.tmp
"$G" edge.lua --out=cpl >cpl2.out 2>cpl2.err && [ -f cpl/COMPLETE ] || fail "after COMPLETE: $(cat cpl2.err)"

# A script's pcall around an engine call that a signal stops catches the stop: the
# signal reaches Lua once, as that call's error, not again at the next instruction
# (which would end the script outside its pcall, before its clean-up).
cat >catch.lua <<'EOF'
local pid = io.open("/proc/self/stat"):read("l"):match("^%d+")
local ens = glass.ensemble{landscape = glass.landscape.flat{N = 100000, P = 10}, replicas = 1,
                           seed = 1}
os.execute("(sleep 0.3; kill -TERM " .. pid .. ") &")
local ok, err = pcall(function()
  ens:run{integrator = glass.langevin{lr = 1e-2, T = 1}, steps = 1000000000}
end)
local cleaned = 0
for i = 1, 1000 do cleaned = cleaned + i end   -- Lua code after the catch runs
print("caught", ok, glass.interrupted(err), cleaned)
-- The engine's flag is still set: glass.interruption reads it behind another error.
local other = glass.interruption("fit failed")
print("pending", glass.interruption(err) == err, other.status, other.signal, tostring(other))
EOF
"$G" catch.lua >catch.out 2>catch.err
rc=$?
[ "$rc" -eq 0 ] && grep -q "^caught	false	true	500500$" catch.out \
  && grep -q "^pending	true	EINTR	SIGTERM	interrupted (SIGTERM), seen as: fit failed$" catch.out \
  || fail "a pcall around a stopped engine call: exit $rc: $(cat catch.out catch.err)"
# A second signal before the first was acted on (here both while os.execute waits, where
# Lua cannot act) ends glassvm at once, by the signal: it says so, since nothing else will.
cat >twice.lua <<'EOF'
local pid = io.open("/proc/self/stat"):read("l"):match("^%d+")
os.execute("(sleep 0.3; kill -TERM " .. pid .. "; sleep 0.2; kill -TERM " .. pid .. ") >/dev/null 2>&1 &")
os.execute("sleep 5")
print("not reached")
EOF
signalled "$G" twice.lua >twice.out 2>twice.err
rc=$?
[ "$rc" -eq 215 ] && grep -q "^glassvm: a second signal before the first was acted on: ending now, without a checkpoint$" twice.err \
  && ! grep -q "not reached" twice.out || fail "two signals: exit $rc: $(cat twice.out twice.err)"
# Without a signal, glass.interruption finds none.
[ "$("$G" -e 'print(glass.interruption("x"), glass.interruption())')" = "nil	nil" ] \
  || fail "glass.interruption without a signal: $("$G" -e 'print(glass.interruption("x"))' 2>&1)"
# The same with the engine call inside a coroutine: the signal's hook was set on
# the main thread, and the call's error must clear it there too.
sed -e 's/^local ok, err = pcall(function()$/local ok, err = coroutine.wrap(function() return pcall(function()/' \
    -e 's/^end)$/end) end)()/' catch.lua >catch_co.lua
grep -q "coroutine.wrap" catch_co.lua || fail "catch_co.lua was not made"
"$G" catch_co.lua >catch_co.out 2>catch_co.err
rc=$?
[ "$rc" -eq 0 ] && grep -q "^caught	false	true	500500$" catch_co.out \
  || fail "a pcall in a coroutine around a stopped engine call: exit $rc: $(cat catch_co.out catch_co.err)"

[ "$fails" -eq 0 ] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
