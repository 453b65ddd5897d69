# Displacements on the paper's system (../paper/regularised/low, /mid, /mid2 and /high): the histogram of
# log10|dw| over every weight and noise copy (the paper's Figs. 7d, e) at T = 1e-3, 1e-4, 3e-5, 1e-5
# and 1e-6 after dt = 2000 and 2e4 steps, each with the L2 well's null model on the same axes
# (thin black): a free weight in the harmonic well lambda |w|^2 / 2 from equilibrium, whose
# dw is Gaussian of variance s^2 = 2T/(lambda P) (1 - exp(-lr lambda t)), so that the
# fraction of weights per bin of width h in u = log10|dw| is
# h ln(10) 10^u 2 phi(10^u / s) / s. A run not yet finished is left out.
# Re-plot: cd docs/reproduction/combined && gnuplot paper_histogram.gp
load "common.gp"
base = "../paper/regularised/"
have(part) = system(sprintf("[ -f %s%s/COMPLETE ] && echo 1 || echo 0", base, part)) + 0
array Tv[5] = [1e-3, 1e-4, 3e-5, 1e-5, 1e-6]
array part[5] = ["high", "high", "mid2", "mid", "low"]
array ok[5]
do for [i = 1:5] { ok[i] = have(part[i]) }
nT = 5
pf(i) = 1.0 - (i - 1.0) / (nT - 1.0)
lambda = 1e-2; P = 60000; lr = 1e-2; h = 0.1
s2(T, t) = 2 * T / (lambda * P) * (1 - exp(-lr * lambda * t))
well(u, T, t) = h * log(10) * 10**u * 2 * exp(-10**(2 * u) / (2 * s2(T, t))) / sqrt(2 * pi * s2(T, t))
file(i) = ok[i] ? base.part[i]."/histogram.csv" : "/dev/null"
set samples 500
array lag[2] = [2000, 20000]
do for [term = 1:2] {
  if (term == 1) { set terminal pngcairo size 1400,560 font ',12'; set output "paper_histogram.png" } \
  else { set terminal svg size 1400,560 dynamic font ',12'; set output "paper_histogram.svg" }
  set multiplot layout 1,2 title "log_{10}|Δw| on the paper's system (w = 30, λ = 10^{-2}, P = 60000; thin black: the L2 well's Gaussian)"
  do for [k = 1:2] {
    set title sprintf("Δt = %d steps (%d of the paper's)", lag[k], 10 * lag[k])
    set xlabel "log_{10}|Δw|"
    set ylabel "fraction of weights per 0.1 decade"
    set xrange [-7:-1]
    set yrange [0:0.14]
    set key top left box opaque font ',10'
    plot for [i = 1:nT] file(i) using (sel(Tv[i]) && abs(column("t") / lag[k] - 1) < 1e-9 ? column("log10_dw") : NaN):(column("fraction")) \
           with lines lw 2 lc palette frac pf(i) title sprintf("T = %g", Tv[i]), \
         for [i = 1:nT] (ok[i] ? well(x, Tv[i], lag[k]) : NaN) with lines lw 1 lc rgb '#000000' notitle
  }
  unset multiplot
}
unset output
