# χ_4(t) = N·Var[Q(t)] at T = 0 (bands: 95% bootstrap over basins) (written by glassvm; re-plot: gnuplot chi4_T1.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top left box opaque font ',10' spacing 1.1
set title "χ_4(t) = N·Var[Q(t)] at T = 0 (bands: 95% bootstrap over basins)"
set xlabel "t (steps after t_w)"
set ylabel "χ_4"
set logscale x
set format x '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "chi4_T1.png".suffix
plot "moments.csv" using (column("t")):(((column("T") == 0) ? column("chi4_lo") : NaN)):(((column("T") == 0) ? column("chi4_hi") : NaN)) with filledcurves lc rgb "#000000" fs transparent solid 0.2 noborder notitle, \
     "moments.csv" using (column("t")):(((column("T") == 0) ? column("chi4") : NaN)) with linespoints lc rgb "#000000" pt 7 ps 0.6 title "χ_4 (independent networks)", \
     "moments.csv" using (column("t")):(((column("T") == 0) ? column("chi4_null") : NaN)) with linespoints lc rgb "#777777" dt 2 pt 7 ps 0.6 title "independent weights (null)"
set terminal svg size 900,640 dynamic font ',12'
set output "chi4_T1.svg".suffix
replot
unset output
