# Displacements after Δt = 2000 steps: histogram of log_{10}|Δw| (bands: 95% bootstrap over basins) (written by glassvm; re-plot: gnuplot histogram_t2000.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top left box opaque font ',10' spacing 1.1
set title "Displacements after Δt = 2000 steps: histogram of log_{10}|Δw| (bands: 95% bootstrap over basins)"
set xlabel "log_{10}|Δw|"
set ylabel "fraction of weights"

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "histogram_t2000.png".suffix
plot "histogram.csv" using (column("log10_dw")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && abs(column("t")/2000.0 - 1) < 1e-9) ? column("fraction_lo") : NaN)):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && abs(column("t")/2000.0 - 1) < 1e-9) ? column("fraction_hi") : NaN)) with filledcurves lc palette frac 0.0000 fs transparent solid 0.2 noborder notitle, \
     "histogram.csv" using (column("log10_dw")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && abs(column("t")/2000.0 - 1) < 1e-9) ? column("fraction") : NaN)) with lines lc palette frac 0.0000 title "T = 3·10^{-5}"
set terminal svg size 900,640 dynamic font ',12'
set output "histogram_t2000.svg".suffix
replot
unset output
