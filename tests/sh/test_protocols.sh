#!/bin/bash
# Smoke test of every protocol: each runs at a tiny scale (--preset=smoke,
# seconds) and must leave its CSVs, params.lua, log.txt and the completion
# marker; a rerun into the same --out is refused; --help works; an unknown
# option fails with a message naming it.
#   bash tests/sh/test_protocols.sh /path/to/glassvm
set -u
G=${1:?usage: test_protocols.sh /path/to/glassvm}
SRC=${GV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# CSVs each protocol must write (besides params.lua, log.txt, COMPLETE).
declare -A CSVS=(
  [quench_anneal]="overlap.csv tau.csv"
  [ttt_scan]="final_loss.csv loss_vs_lambda.csv"
  [uot_scan]="final_loss.csv loss_vs_width.csv"
  [phase_diagram]="final_loss.csv grid.csv"
  [msd_batch_sweep]="msd.csv"
  [ageing]="overlap.csv tau.csv"
  [ttsp]="overlap.csv tau.csv master.csv q_final.csv"
  [heterogeneity]="moments.csv histogram.csv chi4_peaks.csv overlap_basins.csv tau_basins.csv networks.csv"
  [chi_sweep]="tau.csv"
)
ORDER="ageing quench_anneal ttt_scan uot_scan phase_diagram msd_batch_sweep ttsp heterogeneity chi_sweep"

for name in $ORDER; do
  proto="$SRC/protocols/$name.lua"
  out="$TMP/$name"
  start=$(date +%s)
  if ! "$G" "$proto" --preset=smoke --threads=2 --quiet --out="$out" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr"; then
    fail "$name --preset=smoke exited non-zero"; sed 's/^/  /' "$TMP/$name.stderr" | tail -20
    continue
  fi
  for f in params.lua log.txt COMPLETE ${CSVS[$name]}; do
    [ -s "$out/$f" ] || fail "$name: $f missing or empty"
  done
  # Every CSV carries the provenance comments and a header row.
  for f in ${CSVS[$name]}; do
    [ -f "$out/$f" ] || continue
    grep -q '^# glassvm ' "$out/$f" || fail "$name: $f lacks the '# glassvm' comment"
    grep -q "^# protocol: $name" "$out/$f" || fail "$name: $f lacks '# protocol: $name'"
    grep -q '^# seed: ' "$out/$f" || fail "$name: $f lacks the seed comment"
    [ "$(grep -vc '^#' "$out/$f")" -ge 2 ] || fail "$name: $f has no data rows"
  done
  # run.json (docs/file-formats.md): complete, and every file it lists exists.
  grep -q '^  "status": "complete",$' "$out/run.json" || fail "$name: run.json missing or not complete"
  for f in $(sed -n 's/^ *"name": "\(.*\)"$/\1/p' "$out/run.json"); do
    [ -e "$out/$f" ] || fail "$name: run.json lists $f, which is not in $out"
  done
  # ... with every parameter, also one params.lua leaves out at its default (--device).
  grep -q '^    "device": {$' "$out/run.json" || fail "$name: run.json's parameters lack device"
  grep -q '^device = ' "$out/params.lua" && fail "$name: params.lua has device at its default"
  # A finished run leaves no checkpoint behind.
  [ ! -e "$out/checkpoint.gvckpt" ] && [ ! -e "$out/checkpoints" ] || fail "$name: checkpoint files left after COMPLETE"
  # A figure script accompanies the data (drawn when gnuplot is installed).
  ls "$out"/*.gp >/dev/null 2>&1 || fail "$name: no gnuplot script"
  if command -v gnuplot >/dev/null; then
    ls "$out"/*.png >/dev/null 2>&1 || fail "$name: gnuplot installed but no PNG drawn"
  fi
  # A finished run is never overwritten silently.
  if "$G" "$proto" --preset=smoke --quiet --out="$out" >/dev/null 2>"$TMP/$name.again"; then
    fail "$name: rerun into a finished --out was not refused"
  else
    grep -q -- "--force" "$TMP/$name.again" || fail "$name: refusal does not mention --force"
  fi
  echo "ok   $name ($(( $(date +%s) - start )) s)"
done

# heterogeneity: the basins' Q, weighted by their replica counts, give the ensemble's Q
# (moments.csv) at every lag, to rounding; one tau_basins row per basin and T.
h="$TMP/heterogeneity"
if [ -f "$h/overlap_basins.csv" ] && [ -f "$h/moments.csv" ]; then
  # Q and the MSD weighted by n_b give moments.csv's; alpha2 weighted so is alpha2_within.
  awk -F, 'function off(a, b) { d = (a - b) / (b == 0 ? 1 : b); return d > 1e-9 || d < -1e-9 }
    FNR == 1 { file++ } /^#/ || /^T,/ { next }
    file == 1 { k = $1 "|" $2; s[k] += $4 * $5; m[k] += $4 * $7; a[k] += $4 * $8; n[k] += $4; next }
    { k = $1 "|" $2; seen++
      if (!(k in n)) { print "no basin rows at T,t = " k; bad++; next }
      if (off(s[k] / n[k], $5)) { printf "T,t = %s: basins give Q = %.17g, moments.csv %.17g\n", k, s[k] / n[k], $5; bad++ }
      if (off(m[k] / n[k], $7)) { printf "T,t = %s: basins give MSD = %.17g, moments.csv %.17g\n", k, m[k] / n[k], $7; bad++ }
      if (off(a[k] / n[k], $13)) { printf "T,t = %s: basins give alpha2 = %.17g, alpha2_within %.17g\n", k, a[k] / n[k], $13; bad++ } }
    END { if (!seen) { print "moments.csv has no rows"; bad++ } exit bad > 0 }' \
    "$h/overlap_basins.csv" "$h/moments.csv" || fail "heterogeneity: overlap_basins.csv does not add up to moments.csv"
  # Q_sem_basins (column 27): the standard error of the basins' own Q over the basins.
  awk -F, 'function off(a, b) { d = (a - b) / (b == 0 ? 1 : b); return d > 1e-9 || d < -1e-9 }
    FNR == 1 { file++ } /^#/ || /^T,/ { next }
    file == 1 { k = $1 "|" $2; s[k] += $5; ss[k] += $5 * $5; c[k]++; next }
    { k = $1 "|" $2; seen++; m = s[k] / c[k]; v = (ss[k] - c[k] * m * m) / (c[k] - 1)
      if (v < 0) v = 0
      if (off(sqrt(v / c[k]), $27)) { printf "T,t = %s: basins give s.e. %.17g, Q_sem_basins %.17g\n", k, sqrt(v / c[k]), $27; bad++ } }
    END { exit bad > 0 || !seen }' \
    "$h/overlap_basins.csv" "$h/moments.csv" || fail "heterogeneity: Q_sem_basins is not the s.e. of the basins' Q"
  # alpha2_within_sem_basins (column 30): the same over the basins' pooled alpha2;
  # chi4_null_sem_basins (31): Q_sem_basins s through chi4_null = k Q (1 - Q), that is
  # k sqrt((1 - 2Q)^2 s^2 + 2 s^4).
  awk -F, 'function off(a, b) { d = (a - b) / (b == 0 ? 1 : b); return d > 1e-9 || d < -1e-9 }
    FNR == 1 { file++ } /^#/ || /^T,/ { next }
    file == 1 { k = $1 "|" $2; s[k] += $8; ss[k] += $8 * $8; c[k]++; next }
    { k = $1 "|" $2; seen++; m = s[k] / c[k]; v = (ss[k] - c[k] * m * m) / (c[k] - 1)
      if (v < 0) v = 0
      if (off(sqrt(v / c[k]), $30)) { printf "T,t = %s: basins give s.e. %.17g, alpha2_within_sem_basins %.17g\n", k, sqrt(v / c[k]), $30; bad++ }
      kf = $18 / ($5 * (1 - $5)); g = 1 - 2 * $5; want = kf * sqrt(g * g * $27 * $27 + 2 * $27 ^ 4)
      if ($5 > 0 && $5 < 1 && off(want, $31)) { printf "T,t = %s: chi4_null_sem_basins %.17g, want %.17g\n", k, $31, want; bad++ } }
    END { exit bad > 0 || !seen }' \
    "$h/overlap_basins.csv" "$h/moments.csv" || fail "heterogeneity: alpha2_within_sem_basins or chi4_null_sem_basins is off"
  # Each basin's own error bars (2 replicas each in the smoke run): msd_sem and alpha2_se
  # are given and >= 0 at every lag; each tau found has its interval around it.
  awk -F, '/^#/ || /^T,/ { next } $4 == 2 && ($9 == "" || $9 < 0 || $10 == "" || $10 < 0) { bad++ }
    END { exit bad > 0 || NR < 3 }' "$h/overlap_basins.csv" \
    || fail "heterogeneity: overlap_basins.csv lacks msd_sem or alpha2_se for a basin of 2 replicas"
  # With 2 replicas a basin's two MSDs are msd -/+ msd_sem: from them, the 4 replicas'
  # standard error over all copies is moments.csv's msd_sem (column 8), to rounding.
  awk -F, 'function off(a, b) { d = (a - b) / (b == 0 ? 1 : b); return d > 1e-6 || d < -1e-6 }
    FNR == 1 { file++ } /^#/ || /^T,/ { next }
    file == 1 { k = $1 "|" $2; for (s = -1; s <= 1; s += 2) { x = $7 + s * $9; S[k] += x; SS[k] += x * x; c[k]++ }; next }
    { k = $1 "|" $2; seen++; m = S[k] / c[k]; v = (SS[k] - c[k] * m * m) / (c[k] - 1); if (v < 0) v = 0
      if (off(sqrt(v / c[k]), $8)) { printf "T,t = %s: basins give MSD s.e. %.17g, msd_sem %.17g\n", k, sqrt(v / c[k]), $8; bad++ } }
    END { exit bad > 0 || !seen }' "$h/overlap_basins.csv" "$h/moments.csv" \
    || fail "heterogeneity: the basins' msd and msd_sem do not give moments.csv's msd_sem"
  awk -F, '/^#/ || /^T,/ { next } $4 != "" { found++; if ($8 == "" || $8 > $4 || $9 < $4) bad++ }
    END { exit bad > 0 || !found }' "$h/tau_basins.csv" \
    || fail "heterogeneity: tau_basins.csv: a basin's tau90 without its interval around it"
  # chi4_peaks.csv: each peak with a bootstrap interval has one for its lag too, within
  # the lags measured (1 to --tmax = 20 in the smoke run) and in order.
  awk -F, '/^#/ || /^T,/ { next } $5 != "" { seen++
      if ($9 == "" || $10 == "" || $9 > $10 || $9 < 1 || $10 > 20) { print; bad++ } }
    END { exit bad > 0 || !seen }' "$h/chi4_peaks.csv" \
    || fail "heterogeneity: chi4_peaks.csv: a peak without its lag's interval (t_peak_lo/_hi)"
  # The per-lag intervals come from the resamples alone, as the engine's peak interval
  # does (bootstrap also calls its statistic once on the sample itself): with --B=1 each
  # interval is one resample's value (lo = hi at every lag, in every histogram bin and
  # for t_peak), and the engine's total peak is that resample's largest chi4_total.
  # Seed 2's one resample is not the sample reordered, so a count of the sample shows.
  hb="$TMP/het-B1"
  if "$G" "$SRC/protocols/heterogeneity.lua" --preset=smoke --threads=2 --quiet --B=1 --seed=2 \
      --out="$hb" >"$hb.out" 2>&1; then
    awk -F, '/^#/ || /^T,/ { next } { if ($21 > m) m = $21
        if ($19 != $20 || $21 != $22 || $23 != $24 || $25 != $26) bad++ }
      END { printf "%.17g\n", m; exit bad > 0 }' "$hb/moments.csv" >"$hb.max" \
      || fail "heterogeneity --B=1: a chi4 interval holds more than the one resample"
    awk -F, '/^#/ || /^T,/ { next } $7 != $8 { bad++ } END { exit bad > 0 }' "$hb/histogram.csv" \
      || fail "heterogeneity --B=1: a histogram interval holds more than the one resample"
    awk -F, -v m="$(cat "$hb.max")" '/^#/ || /^T,/ { next }
      $9 != $10 { bad++ }
      $2 == "total" { seen++; d = ($5 - m) / m; if (d > 1e-12 || d < -1e-12) bad++ }
      END { exit bad > 0 || !seen }' "$hb/chi4_peaks.csv" \
      || fail "heterogeneity --B=1: t_peak's interval or the total peak's is not the one resample's"
    grep -q "note: --B=1: below 40 resamples a 95% percentile interval's ends are the extreme" \
      "$hb/log.txt" || fail "heterogeneity --B=1: no note on so few resamples"
  else
    fail "heterogeneity --B=1 --seed=2 failed: $(tail -3 "$hb.out")"
  fi
  # networks.csv: one row per network, whose mean data loss is state.csv's after the quench.
  awk -F, 'FNR == 1 { file++ } /^#/ || /^network,/ || /^T,/ { next }
    file == 1 { n++; s += $3; next }
    !done { done = 1; want = $7 }
    END { d = s / n - want; if (d < 0) d = -d; exit !(n == 2 && d < 1e-12) }' \
    "$h/networks.csv" "$h/state.csv" \
    || fail "heterogeneity: networks.csv should have 2 rows whose mean data loss is state.csv's first"
  [ "$(grep -vc '^#' "$h/tau_basins.csv")" -eq 3 ] \
    || fail "heterogeneity: tau_basins.csv should have a header and 2 basin rows (smoke: 2 basins, 1 T)"
fi

# chi4's interval over replicas is the chi-square one: with the smoke runs' 2 replicas
# (1 degree of freedom) chi4_lo = chi4 / 5.0238861873148863 and chi4_hi = chi4 /
# 0.00098206911717525 (the 97.5 % and 2.5 % quantiles of chi-square with 1 degree of
# freedom, 2 erfinv(p)^2) at every lag (ageing: columns 7, 10, 11; quench_anneal: 8, 12, 13).
for spec in "ageing 7 10 11" "quench_anneal 8 12 13"; do
  set -- $spec
  [ -f "$TMP/$1/overlap.csv" ] || continue
  awk -F, -v c=$2 -v l=$3 -v h=$4 'function off(a, b) { d = a - b; if (d < 0) d = -d; return d > 1e-9 * (b > 0 ? b : 1) }
    /^#/ || /^[a-zA-Z]/ { next } { seen++
      if (off($l * 5.0238861873148863, $c) || off($h * 0.00098206911717525, $c)) { print "t = " $2 ": chi4 " $c " [" $l ", " $h "]"; bad++ } }
    END { exit bad > 0 || !seen }' "$TMP/$1/overlap.csv" \
    || fail "$1: overlap.csv's chi4_lo/_hi are not chi4's chi-square interval at 1 degree of freedom"
done
# So are heterogeneity's with independent networks (--ensemble=independent; a percentile
# bootstrap over the 2 networks gave [0, chi4_total]): chi4, chi4_total and chi4_between share
# chi4's interval (columns 14, 19-22, 25-26), chi4_within's is [0, 0] (23-24), and a peak's
# is chi4's at t_peak.
hind="$TMP/het-indep"
if "$G" "$SRC/protocols/heterogeneity.lua" --preset=smoke --threads=2 --quiet --plots=false \
    --ensemble=independent --out="$hind" >"$hind.out" 2>&1; then
  awk -F, 'function off(a, b) { d = a - b; if (d < 0) d = -d; return d > 1e-9 * (b > 0 ? b : 1) }
    FNR == 1 { file++ } /^#/ || /^[a-zA-Z]/ { next }
    file == 1 { lo[$2] = $14 / 5.0238861873148863; hi[$2] = $14 / 0.00098206911717525; seen++
      for (c = 19; c <= 25; c += 2) if (c != 23 && (off($c, lo[$2]) || off($(c + 1), hi[$2]))) {
        print "t = " $2 ": chi4 " $14 ", column " c " [" $c ", " $(c + 1) "]"; bad++ }
      if ($23 != 0 || $24 != 0) { print "t = " $2 ": chi4_within [" $23 ", " $24 "]"; bad++ }
      next }
    { peaks++; if (off($5, lo[$3]) || off($6, hi[$3])) { print "peak at " $3 ": [" $5 ", " $6 "]"; bad++ } }
    END { exit bad > 0 || !seen || !peaks }' "$hind/moments.csv" "$hind/chi4_peaks.csv" \
    || fail "heterogeneity --ensemble=independent: chi4's intervals are not the chi-square ones"
  grep -q "chi4\*_lo/_hi: the 95% chi-square interval" "$hind/moments.csv" \
    || fail "heterogeneity --ensemble=independent: moments.csv does not say its chi4 interval"
  grep -q "chi4 peaks \[95% chi-square interval" "$hind/log.txt" \
    || fail "heterogeneity --ensemble=independent: the log does not say the peak's interval"
  # The pooled histogram has its interval over the networks.
  awk -F, '/^#/ || /^T,/ { next } { seen++; if ($7 == "" || $8 == "" || $7 > $6 || $6 > $8) bad++ }
    END { exit bad > 0 || !seen }' "$hind/histogram.csv" \
    || fail "heterogeneity --ensemble=independent: a histogram interval is empty or misses the fraction"
else
  fail "heterogeneity --ensemble=independent failed: $(tail -3 "$hind.out")"
fi
# T > 0 and T = 0 run from the same networks: the drift check has the ratio paired by
# network (a same-basin basin i is network i's copies), here resolving a shift that the
# two separate intervals, which overlap, cannot.
for ens in independent same_basin; do
  if "$G" "$SRC/protocols/heterogeneity.lua" --preset=smoke --threads=2 --quiet --plots=false \
      --ensemble=$ens --T=1e-6 --tmax=300 --hist_lags=300 --out="$hind-drift-$ens" >"$hind.out" 2>&1; then
    grep "drift check: " "$hind-drift-$ens/log.txt" | grep -q "the ratio's paired 95% interval excludes 1" \
      || fail "heterogeneity --ensemble=$ens: no paired drift ratio: $(grep 'drift check' "$hind-drift-$ens/log.txt")"
  else
    fail "heterogeneity --ensemble=$ens --T=1e-6 failed: $(tail -3 "$hind.out")"
  fi
done

# The data rows of each file equal in two run directories (observing, here the loss
# trace, must not change the dynamics).
same_rows() { # what dir1 dir2 file...
  local what=$1 d1=$2 d2=$3 f
  shift 3
  for f; do
    cmp -s <(grep -v '^#' "$d1/$f") <(grep -v '^#' "$d2/$f") \
      || fail "$what changed $f (observing must not change the dynamics)"
  done
}

# quench_anneal --loss_trace (the paper's Fig. A2): observing the loss along the quench and
# the waiting time leaves the trajectories as they were (overlap.csv and tau.csv equal the
# run above, bit for bit); quench.csv runs from step 0 to the quench's end, where its loss is
# state.csv's first row (t = -t_w) at every T; state.csv gains rows with -t_w < t < 0.
q="$TMP/quench_anneal" qt="$TMP/quench_trace"
if [ -f "$q/COMPLETE" ]; then
  if "$G" "$SRC/protocols/quench_anneal.lua" --preset=smoke --threads=2 --quiet --loss_trace=4 \
      --out="$qt" >"$qt.out" 2>&1; then
    same_rows "quench_anneal --loss_trace" "$q" "$qt" overlap.csv tau.csv
    awk -F, '/^#/ || /^epoch,/ { next } { n++; first = first == "" ? $2 : first; last = $2; loss = $5 }
      END { if (n < 4 || first != 0 || last != 5) { printf "rows %d, steps %s..%s\n", n, first, last; exit 1 }
            print loss > "/dev/stderr" }' "$qt/quench.csv" 2>"$TMP/qloss" \
      || fail "quench.csv: expected rows from step 0 to 5 (smoke: 1 epoch of 5 steps)"
    awk -F, -v want="$(cat "$TMP/qloss")" '/^#/ || /^T,/ { next } $3 == -5 { n++; if ($5 != want) bad++ }
      $3 > -5 && $3 < 0 { between++ }
      END { exit !(n == 3 && !bad && between > 0) }' "$qt/state.csv" \
      || fail "state.csv: the state after the quench differs from quench.csv's last row, or no rows before t_w"
    if command -v gnuplot >/dev/null; then
      [ -s "$qt/training.png" ] || fail "quench_anneal --loss_trace: no training.png"
    fi
  else
    fail "quench_anneal --loss_trace=4 failed: $(tail -3 "$qt.out")"
  fi
fi

# ageing --loss_trace: state.csv gains log-spaced rows through the waiting time (smoke:
# t_w = 5, 20; at 5 per decade: t = 1, 2, 3 and 4 before the first t_w, and 10 and 16
# between the two, where the first t_w's lags give 6, 7, 8, 9, 11 and 15), and
# overlap.csv and tau.csv stay as they were.
a="$TMP/ageing" at="$TMP/ageing_trace"
if [ -f "$a/COMPLETE" ]; then
  if "$G" "$SRC/protocols/ageing.lua" --preset=smoke --threads=2 --quiet --loss_trace=5 \
      --out="$at" >"$at.out" 2>&1; then
    same_rows "ageing --loss_trace" "$a" "$at" overlap.csv tau.csv
    awk -F, '/^#/ || /^step,/ { next } $2 > 0 && $2 < 5 { early++ } $2 == 10 || $2 == 16 { mid++ }
      END { exit !(early == 4 && mid == 2) }' "$at/state.csv" \
      || fail "ageing --loss_trace=5: no state rows through the waiting time: $(grep -v '^#' "$at/state.csv" | cut -d, -f2 | tr '\n' ' ')"
    [ "$(grep -vc '^#' "$at/state.csv")" -gt "$(grep -vc '^#' "$a/state.csv")" ] \
      || fail "ageing --loss_trace=5: state.csv has no more rows than without it"
  else
    fail "ageing --loss_trace=5 failed: $(tail -3 "$at.out")"
  fi
fi

# --noise_offset: a run that continues a sweep. The smoke run's T = 1e-3 is its point 2; a
# run of T = 1e-3 alone with --noise_offset=1 has the same networks and the same noise
# stream, so its rows equal the smoke run's at that T, bit for bit.
qo="$TMP/quench_offset"
if [ -f "$q/COMPLETE" ]; then
  if "$G" "$SRC/protocols/quench_anneal.lua" --preset=smoke --threads=2 --quiet --T=0.001 \
      --noise_offset=1 --out="$qo" >"$qo.out" 2>&1; then
    for f in overlap.csv tau.csv; do
      cmp -s <(grep -v '^#' "$q/$f" | awk -F, 'NR == 1 || $1 == 0.001') <(grep -v '^#' "$qo/$f") \
        || fail "quench_anneal --T=0.001 --noise_offset=1: $f differs from the smoke run's T = 0.001 rows"
    done
    grep -q "noise_offset = 1" "$qo/params.lua" || fail "--noise_offset=1 is not in params.lua"
    grep -q "noise_offset" "$q/params.lua" && fail "--noise_offset at its default should be left out of params.lua"
  else
    fail "quench_anneal --noise_offset=1 failed: $(tail -3 "$qo.out")"
  fi
fi

# --dataset=cifar10 (the paper's appendix set) on a made-up CIFAR-10 directory
# (tests/data/fake_cifar10.lua: 5 train batches of 40 rows): quench_anneal runs on its 200
# rows. Without the files the run stops (exit 2) with the loader's message, where it looked
# and how to get them, and no Lua traceback.
fc="$TMP/fake-cifar"
if "$G" "$SRC/tests/data/fake_cifar10.lua" "$fc" 40 >/dev/null; then
  if GLASSVM_DATA="$fc" "$G" "$SRC/protocols/quench_anneal.lua" --preset=smoke --dataset=cifar10 \
      --P=0 --batch=10 --quiet --plots=false --out="$TMP/qa-cifar" >"$TMP/qa-cifar.out" 2>&1; then
    grep -q "data: glass.Dataset CIFAR-10 train: 200 x 10" "$TMP/qa-cifar/log.txt" \
      || fail "--dataset=cifar10: log.txt does not show the 200 CIFAR-10 rows"
  else
    fail "quench_anneal --dataset=cifar10 failed: $(tail -3 "$TMP/qa-cifar.out")"
  fi
else
  fail "tests/data/fake_cifar10.lua failed"
fi
GLASSVM_DATA="$TMP/none" "$G" "$SRC/protocols/quench_anneal.lua" --preset=smoke --dataset=cifar10 \
  --quiet --out="$TMP/qa-nocifar" >"$TMP/nocifar" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--dataset=cifar10 without the files: exit $rc, expected 2"
grep -q "cannot fetch CIFAR-10" "$TMP/nocifar" || fail "no CIFAR-10 files: the message does not say how to get them: $(cat "$TMP/nocifar")"
if grep -q "traceback" "$TMP/nocifar"; then fail "no CIFAR-10 files: a Lua traceback"; fi

# Options: --help, unknown option with a suggestion, bad value, re-running params.lua.
"$G" "$SRC/protocols/ageing.lua" --help >"$TMP/help" 2>&1 || fail "--help exited non-zero"
for s in --T --tw --preset --out --seed --threads --quiet --checkpoint_minutes "one of first, interp" paper; do
  grep -q -- "$s" "$TMP/help" || fail "--help does not mention $s"
done
if "$G" "$SRC/protocols/ageing.lua" --tempreature=1 >"$TMP/unk" 2>&1; then
  fail "an unknown option was accepted"
else
  grep -q "unknown option '--tempreature'" "$TMP/unk" || fail "unknown option not named: $(cat "$TMP/unk")"
fi
if "$G" "$SRC/protocols/ageing.lua" --replica=3 >"$TMP/unk2" 2>&1; then
  fail "a misspelt option was accepted"
else
  grep -q -- "--replicas" "$TMP/unk2" || fail "no suggestion for --replica: $(cat "$TMP/unk2")"
fi
if "$G" "$SRC/protocols/ageing.lua" --T=hot >"$TMP/bad" 2>&1; then
  fail "a non-numeric --T was accepted"
else
  grep -q -- "--T" "$TMP/bad" || fail "bad value not named: $(cat "$TMP/bad")"
fi
# params.lua re-runs the protocol with the same values.
if [ -f "$TMP/ageing/params.lua" ]; then
  "$G" "$TMP/ageing/params.lua" --quiet --out="$TMP/ageing-again" >/dev/null 2>&1 \
    || fail "re-running params.lua failed"
  [ -f "$TMP/ageing-again/COMPLETE" ] || fail "re-run from params.lua did not complete"
  cmp -s "$TMP/ageing/tau.csv" "$TMP/ageing-again/tau.csv" \
    || fail "re-run from params.lua gave a different tau.csv (results must be a pure function of the parameters)"
fi

if [ $fails -gt 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all protocol smoke tests passed"
