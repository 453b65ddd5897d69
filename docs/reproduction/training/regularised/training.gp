# Loss along the protocol: SGD quench, then Langevin (written by glassvm; re-plot: gnuplot training.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key outside right top box opaque font ',10' spacing 1.1
set title "Loss along the protocol: SGD quench, then Langevin"
set xlabel "steps since the initialisation"
set ylabel "loss (with L2)"
set logscale y
set format y '10^{%L}'
set arrow 1 from 50000, graph 0 to 50000, graph 1 nohead dt 3 lc rgb '#777777'
set label 1 'quench ends' at 50000, graph 0.97 right offset -0.5,0 textcolor rgb '#555555'
set arrow 2 from 52000, graph 0 to 52000, graph 1 nohead dt 3 lc rgb '#777777'
set label 2 't_w' at 52000, graph 0.97 left offset 0.5,0 textcolor rgb '#555555'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 1200,640 font ',12'
set output "training.png".suffix
plot "quench.csv" using (column("step")):((column("loss") < 9.9999999999999998e-17 ? 9.9999999999999998e-17 : column("loss"))) with linespoints lc rgb "#000000" pt 7 ps 0.6 title "SGD quench", \
     "state.csv" using (column("step")):(((abs(column("T")/0.0001 - 1) < 1e-9) ? (column("loss") < 9.9999999999999998e-17 ? 9.9999999999999998e-17 : column("loss")) : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "T = 10^{-4}", \
     "state.csv" using (column("step")):(((abs(column("T")/9.9999999999999995e-07 - 1) < 1e-9) ? (column("loss") < 9.9999999999999998e-17 ? 9.9999999999999998e-17 : column("loss")) : NaN)) with linespoints lc palette frac 0.5000 pt 7 ps 0.6 title "T = 10^{-6}", \
     "state.csv" using (column("step")):(((column("T") == 0) ? (column("loss") < 9.9999999999999998e-17 ? 9.9999999999999998e-17 : column("loss")) : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "T = 0"
set terminal svg size 1200,640 dynamic font ',12'
set output "training.svg".suffix
replot
unset output
