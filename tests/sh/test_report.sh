#!/bin/bash
# What the protocols report (glass.report), on tiny runs (--preset=smoke):
# noise per temperature (independent by default, common on request, said in
# every CSV header), the units lines with their numbers, state.csv, the
# T = 0 drift check, the computed conclusions, the Fig. 5d plateau line.
#   bash tests/sh/test_report.sh /path/to/glassvm
set -u
G=${1:?usage: test_report.sh /path/to/glassvm}
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -s "$SRC/data/mnist/train-images-idx3-ubyte" ] || { echo "skip: MNIST not fetched (bash data/fetch.sh)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { # name out args...
  local name=$1 out=$2; shift 2
  "$G" "$SRC/protocols/$name.lua" --preset=smoke --threads=2 --quiet --out="$TMP/$out" "$@" \
    >"$TMP/$out.stdout" 2>"$TMP/$out.stderr" || { fail "$name $* exited non-zero"; tail -5 "$TMP/$out.stderr"; }
}
has() { # file fixed-string what
  grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1")"
}

# quench_anneal (smoke: T = 1e-2, 1e-3, 0; lr = 0.01; P = 500), both noise modes.
run quench_anneal qa
run quench_anneal qc --noise=common
for f in overlap tau null state; do
  has "$TMP/qa/$f.csv" "# noise: independent (point k = 1, 2, ... of --T runs with seed glass.rng.subseed(1, k))" "noise line"
  has "$TMP/qc/$f.csv" "# noise: common (every point of --T reuses seed 1: common random numbers" "noise line"
  # D = lr*T/P = 0.01/500 T; the paper's D0 = 1e-3/60000 T; ratio 1200; T_paper = T*60000/500.
  has "$TMP/qa/$f.csv" "# units: free-weight diffusion per step D = lr*T/P = 2e-05*T (lr = 0.01, P = 500)" "units"
  has "$TMP/qa/$f.csv" "so at equal T D is 1200 x the paper's per step" "units"
  has "$TMP/qa/$f.csv" "T_paper = 120*T and one step = 10 paper steps" "units"
  has "$TMP/qa/$f.csv" "T = 0.001: D = 2e-08, T_paper = 0.12" "units per T"
done
has "$TMP/qa/log.txt" "units: free-weight diffusion per step D = lr*T/P = 2e-05*T" "units in the log"
has "$TMP/qa/tau.csv" "T,tau90,tau90_lo,tau90_hi,tau90_se,tau90_status,tau90_method,tau_e,tau_e_lo,tau_e_hi,tau_e_se,tau_e_status,tau_e_method,tau90_free,eps,D,T_paper" "tau.csv columns"
# Each tau has a status word and a bootstrap interval; a missing one is empty, never nan.
has "$TMP/qa/tau.csv" ",ok,interp," "a tau found (status ok, method interp)"
has "$TMP/qa/tau.csv" "# tau90, tau_e: " "the tau header line"
has "$TMP/qa/tau.csv" "95% percentile bootstrap interval over replicas" "the interval's level in the header"
! grep -v '^#' "$TMP/qa/tau.csv" | grep -qi 'nan' || fail "tau.csv: a nan cell"
has "$TMP/qa/state.csv" "T,step,t,n,loss,loss_sem,data_loss,data_loss_sem,accuracy,accuracy_sem,unsat,unsat_sem" "state.csv columns"
# One state row per T after the quench (t = -tw = -5), then one per lag.
[ "$(grep -c '^0.001,5,-5,2,' "$TMP/qa/state.csv")" = 1 ] || fail "state.csv: no row after the quench for T = 0.001"
has "$TMP/qa/log.txt" "after the quench: loss " "the state after the quench in the log"
has "$TMP/qa/log.txt" "drift check" "the drift check in the log"
# Noise: T > 0 rows differ between the modes (each T has its own stream by
# default); T = 0 has no noise, so its rows are the same.
row() { grep "^$2," "$1" | grep -v '^#'; }
[ "$(row "$TMP/qa/overlap.csv" 0.001)" != "$(row "$TMP/qc/overlap.csv" 0.001)" ] || fail "independent and common noise gave the same Q at T = 0.001"
[ "$(row "$TMP/qa/overlap.csv" 0)" = "$(row "$TMP/qc/overlap.csv" 0)" ] || fail "T = 0 differs between noise modes"
# Common noise: the first T uses the run seed itself, as ens:clone() did.
run quench_anneal q1 --noise=common --T=0.001
[ "$(row "$TMP/q1/overlap.csv" 0.001)" = "$(row "$TMP/qc/overlap.csv" 0.001)" ] || fail "common noise depends on the position in --T"

# ttsp, chi_sweep, ageing: state.csv, units, the T = 0 companion.
run ttsp tt
has "$TMP/tt/state.csv" "T,step,t,n,loss" "ttsp state.csv"
has "$TMP/tt/tau.csv" "# units: free-weight diffusion per step" "ttsp units"
has "$TMP/tt/log.txt" "drift check (tau90 vs T = 0, tolerance 10%)" "ttsp drift summary"
run chi_sweep cs
has "$TMP/cs/state.csv" "T,step,t,n,loss" "chi_sweep state.csv"
has "$TMP/cs/log.txt" "drift check (tau90 vs T = 0" "chi_sweep drift summary"
run ageing ag
has "$TMP/ag/state.csv" "step,t,n,loss" "ageing state.csv"
has "$TMP/ag/log.txt" "drift check (t_w = 5)" "ageing drift line"
has "$TMP/ag/log.txt" "units: T = 0.0003: D = 6e-09, T_paper = 0.036" "ageing units"
grep -q "tau90(t_w = 20) / tau90(t_w = 5) = .*: \(tau90 grows\|tau90 falls\|within 10% of 1, inconclusive\)" "$TMP/ag/log.txt" || fail "ageing: no computed verdict"

# Computed conclusions: the smoke runs are far from converged, and say so
# with their numbers (the canned lines used to read "lambda* <= 0" and
# "falls from 0.5 to 0.5").
run ttt_scan ttt
has "$TMP/ttt/log.txt" "inconclusive (not converged: the loss at lambda = 0.1 is" "ttt_scan verdict"
run uot_scan uot
has "$TMP/uot/log.txt" ": inconclusive (every width sits at the trivial loss 0.5" "uot_scan verdict"
# ... and the line changes with the numbers: one width cannot be compared.
run uot_scan uot1 --widths=6
has "$TMP/uot1/log.txt" "inconclusive (one width: nothing to compare)" "uot_scan verdict, one width"

# Fig. 5d: the plateau 2T/(lambda P) and the paper's line T/(lambda P).
run msd_batch_sweep mb
# smoke: lambda = 0.01, P = 500, T = 0.1: T/(lambda P) = 0.02.
has "$TMP/mb/log.txt" "plateau 2T/(lambda P) = 0.04 at T = 0.1 (the paper's line T/(lambda P) = 0.02)" "msd plateau"
has "$TMP/mb/msd.gp" "plateau 2T/(λP)" "msd plateau line"
has "$TMP/mb/msd.gp" "the paper's Eq. 26 line" "the paper's line"
has "$TMP/mb/msd.csv" "# noise: independent" "msd_batch_sweep noise line"
# Error bands with replicas > 1.
has "$TMP/qa/overlap.gp" "filledcurves" "bands in quench_anneal's overlap plot"
has "$TMP/mb/msd.gp" "filledcurves" "bands in msd_batch_sweep's plot"

[ $fails -eq 0 ] && echo "all report checks passed"
exit $((fails > 0))
