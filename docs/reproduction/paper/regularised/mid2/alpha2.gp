# Non-Gaussian parameter α_2(t) (mean over replicas) (written by glassvm; re-plot: gnuplot alpha2.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top left box opaque font ',10' spacing 1.1
set title "Non-Gaussian parameter α_2(t) (mean over replicas)"
set xlabel "t (steps after t_w)"
set ylabel "α_2"
set logscale x
set format x '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "alpha2.png".suffix
plot "moments.csv" using (column("t")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9) ? column("alpha2") : NaN)):(column("alpha2_sem")) with yerrorlines lc palette frac 0.0000 title "T = 3·10^{-5}", \
     0 with lines lc rgb "#777777" dt 2 title "Gaussian"
set terminal svg size 900,640 dynamic font ',12'
set output "alpha2.svg".suffix
replot
unset output
