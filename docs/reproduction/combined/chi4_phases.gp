# chi4(t) = N Var[Q(t)] in the three phases, with the independent-weight null model
# chi4 = Q(1 - Q) (each weight an independent Bernoulli(Q), as for free weights) dashed.
# Re-plot: cd docs/reproduction/combined && gnuplot chi4_phases.gp
load "common.gp"
array Tv[4] = [1e-3, 1e-4, 1e-5, 1e-6]
nT = |Tv|
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
phases = "regularised underparameterised overparameterised"
titles = "'regularised (w = 30, λ = 10^{-2})' 'underparameterised (w = 8, λ = 0)' 'overparameterised (w = 30, λ = 0, P = 2000)'"
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 1500,520 font ',11'; set output "chi4_phases.png" } \
  else { set terminal svg size 1500,520 dynamic font ',11'; set output "chi4_phases.svg" }
  set multiplot layout 1,3 title "χ_4(t) = N·Var[Q(t)] over replicas (solid) and the independent-weight null model Q(1−Q) (dashed)"
  set logscale xy
  set format x '10^{%L}'
  set format y '10^{%L}'
  set xlabel "t (steps after t_w)"
  set ylabel "χ_4"
  set key top left box opaque font ',9'
  do for [k = 1:3] {
    f = "../heterogeneity/" . word(phases, k) . "/moments.csv"
    set title word(titles, k)
    plot for [i = 1:nT] f using (sel(Tv[i]) ? column("t") : NaN):(column("chi4")) \
           with lines lw 2 lc palette frac pf(i) title sprintf("T = %g", Tv[i]), \
         for [i = 1:nT] f using (sel(Tv[i]) ? column("t") : NaN):(column("Q") * (1 - column("Q"))) \
           with lines dt 2 lc palette frac pf(i) notitle
  }
  unset multiplot
}
unset output
