# Within basins, T = 3·10^{-5}, Δt = 20000: histogram of log_{10}|Δw| (written by glassvm; re-plot: gnuplot histogram_basins_T1_t20000.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key top left box opaque font ',10' spacing 1.1
set title "Within basins, T = 3·10^{-5}, Δt = 20000: histogram of log_{10}|Δw|"
set xlabel "log_{10}|Δw|"
set ylabel "fraction of the basin's weights"

if (!exists("suffix")) suffix = ""
set terminal pngcairo size 900,640 font ',12'
set output "histogram_basins_T1_t20000.png".suffix
plot "histogram_basins.csv" using (column("log10_dw")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && column("basin") == 0 && abs(column("t")/20000.0 - 1) < 1e-9) ? column("fraction") : NaN)) with lines lc palette frac 0.0000 title "basin 0", \
     "histogram_basins.csv" using (column("log10_dw")):(((abs(column("T")/3.0000000000000001e-05 - 1) < 1e-9 && abs(column("basin")/3.0 - 1) < 1e-9 && abs(column("t")/20000.0 - 1) < 1e-9) ? column("fraction") : NaN)) with lines lc palette frac 1.0000 title "basin 3"
set terminal svg size 900,640 dynamic font ',12'
set output "histogram_basins_T1_t20000.svg".suffix
replot
unset output
