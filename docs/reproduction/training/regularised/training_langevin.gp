# Loss after the quench (Langevin at each T) (written by glassvm; re-plot: gnuplot training_langevin.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key outside right top box opaque font ',10' spacing 1.1
set title "Loss after the quench (Langevin at each T)"
set xlabel "steps since the quench's end"
set ylabel "loss (with L2)"
set logscale x
set format x '10^{%L}'
set arrow 1 from 2000, graph 0 to 2000, graph 1 nohead dt 3 lc rgb '#777777'
set label 1 't_w' at 2000, graph 0.97 left offset 0.5,0 textcolor rgb '#555555'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 1200,640 font ',12'
set output "training_langevin.png".suffix
plot "state.csv" using ((column("step")+-50000.0)):(((abs(column("T")/0.0001 - 1) < 1e-9) ? column("loss") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "T = 10^{-4}", \
     "state.csv" using ((column("step")+-50000.0)):(((abs(column("T")/9.9999999999999995e-07 - 1) < 1e-9) ? column("loss") : NaN)) with linespoints lc palette frac 0.5000 pt 7 ps 0.6 title "T = 10^{-6}", \
     "state.csv" using ((column("step")+-50000.0)):(((column("T") == 0) ? column("loss") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 0"
set terminal svg size 1200,640 dynamic font ',12'
set output "training_langevin.svg".suffix
replot
unset output
