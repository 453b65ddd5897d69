# Ageing: Q(t, t_w) at T = 10^{-6} (written by glassvm; re-plot: gnuplot overlap.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Ageing: Q(t, t_w) at T = 10^{-6}"
set xlabel "t (steps after t_w)"
set ylabel "Q(t, t_w)"
set logscale x
set format x '10^{%L}'
set yrange [0.0:1.02]

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "overlap.png".suffix
plot "overlap.csv" using (column("t")):(((abs(column("tw")/300.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/300.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.0000 fs transparent solid 0.2 noborder title "± 1 s.e. over replicas (bands)", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/1000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/1000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.1667 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/2000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/2000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.3333 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/5000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/5000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.5000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/10000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/10000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.6667 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/15000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/15000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.8333 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/30000.0 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("tw")/30000.0 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 1.0000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t")):(((abs(column("tw")/300.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "t_w = 300", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/1000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.1667 pt 7 ps 0.6 title "t_w = 1000", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/2000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.3333 pt 7 ps 0.6 title "t_w = 2000", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/5000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.5000 pt 7 ps 0.6 title "t_w = 5000", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/10000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.6667 pt 7 ps 0.6 title "t_w = 10^{4}", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/15000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.8333 pt 7 ps 0.6 title "t_w = 1.5·10^{4}", \
     "overlap.csv" using (column("t")):(((abs(column("tw")/30000.0 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "t_w = 3·10^{4}", \
     0.9 with lines lc rgb "#777777" dt 2 title "Q = 0.9"
set terminal svg size 900,640 dynamic font ',12'
set output "overlap.svg".suffix
replot
unset output
