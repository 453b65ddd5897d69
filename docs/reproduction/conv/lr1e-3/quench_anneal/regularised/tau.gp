# Decorrelation times vs temperature (written by glassvm; re-plot: gnuplot tau.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top right box opaque font ',10' spacing 1.1
set title "Decorrelation times vs temperature"
set xlabel "T"
set ylabel "τ (steps)"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'
set label 'τ_{90} at T = 0: 3752' at graph 0.02, first 3751.74 point pt 13 ps 1.6 lc rgb '#000000' offset 1.2,0.9

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "tau.png".suffix
plot "tau.csv" using (column("T")):(column("tau90")):(column("tau90_lo")):(column("tau90_hi")) with yerrorlines lc palette frac 0.0000 title "τ_{90} (95% bootstrap)", \
     "tau.csv" using (column("T")):(column("tau_e")):(column("tau_e_lo")):(column("tau_e_hi")) with yerrorlines lc palette frac 1.0000 title "τ_e (95% bootstrap)", \
     "tau.csv" using (column("T")):(column("tau90_free")) with lines lc rgb "#555555" dt 2 title "τ_{90}, free weight (∝ 1/T)"
set terminal svg size 900,640 dynamic font ',12'
set output "tau.svg".suffix
replot
unset output
