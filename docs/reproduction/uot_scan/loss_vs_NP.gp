# Under- to overparameterised: final loss vs N/P (λ = 0, P = 5000) (written by glassvm; re-plot: gnuplot loss_vs_NP.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Under- to overparameterised: final loss vs N/P (λ = 0, P = 5000)"
set xlabel "N/P"
set ylabel "final training loss"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05

set terminal pngcairo size 900,640 font ',12'
set output "loss_vs_NP.png"
plot "final_loss.csv" using (column("N_over_P")):(column("loss")) with points lc rgb "#9aa7c7" pt 6 ps 0.8 title "one initial condition", \
     "final_loss.csv" using (column("N_over_P")):(((column("loss") == 0) ? (column("loss") < 9.9999999999999998e-17 ? 9.9999999999999998e-17 : column("loss")) : NaN)) with points lc rgb "#c0392b" pt 9 ps 1.2 title "loss exactly 0 (drawn at 10^{-16})", \
     "loss_vs_width.csv" using (column("N_over_P")):(column("loss_geomean")) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "geometric mean"
set terminal svg size 900,640 dynamic font ',12'
set output "loss_vs_NP.svg"
replot
unset output
