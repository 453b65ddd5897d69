#!/usr/bin/env bash
# test_bad_params.sh: nonsense on a protocol's command line (issue 7, "Faults
# and bad input").  Each case must exit with status 2 within seconds, before
# any data is loaded, with an "Error:" line naming the parameter, and without
# a Lua stack traceback.  Usage: bash test_bad_params.sh /path/to/glassvm
set -u
G=${1:?usage: test_bad_params.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
ROOT=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$ROOT/protocols/ageing.lua
if [ ! -f "$P" ]; then echo "SKIP: $P not found"; exit 77; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
failures=0 cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# refusal LIMIT NEEDLE ARGS...: run the protocol $P with ARGS (at most LIMIT
# seconds) and set $why to the first way it was not a clean refusal naming
# NEEDLE, or to "" if it was one: exit status 2, an "Error:" line naming
# NEEDLE, no Lua traceback, no output directory created.
refusal() {
  local limit=$1 needle=$2; shift 2
  timeout "$limit" "$G" "$P" "$@" --out="$T/out" --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$? err
  err=$(cat "$T/stderr")
  why=""
  if [ $rc -ne 2 ]; then
    why="exit status $rc, expected 2 (stderr: $(tail -3 "$T/stderr"))"
  elif ! grep -q "^Error: " <<<"$err"; then
    why="no 'Error:' line in: $err"
  elif ! grep -qF -- "$needle" <<<"$(grep '^Error: ' <<<"$err")"; then
    why="the error does not name '$needle': $err"
  elif grep -q "stack traceback" <<<"$err"; then
    why="Lua traceback in: $err"
  elif [ -e "$T/out" ]; then
    why="created the output directory before refusing"
  fi
  rm -rf "$T/out"
}

# bad NEEDLE ARGS...: the run is refused at once, naming NEEDLE.
bad() {
  local needle=$1; shift
  cases=$((cases + 1))
  refusal 20 "$needle" "$@"
  [ -z "$why" ] || fail "$*: $why"
}

bad --T --T=-1
bad --T --T=abc
bad --T --T=nan
bad --T --T=inf
bad --T --T=1e400
bad "too small for a double" --T=1e-400
bad "'T=1e-5': options start with --: give --T=1e-5" T=1e-5           # the dashes forgotten
bad "'T=1e-5': options start with --: give --T=1e-5" --quiet T=1e-5   # ... after a boolean
bad "unexpected argument 'extra': options start with --" --T 1e-4 extra   # a stray word
bad "unexpected argument '20'" --tw=5, 20                        # a list the shell split
bad "'--T -1e-4': a value that starts with '-' goes after '=': give --T=-1e-4" --T -1e-4
bad "every word after '--' is an argument, and protocols take none" -- --T=1e-4
P=$ROOT/protocols/quench_anneal.lua bad "separate the items of a list with commas" \
  --preset=smoke --T="1e-3 1e-4"
bad --tw --tw=300,100
bad --tw --tw=100,100
P=$ROOT/protocols/ttsp.lua bad "time-temperature superposition compares" --T=1e-3,0
P=$ROOT/protocols/quench_anneal.lua bad "repeats item 1" --T=1e-3,1e-3
bad --T --T=
P=$ROOT/protocols/quench_anneal.lua bad "--T: item 2 is empty" --preset=smoke --T=1e-3,,1e-4
P=$ROOT/protocols/quench_anneal.lua bad "--T: item 1 is empty" --preset=smoke --T=,
bad "--tw: item 3 is empty" --preset=smoke --tw=5,20,
bad --replicas --replicas=0
bad --replicas --replicas=-3
bad --replicas --replicas=1.5
bad --replicas --replicas=two
bad "--replicas: too large for an integer" --replicas=1e30
bad --bogus --bogus=1
bad --Temperature --Temperature=1
bad --tw --tw=abc
bad --tw --tw=100,abc
bad --tw --tw=-100
bad --width --width=0
bad --depth --depth=-1
bad --batch --batch=0
bad --batch --batch=2.5
bad --lr --lr=nan
bad --lr --lr=-0.1
bad --lambda --lambda=-1
bad --P --P=-5
bad --tmax --tmax=0
bad --per_decade --per_decade=0
bad --tau_method --tau_method=foo
bad --preset --preset=nope
bad --seed --seed=-1
bad --seed --seed=0.5
bad --threads --threads=-1
bad --params --params=/nonexistent/params.lua
bad "is a binary file, not a parameters file: give a params.lua" --params="$G"   # (any binary file)

bad --lr --lr=0                         # rates are > 0, not >= 0
bad --chi --chi=0                       # eps = sigma/chi needs chi > 0
bad --batch --batch=1000 --P=100        # batch > P would quench for 0 steps
bad --plots --plots=maybe               # booleans are true or false

# An option given twice: refused, not the last one silently counting.  (The
# helper gives --quiet and --out itself.)
bad "--T is given 2 times (--T=1e-3 --T=1e-4): give it once" --preset=smoke --T=1e-3 --T=1e-4
bad "--tw is given 2 times (--tw=5 --tw=20): give it once; for several values give one list, --tw=5,20" \
  --tw=5 --tw 20
bad "--drift_check is given 2 times" --drift-check --drift_check=false
bad "--quiet is given 2 times" --quiet
bad "--out is given 2 times" --out="$T/other"

# Empty values are refused, not read as the default (issue 17).
bad --preset --preset=
bad --params --params=
bad --from --from=

# The engine's limits (glass.limits), checked before any data loads.
bad --depth --depth=64                  # 63 hidden layers at most
bad --width --width=2000000             # 2^20 units per layer at most
bad --width --width=100000 --replicas=50  # 40 TB of weights: beyond this machine's memory
bad --tmax --tmax=281474976710656       # steps stop at 2^48 - 1
bad --tmax --tw=1000 --tmax=281474976710000  # the sum of the phases does too
bad --quench_epochs --quench_epochs=100000000000000
bad --per_decade --per_decade=20000     # log schedules take 10^4 per decade at most
bad --threads --threads=5000
bad --P --P=70000                       # MNIST has 60000 training rows
P=$ROOT/protocols/heterogeneity.lua bad --bins --bins=1e11
P=$ROOT/protocols/chi_sweep.lua bad --chis --chis=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17

# --from=FILE: the file and the parameters that must agree with it.
cat >"$T/save.lua" <<'EOF'
local land = glass.landscape.flat{N = 408, P = 500}
glass.ensemble{landscape = land, replicas = 2}:save(arg[1])
EOF
"$G" "$T/save.lua" "$T/w8.gvens" || fail "cannot save an ensemble file"
printf 'not an ensemble\n' >"$T/junk.gvens"
bad --from --from=/nonexistent/ensemble.gvens
bad "not a glassvm ensemble" --from="$T/junk.gvens"
bad "N = 408" --preset=smoke --from="$T/w8.gvens" --width=9        # width 8, depth 6: N = 408
bad "holds 2 replicas" --preset=smoke --from="$T/w8.gvens" --replicas=3
bad "holds 2 replicas" --preset=smoke --from=w8.gvens --replicas=3  # relative to the cwd ($T)
P=$ROOT/protocols/uot_scan.lua bad "N = 408" --preset=smoke --from="$T/w8.gvens"
# A network's file names its architecture (file version 3), and so does the message.
cat >"$T/save_net.lua" <<'EOF'
local data = glass.lab.data{dataset = "mnist", P = 500}
local land = glass.landscape.network{net = glass.mlp{d = 10, width = 9, depth = 6}, data = data}
glass.ensemble{landscape = land, replicas = 2}:save(arg[1])
EOF
"$G" "$T/save_net.lua" "$T/w9.gvens" || fail "cannot save a network's ensemble file"
bad "holds 10-9x6-1 networks, but width 8 and depth 6 on 10 inputs give 10-8x6-1: give --width=9 --depth=6" \
  --preset=smoke --from="$T/w9.gvens"
P=$ROOT/protocols/uot_scan.lua bad "give --widths=9 --depth=6" --preset=smoke --from="$T/w9.gvens"
# ... and its data: networks saved on P = 500 rows, a run on 400 (another subset),
# refused once the data are loaded (so after the run's directory exists).
cases=$((cases + 1))
timeout 60 "$G" "$P" --preset=smoke --width=9 --P=400 --from="$T/w9.gvens" --out="$T/other" \
  --quiet >/dev/null 2>"$T/stderr" </dev/null
rc=$?
{ [ $rc -eq 2 ] && grep -q "was saved on other data: MNIST train, P = 500 rows" "$T/stderr" \
  && ! grep -q "stack traceback" "$T/stderr"; } || fail "--from on other data: exit $rc: $(cat "$T/stderr")"
# The same dataset and rows with other values (another machine's PCA rounding):
# said in the log, not refused.  The data CRC (offset 248) changed, the file's
# CRC recomputed.
if command -v python3 >/dev/null; then
  cases=$((cases + 1))
  python3 - "$T/w9.gvens" "$T/w9x.gvens" <<'EOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
b[248:252] = struct.pack("<I", struct.unpack("<I", b[248:252])[0] ^ 1)
b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])))
open(sys.argv[2], "wb").write(b)
EOF
  "$G" "$P" --preset=smoke --width=9 --from="$T/w9x.gvens" --out="$T/other_values" --quiet \
    >/dev/null 2>"$T/stderr" </dev/null || fail "--from with other data values: $(cat "$T/stderr")"
  grep -q "note: --from=$T/w9x.gvens was saved on the same dataset and rows with other values" \
    "$T/other_values/log.txt" || fail "--from with other data values: no note in the log"
fi

# An empty --out (the helper above passes its own --out last).
cases=$((cases + 1))
timeout 20 "$G" "$P" --out= --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
rc=$?
if [ $rc -ne 2 ] || ! grep -q "^Error: --out is empty" "$T/stderr" || [ -e "$T/results" ]; then
  fail "--out=: exit status $rc, $(cat "$T/stderr")"
fi
rm -rf "$T/results"

# A full disk at startup (log.txt on /dev/full): one line, status 2, no run.
# (--force: a folder holding a file and no run is refused without it.)
if [ -w /dev/full ]; then
  cases=$((cases + 1))
  mkdir -p "$T/full" && ln -s /dev/full "$T/full/log.txt"
  timeout 60 "$G" "$P" --preset=smoke --out="$T/full" --force --quiet >"$T/stdout" 2>"$T/stderr" </dev/null
  rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/stderr")" -ne 1 ] \
     || ! grep -q "cannot write .*log.txt: No space left on device" "$T/stderr" \
     || [ -e "$T/full/COMPLETE" ]; then
    fail "disk full at startup: exit status $rc, $(cat "$T/stderr")"
  fi
  rm -rf "$T/full"
fi

# --print-params: the resolved values (a params.lua for --params), nothing run.
cases=$((cases + 1))
if ! "$G" "$P" --preset=smoke --T=1e-4 --print-params >"$T/printed.lua" 2>"$T/stderr"; then
  fail "--print-params: $(cat "$T/stderr")"
elif ! grep -q '^  T = 0.0001,.*\[command line\]$' "$T/printed.lua" \
     || ! grep -q '^  tmax = 20,.*\[preset smoke\]$' "$T/printed.lua" \
     || ! grep -q '^  lr = 0.01,.*[^]]$' "$T/printed.lua"; then
  fail "--print-params does not say the values and where they came from: $(cat "$T/printed.lua")"
elif [ -e "$T/out" ] || [ -e "$T/results" ]; then
  fail "--print-params created an output directory"
else
  # Read back through --params, it resolves to the same values.
  "$G" "$P" --params="$T/printed.lua" --print-params >"$T/again.lua" 2>"$T/stderr" \
    || fail "--params of a --print-params output: $(cat "$T/stderr")"
  diff <(grep -v '^--' "$T/printed.lua" | sed 's/  -- .*//') \
       <(grep -v '^--' "$T/again.lua" | sed 's/  -- .*//') >/dev/null \
    || fail "--print-params output read back with --params gives other values"
  # A misspelt name in it: the nearest, as for an unknown option; a misspelt
  # protocol name: the nearest protocol.
  sed 's/^  T = /  Tx = /' "$T/printed.lua" >"$T/misspelt.lua"
  bad "--params $T/misspelt.lua: unknown parameter Tx for protocol ageing (did you mean T?)" \
    --params="$T/misspelt.lua"
  sed -i 's/^  protocol = "ageing"/  protocol = "agein"/' "$T/misspelt.lua"
  bad "--params $T/misspelt.lua was written by protocol agein (did you mean ageing?), not ageing (unknown parameter Tx for protocol ageing (did you mean T?))" \
    --params="$T/misspelt.lua"
  # A list with a hole (an undefined name) or a key is refused, not cut short at the hole.
  grep -q "^  tw = {" "$T/printed.lua" || fail "printed.lua has no tw = {...} line to edit"
  sed 's/^  tw = {\([^,]*\),/  tw = {\1, undefined_name,/' "$T/printed.lua" >"$T/hole.lua"
  bad "--params $T/hole.lua: --tw: item 2 is nil (an undefined name?)" --params="$T/hole.lua"
  sed 's/^  tw = {/  tw = {foo = 1, /' "$T/printed.lua" >"$T/keyed.lua"
  bad "--params $T/keyed.lua: --tw: not a list: it has the key \"foo\"" --params="$T/keyed.lua"
  # Options no parameters file sets (--out, --threads: they change no result) are left
  # out with a note that says so, not silently.
  sed "s|^  seed = |  out = \"$T/elsewhere\", threads = 1,\n  seed = |" "$T/printed.lua" >"$T/runopts.lua"
  cases=$((cases + 1))
  timeout 60 "$G" "$P" --params="$T/runopts.lua" --out="$T/ro" </dev/null >/dev/null 2>"$T/stderr" \
    || fail "--params with out=: $(tail -3 "$T/stderr")"
  grep -q "note: --params $T/runopts.lua sets out, threads, which a parameters file does not set (they change no result): left out; give them on the command line" "$T/stderr" \
    && [ ! -e "$T/elsewhere" ] || fail "--params with out=, threads=: no note, or written there: $(head -5 "$T/stderr")"
  # Another protocol's params.lua: which protocol wrote it, then what does not fit.
  P=$ROOT/protocols/quench_anneal.lua bad "--params $T/printed.lua was written by protocol ageing, not quench_anneal (unknown parameter drift_check" \
    --params="$T/printed.lua"
  # Run as a script, a params.lua is the parameters: a --params added to it is refused
  # as such (not as "--params is given 2 times").
  out=$("$G" "$T/printed.lua" --params="$T/other.lua" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] && grep -q "is a params.lua: it gives the parameters itself" <<<"$out" \
    || fail "a params.lua run with --params: exit $rc: $out"
fi

# --help shows each preset's values.
cases=$((cases + 1))
help=$("$G" "$P" --help)
grep -q "^  smoke: T=0.0003 tw=5,20 tmax=20" <<<"$help" || fail "--help does not list the smoke preset's values"
grep -q "^  paper: tw=20000,50000" <<<"$help" && grep -q "quench_epochs=7000" <<<"$help" || fail "--help does not list the paper preset's values"
# ... --device's choices and default, and no empty default (--from has none).
cases=$((cases + 1))
grep -q "one of cpu, cuda, ref; default cpu)" <<<"$help" || fail "--help does not list --device's choices"
grep -q "(string, no default)" <<<"$help" && ! grep -q "default )" <<<"$help" \
  || fail "--help shows an empty default: $(grep -A1 -- '--from' <<<"$help")"

# A suggestion only where the name is like one: --temp finds --T by its help
# text; ttt_scan has no --T, and --P is one edit from it: as many as the letters typed.
# The protocols without a temperature say why instead.
cases=$((cases + 1))
refusal 20 "unknown option '--temp'" --temp=1e-4
[ -z "$why" ] || fail "--temp=1e-4: $why"
grep -qF "Did you mean '--T' (Langevin temperature)?" "$T/stderr" \
  || fail "--temp=1e-4 does not suggest --T: $(cat "$T/stderr")"
P=$ROOT/protocols/ttt_scan.lua refusal 20 "unknown option '--T'" --T=1e-4
[ -z "$why" ] || fail "ttt_scan --T=1e-4: $why"
! grep -q "Did you mean" "$T/stderr" || fail "ttt_scan --T=1e-4 suggests: $(cat "$T/stderr")"
grep -qF "ttt_scan has no --T: it trains each network to a minimum at T = 0" "$T/stderr" \
  || fail "ttt_scan --T=1e-4 does not say why: $(cat "$T/stderr")"
for proto in uot_scan phase_diagram msd_batch_sweep; do
  cases=$((cases + 1))
  P=$ROOT/protocols/$proto.lua refusal 20 "unknown option '--T'" --T=1e-4
  [ -z "$why" ] && grep -qF "$proto has no --T: " "$T/stderr" || fail "$proto --T=1e-4: $why $(cat "$T/stderr")"
done
# A boolean negated as other tools spell it: --no-drift-check is --drift_check=false.
cases=$((cases + 1))
refusal 20 "unknown option '--no-drift-check'" --no-drift-check
[ -z "$why" ] || fail "--no-drift-check: $why"
grep -qF "Did you mean '--drift_check=false'?" "$T/stderr" \
  || fail "--no-drift-check does not suggest --drift_check=false: $(cat "$T/stderr")"

# Typos of lists and choices (2026-12-07): each message says what to write instead.
# says PROTO NEEDLE HINT ARGS...: refused naming NEEDLE, and stderr has HINT.
says() {
  local proto=$1 needle=$2 hint=$3; shift 3
  cases=$((cases + 1))
  P=$ROOT/protocols/$proto.lua refusal 20 "$needle" "$@"
  [ -z "$why" ] && grep -qF -- "$hint" "$T/stderr" || fail "$proto $*: $why $(cat "$T/stderr")"
}
says ageing "unexpected argument '300'" "--tw takes a list: separate its items with commas, --tw=100,300" --tw=100 300
says ageing "unexpected argument '300'" "--tw takes a list: separate its items with commas, --tw=100,300" --tw 100 300
says ageing "unexpected argument '1e-5'" "--T takes one value" --T 1e-6 1e-5
says ageing "--T: not a number; it takes one value" "(got \"1e-6,1e-5\")" --T=1e-6,1e-5
says quench_anneal "--T: item 1" "separate the items of a list with commas" "--T=1e-3;1e-4"
says heterogeneity "--ensemble: must be one of" "(did you mean same_basin?)" --ensemble=same-basin
says heterogeneity "--K=3 is the noise replicas per basin of --ensemble=same_basin" "drop --K" --ensemble=independent --K=3
says phase_diagram "unknown option '--inits'" "Did you mean '--replicas' (initial conditions per grid point)?" --inits=3
says ageing "unknown option '--noise'" "ageing has no --noise: it runs one temperature" --noise=common
says quench_anneal "unknown option '--no-drift-check'" "quench_anneal has no --drift_check: its drift check is the T = 0 point of --T" --no-drift-check
# --help's list example is one of the protocol's own lists (ttt_scan refuses --T).
for proto in ttt_scan ageing; do
  cases=$((cases + 1))
  help=$("$G" "$ROOT/protocols/$proto.lua" --help 2>&1)
  grep -q "Lists are comma-separated (--T=" <<<"$help" && fail "$proto --help: a list example with --T"
  case $proto in ttt_scan) ex="(--lambdas=0,0.005)";; ageing) ex="(--tw=100,300)";; esac
  grep -qF "Lists are comma-separated $ex" <<<"$help" || fail "$proto --help: $(grep 'Lists are' <<<"$help")"
done

echo "$cases command-line cases checked, $failures failures"
[ $failures -eq 0 ]
