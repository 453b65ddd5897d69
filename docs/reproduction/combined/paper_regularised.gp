# The regularised phase on the paper's system (../paper/regularised/low, /mid, /mid2 and /high: w = 30,
# lambda = 1e-2, P = 60000, lr = 1e-2, T as the paper's, one step = ten of the paper's).
# Left: Q(t) of each T (solid: the ensemble's mean; dashed: each basin's own, from
# overlap_basins.csv) with the free weight's erf(eps / sqrt(4 D t)) at that T (thin black).
# Right: tau90 against T in the paper's units (T_paper, t_paper = 10 t), the ensemble's
# with its 95 % bootstrap interval over basins, each basin's, the free weight's, and the
# regularised tau90(T) of the reduced scale (../quench_anneal/regularised, P = 5000:
# T_paper = 12 T) for comparison; the band is the paper's T* range (1e-6 ... 1e-4, Fig. 2b).
# Basins are labelled by replica number (below 12 in these runs). A run not yet finished
# is left out. Re-plot: cd docs/reproduction/combined && gnuplot paper_regularised.gp
load "common.gp"
base = "../paper/regularised/"
parts = "low mid mid2 high" # run.sh's runs of paper/regularised
have(part) = system(sprintf("[ -f %s%s/COMPLETE ] && echo 1 || echo 0", base, part)) + 0
array Tv[6] = [1e-3, 1e-4, 3e-5, 1e-5, 1e-6, 0]
array part[6] = ["high", "high", "mid2", "mid", "low", "low"]
nT = |Tv|
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
array eps[6]
array D[6]
array ok[6]
do for [i = 1:nT] {
  ok[i] = have(part[i])
  eps[i] = NaN
  D[i] = NaN
  if (ok[i]) {
    undefine STATS_*
    stats base.part[i]."/tau.csv" using (sel(Tv[i]) ? column("eps") : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { eps[i] = STATS_max }
    undefine STATS_*
    stats base.part[i]."/tau.csv" using (sel(Tv[i]) ? column("D") : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { D[i] = STATS_max }
  }
}
file(i, f) = ok[i] ? base.part[i]."/".f : "/dev/null"
x90 = inverf(0.9)
set samples 400
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 1400,620 font ',12'; set output "paper_regularised.png" } \
  else { set terminal svg size 1400,620 dynamic font ',12'; set output "paper_regularised.svg" }
  set multiplot layout 1,2 title "Regularised phase on the paper's system (w = 30, λ = 10^{-2}, P = 60000)"
  set title "Q(t) after t_w (dashed: each basin; thin black: the free weight)"
  unset logscale
  set format y '%g'
  set logscale x
  set format x '10^{%L}'
  set xlabel "t (steps at lr = 10^{-2} after t_w)"
  set ylabel "Q"
  set xrange [1:30000]
  set yrange [0:1.02]
  set key bottom left box opaque font ',10'
  plot for [i = 1:nT] file(i, "moments.csv") using (sel(Tv[i]) ? column("t") : NaN):(column("Q")) \
         with lines lw 2 lc palette frac pf(i) title sprintf("T = %g", Tv[i]), \
       for [i = 1:nT] for [b = 0:11] file(i, "overlap_basins.csv") \
         using ((sel(Tv[i]) && column("basin") == b) ? column("t") : NaN):(column("Q")) \
         with lines lw 1 dt 2 lc palette frac pf(i) notitle, \
       for [i = 1:nT] (ok[i] && Tv[i] > 0 && eps[i] == eps[i] ? erf(eps[i] / sqrt(4 * D[i] * x)) : NaN) \
         with lines lw 1 lc rgb '#000000' notitle
  set title "τ_{90} against T in the paper's units (t_{paper} = 10 t; T = 0 at the left edge)"
  set xlabel "T_{paper}"
  set ylabel "τ_{90} (paper steps)"
  set xrange [1e-7:1e-1]
  set yrange [10:1e7]
  set logscale xy
  set format y '10^{%L}'
  set key top right box opaque font ',10'
  set object 1 rect from 1e-6, graph 0 to 1e-4, graph 1 fc rgb '#eeeeee' fs solid 0.6 noborder behind
  # T = 0 has no place on a log axis: drawn at T_paper = 2e-7 (the left edge)
  tx(T) = T > 0 ? T : 2e-7
  plot for [p in parts] (have(p) ? base.p."/tau.csv" : "/dev/null") \
         using (tx(column("T"))):(10 * column("tau90")):(10 * column("tau90_lo")):(10 * column("tau90_hi")) \
         with yerrorbars pt 7 ps 1.2 lc rgb '#c0392b' title (p eq "low" ? "P = 60000: ensemble (95 % bootstrap over basins)" : ""), \
       for [p in parts] (have(p) ? base.p."/tau_basins.csv" : "/dev/null") \
         using (tx(column("T")) * 1.15):(10 * column("tau90")) \
         with points pt 6 ps 1.2 lc rgb '#c0392b' title (p eq "low" ? "P = 60000: each basin" : ""), \
       for [p in parts] (have(p) ? base.p."/tau.csv" : "/dev/null") \
         using (column("T") > 0 ? column("T") : NaN):(10 * column("tau90_free")) \
         with linespoints dt 2 pt 2 lc rgb '#000000' title (p eq "low" ? "P = 60000: free weight" : ""), \
       "../quench_anneal/regularised/tau.csv" using (column("T") > 0 ? 12 * column("T") : 2e-7):(10 * column("tau90")) \
         with linespoints pt 5 ps 0.8 lc rgb '#2c3e9e' title "P = 5000 (T_{paper} = 12 T)"
  unset object 1
  unset multiplot
}
unset output
