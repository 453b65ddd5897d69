# MSD under SGD (λ = 0.01, P = 60000) (written by glassvm; re-plot: gnuplot msd.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom right box opaque font ',10' spacing 1.1
set title "MSD under SGD (λ = 0.01, P = 60000)"
set xlabel "t (steps after t_w)"
set ylabel "MSD"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'

set terminal pngcairo size 900,640 font ',12'
set output "msd.png"
plot "msd.csv" using (column("t")):(((abs(column("batch")/1.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "b = 1", \
     "msd.csv" using (column("t")):(((abs(column("batch")/4.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 0.8000 pt 7 ps 0.6 title "b = 4", \
     "msd.csv" using (column("t")):(((abs(column("batch")/16.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 0.6000 pt 7 ps 0.6 title "b = 16", \
     "msd.csv" using (column("t")):(((abs(column("batch")/64.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 0.4000 pt 7 ps 0.6 title "b = 64", \
     "msd.csv" using (column("t")):(((abs(column("batch")/256.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 0.2000 pt 7 ps 0.6 title "b = 256", \
     "msd.csv" using (column("t")):(((abs(column("batch")/1024.0 - 1) < 1e-9) ? column("msd") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "b = 1024", \
     0.000166667 with lines lc rgb "#000000" title "T/(λP), T = 0.1 (quadratic well)"
set terminal svg size 900,640 dynamic font ',12'
set output "msd.svg"
replot
unset output
