# Q(t_f) vs T and the harmonic-well Q_∞ (written by glassvm; re-plot: gnuplot q_final.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom left box opaque font ',10' spacing 1.1
set title "Q(t_f) vs T and the harmonic-well Q_∞"
set xlabel "T"
set ylabel "Q(t_f)"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "q_final.png".suffix
plot "q_final.csv" using (column("T")):(column("Q_final")):(column("Q_final_lo")):(column("Q_final_hi")) with yerrorlines lc palette frac 0.0000 title "measured Q(t_f) (95% bootstrap)", \
     "q_final.csv" using (column("T")):(column("Q_inf_harmonic")) with linespoints lc palette frac 1.0000 dt 2 pt 7 ps 0.6 title "harmonic well (k = λ), Eq. 22"
set terminal svg size 900,640 dynamic font ',12'
set output "q_final.svg".suffix
replot
unset output
