#!/usr/bin/env bash
# test_habits.sh: the habits of glassvm's users work.
# - Shell sweeps: no child process of glassvm (gnuplot) reads glassvm's
#   standard input, so `... | while read T; do glassvm ...; done` runs every
#   iteration, and `glassvm -i script` still reads the REPL's lines.
# - Protocols by name: `glassvm ageing` runs protocols/ageing.lua; a name
#   that is neither a file nor a protocol gets one line listing them.
# - run.json: status complete / failed / interrupted, every parameter with
#   its type, a user's own protocol gets it too.
# - Output that agrees with itself: the tau.csv comment names the method
#   used; the ttt_scan key and the phase-diagram colour bar.
#   bash tests/sh/test_habits.sh /path/to/glassvm
set -u
G=${1:?usage: test_habits.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
TMP=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# shellcheck source=tests/sh/wait_exit.sh
source "$SRC/tests/sh/wait_exit.sh"
# interrupt PID: SIGINT to a glassvm that has started (its output said so:
# before exec, the shell's child would run this script's EXIT trap), then up
# to 30 s for it to end; sets $rc.
interrupt() {
  kill -INT "$1"
  wait_exit "$1" 30
}
# json FILE KEY: the value of a top-level "KEY": "value" line of a run.json.
json() { sed -n "s/^  \"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1"; }

# --- shell sweeps ------------------------------------------------------------
# A gnuplot that eats its standard input (as the real one does when it is a
# pipe) and draws nothing: whatever glassvm gives its children as stdin, this
# one uses up.  It answers `gnuplot -e 'set terminal'` like the real one.
mkdir -p fakebin
cat >fakebin/gnuplot <<'EOF'
#!/bin/sh
cat >/dev/null
echo "pngcairo"
EOF
chmod +x fakebin/gnuplot
export PATH="$TMP/fakebin:$PATH"

n=0
printf '1e-3\n1e-4\n1e-5\n' | while read -r T; do
  "$G" "$SRC/protocols/ageing.lua" --preset=smoke --T="$T" --out="s_$T" --quiet >/dev/null 2>&1
  echo "$T" >>iterations
done
[ "$(cat iterations 2>/dev/null | tr '\n' ' ')" = "1e-3 1e-4 1e-5 " ] \
  || fail "the shell loop ran these iterations only: $(cat iterations 2>/dev/null | tr '\n' ' ')"
for T in 1e-3 1e-4 1e-5; do
  [ -f "s_$T/COMPLETE" ] || fail "shell loop: the run T=$T did not complete"
  n=$((n + 1))
done
# The REPL after -i reads the lines the script (and gnuplot) left.
out=$(printf 'print(6 * 7)\nprint("second line")\n' \
  | timeout 120 "$G" -i "$SRC/protocols/ageing.lua" --preset=smoke --out=repl --quiet 2>"$TMP/err")
[ "$out" = "42
second line" ] || fail "glassvm -i protocol: REPL printed '$out' (stderr: $(tail -3 "$TMP/err"))"
export PATH="${PATH#"$TMP/fakebin:"}"

# --- protocols by name ------------------------------------------------------
"$G" ageing --preset=smoke --quiet --out=byname >/dev/null 2>"$TMP/err" \
  || fail "glassvm ageing: $(tail -3 "$TMP/err")"
[ -f byname/COMPLETE ] || fail "glassvm ageing did not complete"
[ "$(json byname/run.json protocol_file)" = "$(cd "$SRC/protocols" && pwd -P)/ageing.lua" ] \
  || fail "glassvm ageing ran $(json byname/run.json protocol_file)"
"$G" ageing --help >"$TMP/out" 2>&1 || fail "glassvm ageing --help failed"
grep -q -- "--tau_method" "$TMP/out" || fail "glassvm ageing --help: $(head -3 "$TMP/out")"
"$G" agieng --T=1 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || fail "unknown protocol name: exit status $rc, expected 1"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "unknown protocol name: not one line: $(cat "$TMP/err")"
for w in "'agieng' is neither a file nor a protocol" ageing quench_anneal ttt_scan; do
  grep -qF -- "$w" "$TMP/err" || fail "unknown protocol name: '$w' not in: $(cat "$TMP/err")"
done
# A file of that name wins; a path or a .lua name stays a file name.
echo 'print("the local file")' >ageing
[ "$("$G" ageing 2>&1)" = "the local file" ] || fail "a file named ageing in the directory was not run"
rm ageing
mkdir ageing   # a directory of that name (a run's --out, say) does not hide the protocol
"$G" ageing --help >"$TMP/out" 2>&1 || fail "glassvm ageing with a directory ageing/ here: $(head -3 "$TMP/out")"
rmdir ageing
"$G" ageing.lua >/dev/null 2>"$TMP/err" && fail "glassvm ageing.lua (no such file) succeeded"
grep -q "cannot open ageing.lua" "$TMP/err" || fail "glassvm ageing.lua: $(cat "$TMP/err")"

# --- run.json -----------------------------------------------------------------
cat >mine.lua <<'EOF'
local P = glass.params{name = "mine", description = "a user's protocol",
  {"x", 1.5, "a number"}, {"names", {"a", "b"}, "some strings"}, {"n", 3, "a count"},
  {"mode", "ok", "ok, fail or spin", choices = {"ok", "fail", "spin"}}}
local p = P:parse(arg)
local run = glass.run(p)
local t = run:table{"i", "y"}
t:add_row{i = 1, y = p.x}
run:write_csv("data", t, {"i: index; y: the value of --x"})
run:write_text("note.txt", "a note\n", "a note for the test")
if p.mode == "fail" then error("deliberate failure") end
if p.mode == "spin" then io.open("spinning", "w"):close(); while true do end end
run:finish()
EOF
"$G" mine.lua --quiet --out=m_ok >/dev/null 2>&1 || fail "mine.lua failed"
[ "$(json m_ok/run.json status)" = complete ] || fail "mine.lua: status $(json m_ok/run.json status)"
[ "$(json m_ok/run.json protocol)" = mine ] || fail "mine.lua: protocol $(json m_ok/run.json protocol)"
for want in '"type": "number",' '"value": 1.5' '"type": "strings",' '"value": ["a", "b"]' \
    '"type": "integer",' '"value": 3' '"holds": "i: index; y: the value of --x",' \
    '"columns": ["i", "y"],' '"holds": "a note for the test",' '"name": "note.txt"' \
    '"name": "COMPLETE"' '"end_time": "20'; do
  grep -qF -- "$want" m_ok/run.json || fail "mine.lua: run.json lacks $want"
done
if command -v python3 >/dev/null; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["seed"] == 1 and d["mpi_ranks"] == 1' \
    m_ok/run.json 2>"$TMP/err" || fail "run.json does not parse as JSON: $(cat "$TMP/err")"
fi
"$G" mine.lua --quiet --out=m_fail --mode=fail >/dev/null 2>&1 && fail "mine.lua --mode=fail succeeded"
[ "$(json m_fail/run.json status)" = failed ] || fail "a failed run: status $(json m_fail/run.json status)"
"$G" mine.lua --quiet --out=m_int --mode=spin >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 200); do [ -f spinning ] && break; sleep 0.05; done
if [ -f spinning ]; then
  [ "$(json m_int/run.json status)" = running ] || fail "a running run: status $(json m_int/run.json status)"
  interrupt "$pid"
  [ "$(json m_int/run.json status)" = interrupted ] || fail "an interrupted run: status $(json m_int/run.json status)"
else
  fail "mine.lua --mode=spin did not start in 10 s"
fi

# A protocol stopped by SIGINT (inside a segment or between them) is interrupted.
"$G" ageing --preset=smoke --tmax=100000000 --quiet --out=a_int >/dev/null 2>a_int.err &
pid=$!
pids+=("$pid")
for _ in $(seq 400); do grep -q "Langevin" a_int/log.txt 2>/dev/null && break; sleep 0.05; done
if grep -q "Langevin" a_int/log.txt 2>/dev/null; then
  interrupt "$pid"
  [ "$rc" -eq 130 ] || fail "ageing after SIGINT: exit status $rc, expected 130"
  [ "$(json a_int/run.json status)" = interrupted ] || fail "an interrupted protocol: status $(json a_int/run.json status)"
  grep -q "to resume, run the same command again" a_int.err || fail "no resume line: $(cat a_int.err)"
  grep -q "nothing to resume" a_int.err && fail "a stop with a checkpoint also said 'nothing to resume': $(cat a_int.err)"
else
  fail "ageing did not reach its Langevin segment in 20 s"
fi
# ... and while it loads the data (all 60000 rows: about a second), before any
# checkpoint: 130 as well, no traceback, and a line that says there is nothing
# to resume (or, if the load was quicker than the signal, the usual stop).
"$G" ageing --preset=smoke --P=0 --quiet --out=a_load >/dev/null 2>a_load.err &
pid=$!
pids+=("$pid")
for _ in $(seq 400); do grep -q "parameters" a_load/log.txt 2>/dev/null && break; sleep 0.01; done
interrupt "$pid"
[ "$rc" -eq 130 ] || fail "ageing after SIGINT while loading: exit status $rc, expected 130: $(cat a_load.err)"
grep -q "stack traceback" a_load.err && fail "SIGINT while loading printed a traceback: $(cat a_load.err)"
grep -q "stopped before its first checkpoint: nothing to resume\|stopped at step" a_load.err \
  || fail "SIGINT while loading: $(cat a_load.err)"

# --- output that agrees with itself ----------------------------------------
"$G" ageing --preset=smoke --quiet --out=first --tau_method=first >/dev/null 2>&1
grep -q '^# tau90, tau_e: the first measured lag with Q below 0.9' first/tau.csv \
  || fail "tau.csv (method first): $(grep '^# tau90' first/tau.csv)"
grep -q '^# tau90, tau_e: the lag where Q crosses 0.9 and 1/e, interpolated' byname/tau.csv \
  || fail "tau.csv (method interp): $(grep '^# tau90' byname/tau.csv)"
"$G" ttt_scan --preset=smoke --quiet --out=ttt >/dev/null 2>&1
grep -q '^set key outside' ttt/loss_vs_lambda.gp || fail "ttt_scan: the key may cover the loss = 1/2 line: $(grep '^set key' ttt/loss_vs_lambda.gp)"
"$G" phase_diagram --preset=smoke --quiet --out=pd >/dev/null 2>&1
grep -q "^if (floor(log10(GPVAL_CB_MAX)) - ceil(log10(GPVAL_CB_MIN)) < 1) { unset logscale cb" pd/phase_diagram.gp \
  || fail "phase_diagram: a colour bar over less than a decade gets no numbers"
if command -v gnuplot >/dev/null; then
  [ -s pd/phase_diagram.png ] && [ ! -s pd/gnuplot.log ] \
    || fail "phase_diagram: not drawn cleanly: $(cat pd/gnuplot.log 2>/dev/null)"
fi

if [ "$fails" -ne 0 ]; then echo "test_habits.sh: $fails failure(s)"; exit 1; fi
echo "test_habits.sh: all passed"
