# Fig. A1 redrawn from ../chi_sweep/tau.csv with each chi's points joined (the protocol's
# own tau90.png leaves them unconnected), and the free weight's tau90 for the same eps
# (dashed): Q = erf(eps/sqrt(4Dt)) = 0.9 at t = eps^2 / (4 D inverf(0.9)^2), D = mu T/P.
# Re-plot: cd docs/reproduction/combined && gnuplot chi_sweep.gp
load "common.gp"
array chis[6] = [30, 60, 100, 300, 1000, 1500]
nc = |chis|
pf(i) = (i - 1.0) / (nc - 1.0)
mu = 0.01
P = 5000
selc(c) = abs(column("chi") / c - 1) < 1e-6
# tau.csv holds one row per (T, chi), T-major, chis in this order: "every nc::(i - 1)"
# picks chi number i (selc() checks it), so each chi's points are consecutive and joined.
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 900,640 font ',12'; set output "chi_sweep.png" } \
  else { set terminal svg size 900,640 dynamic font ',12'; set output "chi_sweep.svg" }
  set title "τ_{90} vs T for several χ (ε = σ/χ); dashed: free weight with the same ε"
  set logscale xy
  set format x '10^{%L}'
  set format y '10^{%L}'
  set xlabel "T"
  set ylabel "τ_{90} (steps)"
  set xrange [5e-7:2e-2]
  set yrange [0.5:1e4]
  set key bottom left box opaque font ',10'
  plot for [i = 1:nc] "../chi_sweep/tau.csv" every nc::(i - 1) using (column("T")):(selc(chis[i]) ? column("tau90") : NaN) \
         with linespoints pt 7 ps 0.7 lc palette frac pf(i) title sprintf("χ = %g", chis[i]), \
       for [i = 1:nc] "../chi_sweep/tau.csv" every nc::(i - 1) using (column("T")):(selc(chis[i]) ? column("eps")**2 / (4 * inverf(0.9)**2 * mu * column("T") / P) : NaN) \
         with lines dt 2 lc palette frac pf(i) notitle
}
unset output
