# Histograms of log10|dw| after dt = 10000 steps in the three phases (solid), with the free
# weight's distribution at the same T (dashed): dw Gaussian with variance 2Dt, D = mu T/P,
# so a bin of width h in u = log10|dw| holds h ln10 x sqrt(2/pi)/s exp(-x^2/(2 s^2)),
# x = 10^u, s^2 = 2 mu T t / P. Re-plot: cd docs/reproduction/combined && gnuplot histogram_phases.gp
load "common.gp"
array Tv[4] = [1e-3, 1e-4, 1e-5, 1e-6]
nT = |Tv|
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
dt = 10000
mu = 0.01
h = 0.1
array Pv[3] = [5000, 5000, 2000]
free(u, T, P) = (s = sqrt(2 * mu * T * dt / P), x = 10**u, h * log(10) * x * sqrt(2 / pi) / s * exp(-x**2 / (2 * s**2)))
phases = "regularised underparameterised overparameterised"
titles = "'regularised (w = 30, λ = 10^{-2})' 'underparameterised (w = 8, λ = 0)' 'overparameterised (w = 30, λ = 0, P = 2000)'"
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 1500,520 font ',11'; set output "histogram_phases.png" } \
  else { set terminal svg size 1500,520 dynamic font ',11'; set output "histogram_phases.svg" }
  set multiplot layout 1,3 title sprintf("log_{10}|Δw| after Δt = %d steps (solid) and the free weight at the same T (dashed)", dt)
  set xlabel "log_{10}|Δw|"
  set ylabel "fraction of weights per bin (width 0.1)"
  set xrange [-9:-1]
  set yrange [0:*]
  set samples 400
  set key top left box opaque font ',9'
  do for [k = 1:3] {
    f = "../heterogeneity/" . word(phases, k) . "/histogram.csv"
    set title word(titles, k)
    P = Pv[k]
    plot for [i = 1:nT] f using (sel(Tv[i]) && column("t") == dt ? column("log10_dw") : NaN):(column("fraction")) \
           with lines lw 2 lc palette frac pf(i) title sprintf("T = %g", Tv[i]), \
         for [i = 1:nT] free(x, Tv[i], P) with lines dt 2 lc palette frac pf(i) notitle
  }
  unset multiplot
}
unset output
