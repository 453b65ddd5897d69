# Overlap Q(t) of each basin (colour: T; dash: basin) (written by glassvm; re-plot: gnuplot overlap_basins.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Overlap Q(t) of each basin (colour: T; dash: basin)"
set xlabel "t (steps after t_w)"
set ylabel "Q"
set logscale x
set format x '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "overlap_basins.png".suffix
plot "overlap_basins.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && column("basin") == 0) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 3·10^{-5}, basin 0", \
     "overlap_basins.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && abs(column("basin")/3.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 dt 2 pt 7 ps 0.6 title "T = 3·10^{-5}, basin 3"
set terminal svg size 900,640 dynamic font ',12'
set output "overlap_basins.svg".suffix
replot
unset output
