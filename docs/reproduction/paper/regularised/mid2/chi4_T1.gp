# χ_4(t) = N·Var[Q(t)] at T = 3·10^{-5} (bands: 95% bootstrap over basins) (written by glassvm; re-plot: gnuplot chi4_T1.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top left box opaque font ',10' spacing 1.1
set title "χ_4(t) = N·Var[Q(t)] at T = 3·10^{-5} (bands: 95% bootstrap over basins)"
set xlabel "t (steps after t_w)"
set ylabel "χ_4"
set logscale x
set format x '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "chi4_T1.png".suffix
plot "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_total_lo") : NaN)):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_total_hi") : NaN)) with filledcurves lc rgb "#000000" fs transparent solid 0.2 noborder notitle, \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_within_lo") : NaN)):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_within_hi") : NaN)) with filledcurves lc rgb "#d62728" fs transparent solid 0.2 noborder notitle, \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_between_lo") : NaN)):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_between_hi") : NaN)) with filledcurves lc rgb "#1f77b4" fs transparent solid 0.2 noborder notitle, \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_total") : NaN)) with linespoints lc rgb "#000000" pt 7 ps 0.6 title "χ_4 total", \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_within") : NaN)) with linespoints lc rgb "#d62728" pt 7 ps 0.6 title "χ_4 within basins (thermal)", \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_between") : NaN)) with linespoints lc rgb "#1f77b4" pt 7 ps 0.6 title "χ_4 between basins", \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("chi4_null") : NaN)) with linespoints lc rgb "#777777" dt 2 pt 7 ps 0.6 title "independent weights (null)"
set terminal svg size 900,640 dynamic font ',12'
set output "chi4_T1.svg".suffix
replot
unset output
