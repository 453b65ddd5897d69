# Q(t) after the quench, one curve per T (written by glassvm; re-plot: gnuplot overlap.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key outside right top box opaque font ',10' spacing 1.1
set title "Q(t) after the quench, one curve per T"
set xlabel "t (steps after t_w)"
set ylabel "Q(t)"
set logscale x
set format x '10^{%L}'
set yrange [0.0:1.02]

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 1200,640 font ',12'
set output "overlap.png".suffix
plot "overlap.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 1.0000 fs transparent solid 0.2 noborder title "± 1 s.e. over replicas (bands)", \
     "overlap.csv" using (column("t")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.5000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((column("T") == 0) ? column("Q") : NaN)-column("Q_sem")):(((column("T") == 0) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.0000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "T = 3·10^{-5}", \
     "overlap.csv" using (column("t")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.5000 pt 7 ps 0.6 title "T = 10^{-5}", \
     "overlap.csv" using (column("t")):(((column("T") == 0) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 0", \
     "null.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q_free") : NaN)) with lines lc palette frac 1.0000 dt 2 title "free weight, same T (null model)", \
     "null.csv" using (column("t")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q_free") : NaN)) with lines lc palette frac 0.5000 dt 2 notitle, \
     0.9 with lines lc rgb "#777777" dt 3 title "Q = 0.9"
set terminal svg size 1200,640 dynamic font ',12'
set output "overlap.svg".suffix
replot
unset output
