# τ_{90} vs T for several χ (ε = σ/χ) (written by glassvm; re-plot: gnuplot tau90.gp)
# tau.csv here is T-major (written before chi_sweep wrote it chi-major): "every 6::i" picks
# chi number i, so that its points are consecutive and joined.
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top right box opaque font ',10' spacing 1.1
set title "τ_{90} vs T for several χ (ε = σ/χ)"
set xlabel "T"
set ylabel "τ_{90} (steps)"
set logscale x
set format x '10^{%L}'
set logscale y
set format y '10^{%L}'

set terminal pngcairo size 900,640 font ',12'
set output "tau90.png"
plot "tau.csv" every 6::0 using (column("T")):(((abs(column("chi")/30.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 0.0000 pt 7 ps 0.6 title "χ = 30", \
     "tau.csv" every 6::1 using (column("T")):(((abs(column("chi")/60.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 0.2000 pt 7 ps 0.6 title "χ = 60", \
     "tau.csv" every 6::2 using (column("T")):(((abs(column("chi")/100.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 0.4000 pt 7 ps 0.6 title "χ = 100", \
     "tau.csv" every 6::3 using (column("T")):(((abs(column("chi")/300.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 0.6000 pt 7 ps 0.6 title "χ = 300", \
     "tau.csv" every 6::4 using (column("T")):(((abs(column("chi")/1000.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 0.8000 pt 7 ps 0.6 title "χ = 1000", \
     "tau.csv" every 6::5 using (column("T")):(((abs(column("chi")/1500.0 - 1) < 1e-9) ? column("tau90") : NaN)) with linespoints lc palette frac 1.0000 pt 7 ps 0.6 title "χ = 1500"
set terminal svg size 900,640 dynamic font ',12'
set output "tau90.svg"
replot
unset output
