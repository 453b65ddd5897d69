# Fig. 4 redrawn from ../ttsp: (left) Q against t/tau90, every T rescaled by its own tau90
# (T without a tau90 left out), with a power law fitted for t/tau90 >= 1 and the paper's
# exponent -0.48; (right) Q(t_f) against T with a fitted power law, the paper's T^-0.48
# and the harmonic well's Q_inf (Eq. 22). Re-plot: cd docs/reproduction/combined && gnuplot ttsp_fits.gp
load "common.gp"
array Tv[5] = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4]
nT = |Tv|
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
array tau[5]
do for [i = 1:nT] {
  undefine STATS_*
  stats "../ttsp/tau.csv" using (sel(Tv[i]) ? column("tau90") : NaN) nooutput
  tau[i] = NaN
  if (exists("STATS_records")) { tau[i] = STATS_max }
}
# Fits in log-log by least squares (gnuplot's fit on the logarithms).
set fit quiet nolog
m(x) = ma + mb * x
ma = -0.1; mb = -0.5
# the row's tau90 (NaN where its T has none)
taurow(d) = sum [i = 1:nT] (sel(Tv[i]) ? tau[i] : 0)
fit m(x) "../ttsp/master.csv" using \
    ((column("t") / taurow(0) >= 1 && column("Q") > 0) ? log(column("t") / taurow(0)) : NaN):(log(column("Q"))) via ma, mb
q(x) = qa + qb * x
qa = -1; qb = -0.5
fit q(x) "../ttsp/q_final.csv" using (log(column("T"))):(log(column("Q_final"))) via qa, qb
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 1400,560 font ',11'; set output "ttsp_fits.png" } \
  else { set terminal svg size 1400,560 dynamic font ',11'; set output "ttsp_fits.svg" }
  set multiplot layout 1,2
  set logscale xy
  set format x '10^{%L}'
  set format y '10^{%L}'
  set key bottom left box opaque font ',10'
  set xrange [*:*]
  set title "Q against t/τ_{90} (each T by its own τ_{90})"
  set xlabel "t / τ_{90}"
  set ylabel "Q"
  plot for [i = 1:nT] "../ttsp/master.csv" using ((tau[i] == tau[i] && sel(Tv[i])) ? column("t") / tau[i] : NaN):(column("Q")) \
         with linespoints pt 7 ps 0.5 lc palette frac pf(i) title (tau[i] == tau[i] ? sprintf("T = %g, τ_{90} = %.3g", Tv[i], tau[i]) : sprintf("T = %g: τ_{90} < 1 step, left out", Tv[i])), \
       (x >= 1 ? exp(ma) * x**mb : NaN) with lines lw 2 dt 2 lc rgb '#000000' title sprintf("fit, t/τ_{90} ≥ 1: (t/τ_{90})^{%.3f}", mb), \
       (x >= 1 ? exp(ma) * x**(-0.48) : NaN) with lines dt 3 lc rgb '#777777' title "paper: exponent −0.48"
  set title "Q(t_f) against T, t_f = 10^4 steps"
  set xlabel "T"
  set ylabel "Q(t_f)"
  set key bottom left
  set xrange [5e-5:2e-2]
  plot "../ttsp/q_final.csv" using (column("T")):(column("Q_final")):(column("Q_final_sem")) with yerrorbars pt 7 lc rgb '#2c3e9e' title "measured Q(t_f)", \
       exp(qa) * x**qb with lines lc rgb '#2c3e9e' title sprintf("fit: T^{%.3f}", qb), \
       exp(qa) * 1e-3**(qb + 0.48) * x**(-0.48) with lines dt 3 lc rgb '#777777' title "paper: T^{−0.48} (through the fit at T = 10^{-3})", \
       "../ttsp/q_final.csv" using (column("T")):(column("Q_inf_harmonic")) with linespoints dt 2 pt 6 lc rgb '#c0392b' title "harmonic well Q_∞ (k = λ, Eq. 22)"
  unset multiplot
}
unset output
