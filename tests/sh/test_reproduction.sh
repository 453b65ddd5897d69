#!/usr/bin/env bash
# test_reproduction.sh: docs/reproduction.md quotes what its data say.
#  1. docs/reproduction/analyse.lua, run on the committed CSVs of docs/reproduction/,
#     regenerates docs/reproduction/summary.txt exactly;
#  2. every value the report tags with <!-- key --> is, character for character, the
#     text summary.txt's "## quoted" section gives for that key (the tag follows the
#     value: "τ90 ∝ T^(−1.021 ± 0.009<!-- reg.b -->)"), and no tag names a missing key;
#  3. the checker itself catches a changed value (so this test can fail), also under a key
#     with a slash, and refuses a one-word comment it cannot read as a key.
#  4. docs/reproduction/run.sh skips a finished experiment, resumes an unfinished one in its
#     folder, starts over with --fresh, runs paper/* only when named, and runs seed2/* (the
#     seed-2 repeats of the regularised phase) with --seed=2, the N/P = 0.44 experiments
#     with w = 20 on P = 5000 rows, and conv/* (the convergence table's variants, only when
#     named) with the seed-2 options and the variant's one change.
#  5. with --noise=common a temperature's rows do not depend on the other temperatures of
#     the grid (what lets conv/* run only the temperatures they need).
#  6. analyse.lua's convergence table: a variant identical to the baseline changes nothing
#     (z = 0, "within 2σ"), P = 2000 rescales T* into the paper's units (×5000/2000), a folder
#     without COMPLETE prints "running" and a missing one "not run".
#  7. analyse.lua's verdicts for the overparameterised phase at N/P = 0.44 follow from the
#     data (synthetic CSVs: a free weight, and a T = 0 plateau).
#   bash tests/sh/test_reproduction.sh /path/to/glassvm
set -u
G=${1:?usage: test_reproduction.sh /path/to/glassvm}
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. summary.txt is what analyse.lua makes of the CSVs.
if "$G" "$SRC/docs/reproduction/analyse.lua" "$SRC/docs/reproduction" > "$TMP/summary.txt" 2> "$TMP/err"; then
  diff -u "$SRC/docs/reproduction/summary.txt" "$TMP/summary.txt" > "$TMP/diff" \
    || fail "analyse.lua does not regenerate docs/reproduction/summary.txt: $(head -20 "$TMP/diff")"
else
  fail "analyse.lua failed: $(cat "$TMP/err")"
fi

# 2. The tagged values of the report against summary.txt.
cat > "$TMP/check.lua" <<'EOF'
-- check.lua REPORT SUMMARY: one line per disagreement; exit 1 if any, and if no tag at all.
local function slurp(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  return s
end
local report, summary = slurp(arg[1]), slurp(arg[2])
local quoted, in_section = {}, false
for line in (summary .. "\n"):gmatch("([^\n]*)\n") do
  if line:match("^## quoted") then in_section = true
  elseif line:match("^## ") then in_section = false
  elseif in_section then
    local k, v = line:match("^(%S+) = (.*)$")
    if k then quoted[k] = v end
  end
end
local bad, n, lineno, pos = 0, 0, 1, 1
for before, key, at in report:gmatch("()<!%-%- ([%w_%.%-/]+) %-%->()") do
  n = n + 1
  local head = report:sub(1, before - 1)
  local _, nl = head:gsub("\n", "")
  local where = string.format("%s:%d", arg[1]:match("[^/]*/[^/]*$") or arg[1], nl + 1)
  local want = quoted[key]
  if not want then
    print(string.format("%s: tag <!-- %s --> names no key of summary.txt's quoted section", where, key))
    bad = bad + 1
  elseif head:sub(-#want) ~= want then
    print(string.format("%s: <!-- %s --> follows %q, but summary.txt has %q", where, key,
      head:sub(-#want - 8), want))
    bad = bad + 1
  end
end
if n == 0 then print("no <!-- key --> tags in " .. arg[1]); os.exit(1) end
-- A one-word comment the key pattern skips would be a tag nobody checks.
for key in report:gmatch("<!%-%- (%S+) %-%->") do
  if not key:match("^[%w_%.%-/]+$") then
    print(string.format("<!-- %s -->: not a key this checker reads (letters, digits, _ . - /)", key))
    bad = bad + 1
  end
end
print(string.format("%d tagged values checked, %d disagree", n, bad))
os.exit(bad == 0 and 0 or 1)
EOF
out=$("$G" "$TMP/check.lua" "$SRC/docs/reproduction.md" "$SRC/docs/reproduction/summary.txt" 2>&1) \
  || fail "docs/reproduction.md and summary.txt disagree: $out"
echo "$out" | tail -1

# 3. The checker fails on a changed value: a copy of the report with the digit before its
#    first tag changed.
cat > "$TMP/alter.lua" <<'EOF'
local f = assert(io.open(arg[1]))
local s = f:read("a")
f:close()
local at = s:find("%d<!%-%- ")
if not at then os.exit(1) end
local d = tonumber(s:sub(at, at))
io.write(s:sub(1, at - 1), tostring((d + 1) % 10), s:sub(at + 1))
EOF
if ! "$G" "$TMP/alter.lua" "$SRC/docs/reproduction.md" > "$TMP/altered.md"; then
  fail "no tagged value ends in a digit: the negative check cannot run"
elif "$G" "$TMP/check.lua" "$TMP/altered.md" "$SRC/docs/reproduction/summary.txt" > "$TMP/neg" 2>&1; then
  fail "the checker accepted an altered value: $(cat "$TMP/neg")"
fi
#    And on a changed value under a key with a slash (the per-experiment keys), and on a
#    one-word comment it cannot read as a key.
printf '%s\n' "a 1<!-- k --> b 0.0500<!-- qs.x/y.loss -->" > "$TMP/slash.md"
printf '## quoted\nk = 1\nqs.x/y.loss = 0.0501\n' > "$TMP/slash.txt"
if "$G" "$TMP/check.lua" "$TMP/slash.md" "$TMP/slash.txt" > "$TMP/neg2" 2>&1; then
  fail "the checker accepted an altered value under a key with a slash: $(cat "$TMP/neg2")"
fi
printf '%s\n' "a 1<!-- k --> b 2<!-- k+1 -->" > "$TMP/plus.md"
printf '## quoted\nk = 1\n' > "$TMP/plus.txt"
if "$G" "$TMP/check.lua" "$TMP/plus.md" "$TMP/plus.txt" > "$TMP/neg3" 2>&1; then
  fail "the checker accepted a tag it cannot read: $(cat "$TMP/neg3")"
fi

# 4. run.sh: a finished experiment is skipped, an unfinished one resumed (the same --out),
#    --fresh starts over, paper/* runs only when named. A stand-in glassvm records its
#    calls and finishes a run by writing COMPLETE.
cat > "$TMP/fake" <<'EOF'
#!/bin/sh
echo "$*" >> "$CALLS"
out=
while [ $# -gt 0 ]; do [ "$1" = "--out" ] && out=$2; shift; done
[ -n "$out" ] && mkdir -p "$out" && touch "$out/COMPLETE"
exit 0
EOF
chmod +x "$TMP/fake"
rs() { CALLS="$TMP/calls" GLASSVM="$TMP/fake" OUT="$TMP/out" NICE=0 sh "$SRC/docs/reproduction/run.sh" "$@" > "$TMP/rs.out" 2>&1; }
: > "$TMP/calls"; rs ttsp
grep -q "ttsp.lua .*--out $TMP/out/ttsp " "$TMP/calls" || fail "run.sh ttsp did not run ttsp: $(cat "$TMP/calls")"
: > "$TMP/calls"; rs ttsp
grep -q "ttsp.lua" "$TMP/calls" && fail "run.sh ran ttsp again although it is COMPLETE"
grep -q "ttsp: complete, skipped" "$TMP/rs.out" || fail "run.sh did not say it skipped ttsp"
rm "$TMP/out/ttsp/COMPLETE"; : > "$TMP/calls"; rs ttsp
grep -q "resuming the run in $TMP/out/ttsp" "$TMP/rs.out" || fail "run.sh did not say it resumes ttsp"
grep -q "ttsp.lua .*--out $TMP/out/ttsp " "$TMP/calls" || fail "run.sh did not resume ttsp in its folder"
touch "$TMP/out/ttsp/marker"; : > "$TMP/calls"; rs --fresh ttsp
[ -e "$TMP/out/ttsp/marker" ] && fail "run.sh --fresh kept the old folder"
grep -q "ttsp.lua" "$TMP/calls" || fail "run.sh --fresh did not run ttsp"
: > "$TMP/calls"; rs
grep -q "paper/" "$TMP/calls" && fail "run.sh without names ran a paper-scale experiment"
grep -q "/conv/" "$TMP/calls" && fail "run.sh without names ran a convergence variant (conv/*: named only)"
grep -q "phase_diagram.lua" "$TMP/calls" || fail "run.sh without names did not run every reduced-scale experiment"
: > "$TMP/calls"; rs --fresh seed2
[ "$(grep -c -- "--seed=2 --noise=common --out $TMP/out/seed2/" "$TMP/calls")" = 3 ] \
  || fail "run.sh seed2 did not run the three seed-2 experiments with --seed=2 --noise=common: $(cat "$TMP/calls")"
grep -q "quench_anneal.lua .*--out $TMP/out/seed2/quench_anneal/regularised " "$TMP/calls" \
  || fail "run.sh seed2 did not write seed2/quench_anneal/regularised"
: > "$TMP/calls"; rs paper
[ "$(grep -c "heterogeneity.lua .*--P=0 " "$TMP/calls")" = 6 ] || fail "run.sh paper did not run the three paper-scale phases (regularised as four runs): $(cat "$TMP/calls")"
# every paper-scale phase quenches as the paper (7000 epochs at 1e-3); regularised's runs
# share T = 0 (the bit-for-bit check) and split the rest: 1e-6 in low, 1e-4 and 1e-3 in high,
# 1e-5 in mid and 3e-5 in mid2 with the next noise streams (points 1-3 are low's and high's)
[ "$(grep "heterogeneity.lua .*--P=0 " "$TMP/calls" | grep -c -- "--quench_lr=0.001 --quench_epochs=7000 ")" = 6 ] \
  || fail "run.sh paper: a paper-scale phase does not use the paper's quench: $(grep heterogeneity "$TMP/calls")"
grep -q -- "--T=1e-06,0 --out $TMP/out/paper/regularised/low " "$TMP/calls" \
  && grep -q -- "--T=0,0.0001,0.001 --out $TMP/out/paper/regularised/high " "$TMP/calls" \
  && grep -q -- "--T=1e-05 --noise_offset=3 --drift_check=false --out $TMP/out/paper/regularised/mid " "$TMP/calls" \
  && grep -q -- "--T=3e-05 --noise_offset=4 --drift_check=false --out $TMP/out/paper/regularised/mid2 " "$TMP/calls" \
  || fail "run.sh paper: regularised/low, /high, /mid and /mid2 do not split the temperatures and noise streams as documented"
# the mapping check: the same networks (seed 1, all rows, T = 0) at the paper's lr throughout,
# at 1e-2 throughout and at 1e-2 after the paper's quench, each to mu*t = 10
[ "$(grep -c "quench_anneal.lua .*--P=0 .*--T=0 " "$TMP/calls")" = 3 ] || fail "run.sh paper did not run the three mapping runs: $(cat "$TMP/calls")"
grep -q -- "--lr=0.001 --quench_epochs=7000 --tw=2000 --tmax=10000 --out $TMP/out/paper/mapping/lr1e-3 " "$TMP/calls" \
  && grep -q -- "--lr=0.01 --quench_lr=0.001 --quench_epochs=7000 --tw=200 --tmax=1000 --out $TMP/out/paper/mapping/q1e-3_lr1e-2 " "$TMP/calls" \
  && grep -q -- "--lr=0.01 --quench_epochs=700 --tw=200 --tmax=1000 --out $TMP/out/paper/mapping/lr1e-2 " "$TMP/calls" \
  || fail "run.sh paper: the mapping runs do not keep mu*t_w and mu*t_max equal: $(grep mapping "$TMP/calls")"
: > "$TMP/calls"; rs --fresh conv
[ "$(grep -c -- "--seed=2 --noise=common" "$TMP/calls")" = 9 ] \
  || fail "run.sh conv did not run the nine variants with the seed-2 options: $(cat "$TMP/calls")"
for change in "--P=2000 --quench_epochs=2500" "--quench_epochs=250" "--quench_epochs=4000" \
              "--P=20000 --quench_epochs=250" "--lr=0.001 --quench_epochs=10000" "--replicas=8" \
              "--quench_lr=0.001 --quench_epochs=10000"; do
  grep -q -- "$change" "$TMP/calls" || fail "run.sh conv has no variant with $change"
done

# 5. The conv/* runs keep only the temperatures they need: with --noise=common a temperature's
#    rows do not depend on the others in the grid (smoke scale: T = 1e-3 and 0 with and
#    without T = 1e-2).
for g in "0.01,0.001,0" "0.001,0"; do
  "$G" "$SRC/protocols/quench_anneal.lua" --preset=smoke --T=$g --noise=common --seed=2 \
    --out "$TMP/grid$g" --quiet > /dev/null 2>&1 || fail "quench_anneal --preset=smoke --T=$g failed"
done
grep -v '^#' "$TMP/grid0.01,0.001,0/overlap.csv" | grep -v '^0\.01,' > "$TMP/grid3"
grep -v '^#' "$TMP/grid0.001,0/overlap.csv" > "$TMP/grid2"
[ "$(wc -l < "$TMP/grid2")" -gt 10 ] || fail "the smoke quench_anneal wrote no overlap rows"
cmp -s "$TMP/grid3" "$TMP/grid2" \
  || fail "with --noise=common, T = 1e-3 and 0 change when T = 1e-2 joins the grid: $(diff "$TMP/grid3" "$TMP/grid2" | head -3)"

# 6. The convergence table on copies of the seed-2 quench_anneal run: as conv/quench250
#    (the same run: no change), as conv/P2000 (the same tau90, read as P = 2000: T* in the
#    paper's units is 5000/2000 = 2.5x the baseline's), as conv/quench4000 without COMPLETE.
Q2=$SRC/docs/reproduction/seed2/quench_anneal/regularised
if [ -f "$Q2/COMPLETE" ]; then
  D=$TMP/conv
  for v in seed2 conv/quench250 conv/P2000 conv/quench4000; do
    mkdir -p "$D/$v/quench_anneal" && cp -r "$Q2" "$D/$v/quench_anneal/"
  done
  rm "$D/conv/quench4000/quench_anneal/regularised/COMPLETE"
  "$G" "$SRC/docs/reproduction/analyse.lua" "$D" > "$TMP/conv.txt" 2> "$TMP/conv.err" \
    || fail "analyse.lua failed on the convergence copies: $(cat "$TMP/conv.err")"
  want() { grep -qxF -- "$1" "$TMP/conv.txt" || fail "convergence: no line '$1' (got: $(grep "^${1%% = *} = " "$TMP/conv.txt"))"; }
  want "conv.tau0.quench250.change = 0.0 (z = 0.0)"
  want "conv.tau0.quench250.verdict = within 2σ"
  want "conv.b.quench250.change = 0.000 (z = 0.0)"
  grep -q '^conv.tstar.P2000.change = ×2.50 (z = [1-9]' "$TMP/conv.txt" \
    || fail "convergence: T* at P = 2000 is not 2.5x the baseline's with z > 1: $(grep '^conv.tstar.P2000' "$TMP/conv.txt")"
  want "conv.tau0.P2000.change = 0.0 (z = 0.0)"
  want "conv.tau0.quench4000 = running"
  want "conv.tau0.P20000 = not run"
  want "conv.master.quench250 = —"
  want "conv.quench250.moves = nothing"
else
  fail "no COMPLETE seed2/quench_anneal/regularised to test the convergence table on"
fi

# The overparameterised phase at the paper's N/P: run.sh runs its experiments with w = 20,
# lambda = 0, the paper's training (8400 epochs) and chi = 6000 on P = 5000 rows.
: > "$TMP/calls"; rs --fresh quench_state/overparameterised_np045 quench_anneal/overparameterised_np045 \
  heterogeneity/overparameterised_np045
[ "$(grep -c -- "--width=20 --lambda=0 --quench_epochs=8400 --chi=6000 .*--out $TMP/out/[a-z_]*/overparameterised_np045 " "$TMP/calls")" = 3 ] \
  || fail "run.sh did not run the three N/P = 0.44 experiments with w = 20: $(cat "$TMP/calls")"
grep -q -- "--P=" "$TMP/calls" && fail "run.sh ran an N/P = 0.44 experiment on other than P = 5000 rows"

# 7. analyse.lua's verdicts for that phase follow from the data (synthetic CSVs):
#    a) four networks, one holding all the loss (0.04, 0, 0, 0: mean 0.01 = its s.e.), tau90
#       the free weight's at every T > 0 and none at T = 0, MSD = 2Dt: the loss split is
#       found (the others hold at most 0), 3f and 5c are null-model-trivial;
#    b) two networks holding it (0.02, 0.02, 0, 0): no split claimed; a finite tau90 at T = 0
#       makes 3f "not reproduced"; MSD at 1.5 times 2Dt makes 5c "qualitatively".
synth() {  # synth DIR SEM TAU0 MSDFACTOR
  d=$1/quench_state/overparameterised_np045; mkdir -p "$d"
  printf 'T,step,t,n,loss,loss_sem,data_loss,data_loss_sem,accuracy,accuracy_sem,unsat,unsat_sem\n0,0,0,4,0.01,%s,0.01,%s,0.99,0.005,0.05,0.02\n' "$2" "$2" > "$d/state.csv"
  d=$1/quench_anneal/overparameterised_np045; mkdir -p "$d"
  { echo "T,tau90,tau90_free,tau_e"
    for T in 1e-4 3e-5 1e-5; do echo "$T,$(awk "BEGIN{print 1.9e-4/$T}"),$(awk "BEGIN{print 1.9e-4/$T}"),"; done
    echo "0,$3,,"; } > "$d/tau.csv"
  { echo "T,t,Q,Q_sem,msd,eps"
    for T in 1e-4 3e-5 1e-5 0; do for t in 1 10 100 1000 5000; do
      awk "BEGIN{q = 1 - 0.1 * log($t)/log(10); print \"$T,$t,\" q \",0.01,\" $4 * 4e-6 * $T * $t \",4.5e-5\"}"
    done; done; } > "$d/overlap.csv"
}
synth "$TMP/a" 0.01 "" 1
"$G" "$SRC/docs/reproduction/analyse.lua" "$TMP/a" > "$TMP/a.txt" 2>&1 || fail "analyse.lua failed on synthetic data: $(tail -5 "$TMP/a.txt")"
grep -q "the largest holds at least 0.04, the other 3 together at most 0$" "$TMP/a.txt" \
  || fail "analyse.lua did not find one network holding the loss: $(grep -A2 'quench_state/over' "$TMP/a.txt")"
grep -q "^verdicts: 3f null-model-trivial; 5c null-model-trivial; 7c not run; 7f not run$" "$TMP/a.txt" \
  || fail "analyse.lua's verdicts for free-weight data: $(grep '^verdicts' "$TMP/a.txt")"
synth "$TMP/b" 0.005773502691896258 5 1.5
"$G" "$SRC/docs/reproduction/analyse.lua" "$TMP/b" > "$TMP/b.txt" 2>&1 || fail "analyse.lua failed on synthetic data: $(tail -5 "$TMP/b.txt")"
grep -q "the largest holds" "$TMP/b.txt" && fail "analyse.lua claimed one network holds a loss that two share"
grep -q "^verdicts: 3f not reproduced; 5c qualitatively; " "$TMP/b.txt" \
  || fail "analyse.lua's verdicts for a T = 0 plateau: $(grep '^verdicts' "$TMP/b.txt")"

[ "$fails" -eq 0 ] && echo "ok: summary.txt regenerates, the report's tagged values match it"
[ "$fails" -eq 0 ]
