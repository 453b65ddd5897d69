# Time-temperature superposition: Q against t/τ (written by glassvm; re-plot: gnuplot master.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Time-temperature superposition: Q against t/τ"
set xlabel "t / τ_{90}"
set ylabel "Q"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "master.png".suffix
plot "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/0.0001 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/0.0001 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 1.0000 fs transparent solid 0.2 noborder title "± 1 s.e. over replicas (bands)", \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.7500 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.5000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/3.0000000000000001e-06 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/3.0000000000000001e-06 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.2500 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/9.9999999999999995e-07 - 1) < 1e-9) ? column("Q") : NaN)-column("Q_sem")):(((abs(column("T")/9.9999999999999995e-07 - 1) < 1e-9) ? column("Q") : NaN)+column("Q_sem")) with filledcurves lc palette frac 0.0000 fs transparent solid 0.2 noborder notitle, \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/0.0001 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "T = 10^{-4}", \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.7500 pt 7 ps 0.6 title "T = 3·10^{-5}", \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/1.0000000000000001e-05 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.5000 pt 7 ps 0.6 title "T = 10^{-5}", \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/3.0000000000000001e-06 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.2500 pt 7 ps 0.6 title "T = 3·10^{-6}", \
     "overlap.csv" using (column("t_over_tau")):(((abs(column("T")/9.9999999999999995e-07 - 1) < 1e-9) ? column("Q") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 10^{-6}", \
     (x >= 1 ? 1.11277*x**(-0.466255) : NaN) with lines lc rgb "#000000" dt 2 title "fit: (t/τ)^{-0.47}"
set terminal svg size 900,640 dynamic font ',12'
set output "master.svg".suffix
replot
unset output
