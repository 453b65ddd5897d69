#!/usr/bin/env bash
# test_bench.sh: the benchmark's table and its PyTorch end-to-end script
# (docs/performance.md; issue 16).
#  - bench/table.awk on a hand-made CSV: the sgemm peak is the highest of the
#    interleaved 2-thread medians, a row that runs faster than it is flagged
#    "peak not credible", and every issue 16 target prints with met/MISSED
#    from the medians given (numbers chosen so each outcome is known), with
#    the rate it asks of the machine and "UNATTAINABLE" above the highest
#    sgemm timing; with one sgemm measurement under 80 % of the peak, the
#    rows timed next to it are marked "(disturbed)" and their targets say
#    "NOT A VERDICT" (and the undisturbed run has neither); the ensemble's
#    ratio timed in pairs takes the place of the ratio of two medians; a
#    target is against the faster of PyTorch's two settings.
#  - bench/paper_cost.lua (needs MNIST) prints a range of hours for each of the
#    three paper presets it counts.
#  - bench/torch_ageing.py (needs PyTorch; skipped without it) at a tiny scale
#    on random rows writes a tau.csv with the main job's columns and one row
#    per t_w.
#   bash tests/sh/test_bench.sh /path/to/glassvm
set -u
ROOT=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() { grep -qF -- "$2" "$1" || fail "expected '$2' in the table"; }

# Peaks 250, 300, 260 GFLOP/s: the peak is 300, and every measurement is
# within 80 % of it (no window disturbed).  Langevin w = 50 takes
# 6*13050*60000/1e6/ms = 4698/ms GFLOP/s: 10 ms -> 470 GFLOP/s > 300.
cat >"$T/rows.csv" <<'EOF'
unset,langevin_ms,glassvm,30,60000,2,ms,10,10,10,3
unset,langevin_ms,torch_best,30,60000,2,ms,60,60,60,3
unset,langevin_ms,glassvm,50,60000,2,ms,10,10,10,3
unset,langevin_ms,torch_best,50,60000,2,ms,40,40,40,3
unset,basin_langevin_ms,glassvm,30,60000,2,ms,5,5,5,3
unset,basin_langevin_ms,torch_best,30,60000,2,ms,45,45,45,3
unset,basin_unsat,glassvm,30,60000,2,fraction,0.25,0.25,0.25,1
unset,sgd_epoch_ms,glassvm,72,60000,1,ms,50,50,50,3
unset,sgd_epoch_ms,torch_best,72,60000,2,ms,150,150,150,3
unset,sgd_ens_rate,glassvm,30,60000,2,replica-epochs/s,40,40,40,5
unset,sgd_ens_rate,torch_best,30,60000,2,replica-epochs/s,4,4,4,4
unset,replica_steps_1r,glassvm,30,60000,1,replica-steps/s,50,50,50,3
unset,replica_steps_8r,glassvm,30,60000,2,replica-steps/s,97,97,97,3
unset,e2e_s,glassvm,30,5000,2,s,30,30,30,1
unset,e2e_s,torch_best,30,5000,2,s,180,180,180,1
EOF
{
    echo "unset,sgemm,glassvm,2000,0,1,GFLOP/s,60,60,60,3"
    echo "unset,sgemm,glassvm,2000,0,2,GFLOP/s,250,250,250,3"
    echo "unset,sgemm,glassvm,2000,1,2,GFLOP/s,300,300,300,3"
    echo "unset,sgemm,glassvm,2000,2,2,GFLOP/s,260,260,260,3"
    cat "$T/rows.csv"
} >"$T/in.csv"
awk -F, -f "$ROOT/bench/table.awk" "$T/in.csv" >"$T/table.md" || fail "table.awk failed"
has "$T/table.md" "| 250, 300, 260 | | | |"
has "$T/table.md" "470 (157%) peak not credible"
has "$T/table.md" "sgemm peak: NOT CREDIBLE"
has "$T/table.md" "Langevin in a trained basin, w = 30 >= 8×: 9.0× met"
has "$T/table.md" "Langevin from the initial weights, w = 30 >= 5×: 6.0× met"
has "$T/table.md" "Langevin from the initial weights, w = 50 >= 5×: 4.0× MISSED"
has "$T/table.md" "Langevin w = 50 >= 70% of 2-thread sgemm: 157% met (peak not credible)"
has "$T/table.md" "SGD epoch w = 72 >= 4×: 3.0× MISSED"
has "$T/table.md" "8 replicas on 2 threads >= 1.9× one replica on 1 thread: 1.94× met"
has "$T/table.md" "end to end, the main job >= 5×: 6.0× met"
# What each target asks of the machine, against the highest single sgemm
# timing (2 threads: 300; 1 thread for SGD: 60).  w = 30: 6NP / (60/5 ms) =
# 145 GFLOP/s; w = 50: 4698e6 / 8 ms = 587 > 300; basin: (2 + 4*0.25) N P /
# (45/8 ms) = 155; SGD w = 72: 9616e6 / 37.5 ms = 256 > 60.
has "$T/table.md" "6.0× met (needs 145 GFLOP/s = 48% of the highest sgemm rate measured, 300)"
has "$T/table.md" "4.0× MISSED (needs 587 GFLOP/s = 196% of the highest sgemm rate measured, 300: UNATTAINABLE on this machine)"
has "$T/table.md" "9.0× met (needs 155 GFLOP/s = 52% of the highest sgemm rate measured, 300)"
has "$T/table.md" "3.0× MISSED (needs 256 GFLOP/s = 427% of the highest sgemm rate measured, 60: UNATTAINABLE on this machine)"
has "$T/table.md" "| 40.0 [40.0–40.0] | – | 4.00 [4.00–4.00] | 10.0× |"
has "$T/table.md" "| 0.25 |"
grep -q "disturbed\|NOT A VERDICT" "$T/table.md" && fail "an undisturbed run is flagged disturbed"

# A target is against PyTorch's faster setting: here its default (100 s) beats
# the "best" thread setting (180 s) end to end, so 30 s is 3.3×, not 6×.  A
# speed-up that one decimal would round up to its target shows two: 39.9/5.
{
    echo "unset,sgemm,glassvm,2000,0,2,GFLOP/s,300,300,300,3"
    echo "unset,e2e_s,glassvm,30,5000,2,s,30,30,30,1"
    echo "unset,e2e_s,torch_best,30,5000,2,s,180,180,180,1"
    echo "unset,e2e_s,torch_default,30,5000,2,s,100,100,100,1"
    echo "unset,basin_langevin_ms,glassvm,30,60000,2,ms,5,5,5,3"
    echo "unset,basin_langevin_ms,torch_best,30,60000,2,ms,39.9,39.9,39.9,3"
} >"$T/faster.csv"
awk -F, -f "$ROOT/bench/table.awk" "$T/faster.csv" >"$T/faster.md" || fail "table.awk failed"
has "$T/faster.md" "end to end, the main job >= 5×: 3.3× MISSED (PyTorch's default setting, faster here)"
has "$T/faster.md" "Langevin in a trained basin, w = 30 >= 8×: 7.98× MISSED"

# The same rows with the second sgemm measurement at 150 (under 80 % of the
# peak, 300): the rows timed next to it (Langevin before it; basin, SGD and
# the SGD ensemble after it) are marked and their targets are no verdict;
# the window between 290 and 300 (ensemble) is not.
{
    echo "unset,sgemm,glassvm,2000,0,1,GFLOP/s,60,60,60,3"
    echo "unset,sgemm,glassvm,2000,0,2,GFLOP/s,300,300,300,3"
    echo "unset,sgemm,glassvm,2000,1,2,GFLOP/s,150,150,150,3"
    echo "unset,sgemm,glassvm,2000,2,2,GFLOP/s,290,290,290,3"
    echo "unset,sgemm,glassvm,2000,3,2,GFLOP/s,300,300,300,3"
    cat "$T/rows.csv"
} >"$T/dist.csv"
awk -F, -f "$ROOT/bench/table.awk" "$T/dist.csv" >"$T/dist.md" || fail "table.awk failed on the disturbed run"
has "$T/dist.md" "| 300, 150, 290, 300 (spread > 20 %: disturbed;"
has "$T/dist.md" "| 10.0 [10.0–10.0] (disturbed) | – | 60.0 [60.0–60.0] |"
has "$T/dist.md" "| 5.00 [5.00–5.00] (disturbed) |"
has "$T/dist.md" "Langevin from the initial weights, w = 30 >= 5×: 6.0×, NOT A VERDICT: timed next to a 2-thread sgemm median of 150 GFLOP/s, under 80% of the peak (300)"
has "$T/dist.md" "Langevin in a trained basin, w = 30 >= 8×: 9.0×, NOT A VERDICT"
has "$T/dist.md" "Langevin w = 50 >= 70% of 2-thread sgemm: 157%, NOT A VERDICT"
has "$T/dist.md" "SGD epoch w = 72 >= 4×: 3.0×, NOT A VERDICT"
has "$T/dist.md" "8 replicas on 2 threads >= 1.9× one replica on 1 thread: 1.94× met"
has "$T/dist.md" "end to end, the main job >= 5×: 6.0× met"

# The ensemble timed in pairs (since 2026-12-04): the ratio row is the pairs'
# median (1.85 here, not 97 / 50 = 1.94 from the two medians), printed with
# its range, and the target quotes the machine's own 2-thread sgemm ratio.
{
    cat "$T/in.csv"
    echo "unset,replica_steps_ratio,glassvm,30,60000,2,ratio,1.85,1.7,2.01,11"
    echo "unset,sgemm_2t_1t_ratio,glassvm,2000,60000,2,ratio,1.8,1.6,1.95,11"
} >"$T/pairs.csv"
awk -F, -f "$ROOT/bench/table.awk" "$T/pairs.csv" >"$T/pairs.md" || fail "table.awk failed on the paired rows"
has "$T/pairs.md" "| … 8 replicas / 1 replica on 1 thread (timed in alternation: the pairs' median [min–max]) | ratio | 1.85 [1.70–2.01] | | | |"
has "$T/pairs.md" "| … the machine's own: 2-thread / 1-thread sgemm 2000², in the same repetitions | ratio | 1.80 [1.60–1.95] | | | |"
has "$T/pairs.md" "8 replicas on 2 threads >= 1.9× one replica on 1 thread: 1.85× MISSED (OpenBLAS's sgemm gave two threads 1.80× one in the same repetitions)"

# bench/paper_cost.lua (needs MNIST): the three paper presets' estimates, each a range
# from a basin (2/3 of a step from the initial weights) to the initial weights.
G=${1:-}
if [ -n "$G" ] && "$G" -e 'glass.data.mnist{P = 10}' >/dev/null 2>&1; then
  "$G" "$ROOT/bench/paper_cost.lua" >"$T/cost.out" 2>&1 || fail "paper_cost.lua: $(cat "$T/cost.out")"
  for name in ageing quench_anneal ttsp; do
    awk -v n="$name" '$1 == n && $3 == "to" && $5 == "h" && $2 > 0 && $4 / $2 > 1 && $4 / $2 <= 1.51 \
      { ok = 1 } END { exit !ok }' "$T/cost.out" || fail "paper_cost.lua: no range for $name: $(cat "$T/cost.out")"
  done
  grep -q "full-batch step [0-9.]* ms, SGD epoch [0-9.]* ms" "$T/cost.out" || fail "paper_cost.lua: $(head -1 "$T/cost.out")"
fi

# The PyTorch end-to-end script at a tiny scale (random rows, the dump format).
PY=
for c in ${PYTHON:-} /usr/bin/python3 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch' 2>/dev/null; then PY=$c; break; fi
done
if [ -z "$PY" ]; then
    if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
    echo "SKIP: PyTorch is not installed (apt-get install python3-torch); table checked"; exit 77
fi
"$PY" - "$T/data.bin" <<'EOF'
import sys, numpy as np
P, d = 600, 10
rng = np.random.default_rng(1)
X = rng.standard_normal((P, d)).astype(np.float32)
y = np.where(X[:, 0] + X[:, 1] > 0, 1, -1).astype(np.int8)
with open(sys.argv[1], "wb") as f:
    f.write(np.array([P, d], dtype=np.int64).tobytes()); f.write(X.tobytes()); f.write(y.tobytes())
EOF
"$PY" "$ROOT/bench/torch_ageing.py" --data "$T/data.bin" --P 500 --width 8 --replicas 2 \
    --quench-epochs 2 --tw 5,20 --tmax 20 --per-decade 5 --T 3e-4 --out "$T/torch" >"$T/log" 2>&1 \
    || { cat "$T/log"; fail "torch_ageing.py failed"; }
if [ -f "$T/torch/tau.csv" ]; then
    [ "$(head -1 "$T/torch/tau.csv")" = "tw,tau90,tau_e" ] || fail "tau.csv header: $(head -1 "$T/torch/tau.csv")"
    [ "$(cut -d, -f1 "$T/torch/tau.csv" | tail -n +2 | tr '\n' ' ')" = "5 20 " ] || fail "tau.csv rows: $(cat "$T/torch/tau.csv")"
else
    fail "no tau.csv"
fi
grep -q "total" "$T/log" || fail "no timing line in the log"

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "ok"
