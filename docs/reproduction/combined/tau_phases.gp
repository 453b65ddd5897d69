# tau90 vs T in the three phases (the overparameterised one at N/P = 2.4 and 0.44) and on Fashion-MNIST (points), the free weight's tau90
# (dashed, prop. to 1/T) and tau90 at T = 0 (a diamond at the left edge: T = 0 has no place
# on the log T axis, and a line across all T would read as a measurement at every T).
# Re-plot: cd docs/reproduction/combined && gnuplot tau_phases.gp
load "common.gp"
runs = "regularised underparameterised overparameterised fashion overparameterised_np045"
titles = "'regularised, MNIST' 'underparameterised, MNIST' 'overparameterised N/P = 2.4, MNIST' 'regularised, Fashion-MNIST' 'overparameterised N/P = 0.44, MNIST'"
array col[5] = ['#2c3e9e', '#c0392b', '#1fa187', '#f4a11d', '#8e44ad']
array tau0[5]
do for [k = 1:5] {
  f = "../quench_anneal/" . word(runs, k) . "/tau.csv"
  undefine STATS_*
  stats f using (column("T") == 0 ? column("tau90") : NaN) nooutput
  tau0[k] = NaN
  if (exists("STATS_records")) { tau0[k] = STATS_max }
}
do for [k = 1:5] {
  if (tau0[k] == tau0[k]) { set label k "" at graph 0.012, first tau0[k] point pt 13 ps 1.5 lc rgb col[k] }
}
# The paper's T*: its Fig. 2b takes T = 1e-4 as noise-dominated and 1e-6 as
# landscape-dominated (its units, P = 60000), so T* lies between; at P = 5000 the noise
# maps T_paper = 12 T: the band 8.3e-8 ... 8.3e-6 here (shaded).
set object 1 rect from 1e-6/12, graph 0 to 1e-4/12, graph 1 behind fc rgb '#ececec' fs solid noborder
set label 20 "paper's T* (÷12)" at 1e-6/12, graph 0.04 offset 0.5,0 font ',9' tc rgb '#777777'
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 900,640 font ',12'; set output "tau_phases.png" } \
  else { set terminal svg size 900,640 dynamic font ',12'; set output "tau_phases.svg" }
  set title "τ_{90} vs T: points, glassvm; dashed, free weight; diamonds, τ_{90} at T = 0"
  set logscale xy
  set format x '10^{%L}'
  set format y '10^{%L}'
  set xlabel "T"
  set ylabel "τ_{90} (steps)"
  set xrange [5e-9:2e-2]
  set key top right box opaque font ',10'
  plot for [k = 1:5] "../quench_anneal/" . word(runs, k) . "/tau.csv" using (column("T")):(column("tau90")) \
         with linespoints pt 7 ps 0.8 lc rgb col[k] title word(titles, k), \
       for [k = 1:5] "../quench_anneal/" . word(runs, k) . "/tau.csv" using (column("T")):(column("tau90_free")) \
         with lines dt 2 lc rgb col[k] notitle,
}
unset output
