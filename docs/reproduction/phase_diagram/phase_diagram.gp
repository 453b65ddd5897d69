# Phase diagram: final loss (geometric mean over 3 inits), P = 5000 (written by glassvm; re-plot: gnuplot phase_diagram.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
set colorbox
set key off box opaque font ',10' spacing 1.1
set title "Phase diagram: final loss (geometric mean over 3 inits), P = 5000"
set xlabel "N/P"
set ylabel "λ"
set logscale x
set format x '10^{%L}'
set cblabel "final loss"
set logscale cb
set format cb '10^{%L}'
set offsets graph 0.05, graph 0.05, graph 0.06, graph 0.06
unset key

set terminal pngcairo size 900,640 font ',12'
set output "phase_diagram.png"
plot "grid.csv" using (column("N_over_P")):(column("lambda")):(column("loss_geomean")) with points lc palette z pt 5 ps 3.5 notitle, \
     "grid.csv" using (column("N_over_P")):(((column("loss_geomean") >= 0.499) ? column("lambda") : NaN)) with points lc rgb "#000000" pt 2 ps 2 notitle
set terminal svg size 900,640 dynamic font ',12'
set output "phase_diagram.svg"
replot
unset output
