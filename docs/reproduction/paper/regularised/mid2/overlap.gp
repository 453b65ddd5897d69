# Overlap Q(t) after t_w (mean over replicas; bands: ± s.e.) (written by glassvm; re-plot: gnuplot overlap.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Overlap Q(t) after t_w (mean over replicas; bands: ± s.e.)"
set xlabel "t (steps after t_w)"
set ylabel "Q"
set logscale x
set format x '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "overlap.png".suffix
plot "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.0000 fs transparent solid 0.2 noborder notitle, \
     "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 3·10^{-5}"
set terminal svg size 900,640 dynamic font ',12'
set output "overlap.svg".suffix
replot
unset output
