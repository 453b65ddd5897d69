#!/usr/bin/env bash
# test_moved_runs.sh: results that move and runs that start from a saved
# ensemble (issue 17).
#  - A run folder moved (mv) or copied (cp -r) elsewhere re-runs with
#    `glassvm FOLDER/params.lua` from any directory, with the same results;
#    when the recorded protocol file is gone it is found by name among
#    glassvm's protocols; when it cannot be found at all, one line says what
#    was looked for and how to go on (status 2, no traceback).
#  - --from=FILE starts a protocol from an ensemble file instead of its
#    quench: an ensemble saved right after the same quench gives the same
#    numbers, bit for bit, as the run that quenched itself (the noise is a
#    pure function of seed, replica and step, and the state at the step the
#    quench ends is the same).
#   bash tests/sh/test_moved_runs.sh /path/to/glassvm
set -u
G=${1:?usage: test_moved_runs.sh /path/to/glassvm}
G=$(cd "$(dirname "$G")" && pwd)/$(basename "$G")
ROOT=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
A=$ROOT/protocols/ageing.lua
if ! "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  echo "SKIP: MNIST is not available (bash data/fetch.sh)"; exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() { "$G" "$@" --quiet --plots=false </dev/null; }
# The data rows of a CSV (the comment lines name the parameters, --from included).
rows() { grep -v '^#' "$1"; }

run "$A" --preset=smoke --out=orig >/dev/null 2>"$T/err" || fail "smoke run: $(cat "$T/err")"

# Moved, then run from another directory: same results.
mkdir -p far/away elsewhere
mv orig far/away/moved
(cd elsewhere && run ../far/away/moved/params.lua --out=../rerun-mv >/dev/null 2>"$T/err") \
  || fail "re-running a moved params.lua: $(cat "$T/err")"
cmp -s far/away/moved/tau.csv rerun-mv/tau.csv || fail "the moved params.lua gave another tau.csv"

# Copied, the protocol's recorded file gone (another machine): found by name.
cp -r far/away/moved copy
sed -i 's#^  protocol_file = .*#  protocol_file = "/nonexistent/protocols/ageing.lua",#' copy/params.lua
(cd elsewhere && run ../copy/params.lua --out=../rerun-cp >/dev/null 2>"$T/err") \
  || fail "re-running a copied params.lua whose protocol file is gone: $(cat "$T/err")"
cmp -s copy/tau.csv rerun-cp/tau.csv || fail "the copied params.lua gave another tau.csv"
grep -q "/nonexistent/protocols/ageing.lua is not there; running .*ageing.lua" "$T/err" \
  || fail "no word that the protocol was found by name: $(cat "$T/err")"

# A params.lua written before protocol_file (the path in protocol) still re-runs.
sed -e 's#^  protocol = .*#  protocol = "/old/place/protocols/ageing.lua",#' -e '/^  protocol_file/d' \
  copy/params.lua >old-params.lua
run old-params.lua --out=rerun-old >/dev/null 2>"$T/err" \
  || fail "re-running an old-style params.lua: $(cat "$T/err")"
cmp -s copy/tau.csv rerun-old/tau.csv || fail "the old-style params.lua gave another tau.csv"

# A hand-written params.lua that returns the call (a tail call, which leaves no frame for
# the file) re-runs too, and a misspelt name in it is refused, not silently ignored.
sed -e 's#^local params = glass.protocol_params#return glass.protocol_params#' -e '/^return params$/d' \
  copy/params.lua >tail-params.lua
grep -q '^return glass.protocol_params' tail-params.lua || fail "tail-params.lua not made"
run tail-params.lua --out=rerun-tail >/dev/null 2>"$T/err" \
  || fail "re-running a params.lua that returns the call: $(cat "$T/err")"
cmp -s copy/tau.csv rerun-tail/tau.csv || fail "the params.lua that returns the call gave another tau.csv"
# Such a file that is more than values (a call to tonumber) is read as --params reads
# every params.lua, and refused, not silently skipped.
printf 'return glass.protocol_params{protocol = "ageing", T = tonumber("1e-3")}\n' >code-params.lua
run code-params.lua --out=code >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "code-params.lua failed: .*tonumber" "$T/err" \
  || fail "a params.lua that returns the call and runs code: $(cat "$T/err")"
# Read from standard input it is no params.lua (nothing to re-read as --params): the call
# returns its table, as in -e code or the REPL.
printf 'return glass.protocol_params{protocol = "ageing", T = 1e-6}\n' | "$G" - >/dev/null 2>"$T/err" \
  || fail "protocol_params on standard input: $(cat "$T/err")"
printf 'return glass.protocol_params{protocol = "ageing", Tx = 1}\n' >typo-params.lua
run typo-params.lua --out=typo >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "unknown parameter Tx for protocol ageing (did you mean T?)" "$T/err" \
  || fail "a misspelt name in a params.lua that returns the call: $(cat "$T/err")"

# A protocol that cannot be found: one line, status 2, nothing run.
refused_protocol() { # name, the line expected (a grep pattern)
  sed -i "s#^  protocol = .*#  protocol = \"$1\",#" copy/params.lua
  run copy/params.lua --out=lost >/dev/null 2>"$T/err"
  local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || [ -e lost ] || ! grep -q "$2" "$T/err"; then
    fail "protocol $1: status $rc, $(cat "$T/err")"
  fi
}
refused_protocol no_such_protocol "^Error: copy/params.lua: cannot find the protocol no_such_protocol (looked for /nonexistent/protocols/ageing.lua, copy/ageing.lua, .*/no_such_protocol.lua); give its file: glassvm PROTOCOL.lua --params=copy/params.lua$"
# ... misspelt: the nearest protocol's name.
refused_protocol agein "^Error: copy/params.lua: cannot find the protocol agein (did you mean ageing?) (looked for "

# --from: an ensemble saved after the smoke preset's quench (width 8, P 500,
# 1 epoch of SGD at batch 100: 5 steps) replaces the quench, same numbers.
cat >save.lua <<'LUA'
local lab = glass.lab
local p = {dataset = "mnist", P = 500, width = 8, depth = 6, replicas = 2, seed = 1, lr = 0.01,
           batch = 100, lambda = 0.01, quench_epochs = 1}
local data = lab.data(p)
local ens = lab.ensemble(p, data)
lab.quench(nil, ens, p, data)
ens:save(arg[1])
LUA
"$G" save.lua quenched.gvens || fail "cannot save the quenched ensemble"
run "$A" --preset=smoke --from=quenched.gvens --out=from >/dev/null 2>"$T/err" \
  || fail "--from: $(cat "$T/err")"
for f in overlap.csv tau.csv; do
  cmp -s <(rows far/away/moved/$f) <(rows from/$f) || fail "--from gave another $f"
done
grep -q "quench skipped: started from $T/quenched.gvens at step 5" from/log.txt \
  || fail "the log does not say the quench was skipped: $(cat from/log.txt)"
grep -q "^  from = \"$T/quenched.gvens\"," from/params.lua || fail "params.lua lacks from"
grep -q "from=" far/away/moved/tau.csv && fail "a run without --from names from= in its CSV"
# ... and its params.lua re-runs it from elsewhere (the path is kept absolute).
(cd elsewhere && run ../from/params.lua --out=../from-again >/dev/null 2>"$T/err") \
  || fail "re-running a --from params.lua: $(cat "$T/err")"
cmp -s from/tau.csv from-again/tau.csv || fail "re-running a --from params.lua gave another tau.csv"

echo "moved runs and --from: $failures failures"
[ $failures -eq 0 ]
