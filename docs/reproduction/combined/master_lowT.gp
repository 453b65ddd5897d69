# The regularised Q(t) of quench_anneal at every T, rescaled by its own tau90 (from
# ../quench_anneal/regularised), against the free weight's erf(x90 sqrt(tau90/t))
# (dashed; erf(x90) = 0.9): the noise-dominated curves lie on it, the landscape-dominated
# ones (T <= 1e-6, blue) above it from t ~ 1.5 tau90 on. The dotted line marks t = 10 tau90,
# where analyse.lua compares them. Re-plot: cd docs/reproduction/combined && gnuplot master_lowT.gp
load "common.gp"
array Tv[9] = [3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6, 1e-8, 0]
nT = |Tv|
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
array tau[9]
do for [i = 1:nT] {
  undefine STATS_*
  stats "../quench_anneal/regularised/tau.csv" using (sel(Tv[i]) ? column("tau90") : NaN) nooutput
  tau[i] = NaN
  if (exists("STATS_records")) { tau[i] = STATS_max }
}
x90 = inverf(0.9)
set samples 400
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 900,640 font ',12'; set output "master_lowT.png" } \
  else { set terminal svg size 900,640 dynamic font ',12'; set output "master_lowT.svg" }
  set title "Regularised Q against t/τ_{90} at every T (P = 5000); dashed: free weight"
  set logscale x
  set format x '10^{%L}'
  set xlabel "t / τ_{90}"
  set ylabel "Q"
  set xrange [0.1:30]
  set yrange [0:1.02]
  set key outside right top box opaque font ',10'
  set arrow 1 from 10, graph 0 to 10, graph 1 nohead dt 3 lc rgb '#777777'
  plot for [i = 1:nT] "../quench_anneal/regularised/overlap.csv" using ((tau[i] == tau[i] && sel(Tv[i])) ? column("t") / tau[i] : NaN):(column("Q")) \
         with linespoints pt 7 ps 0.4 lc palette frac pf(i) title sprintf("T = %g", Tv[i]), \
       erf(x90 / sqrt(x)) with lines lw 2 dt 2 lc rgb '#000000' title "free weight"
}
unset output
