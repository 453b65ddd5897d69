# Topology trivialisation: final loss vs λ (w = 30, N/P = 0.081) (written by glassvm; re-plot: gnuplot loss_vs_lambda.gp)
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
set key bottom right box opaque font ',10' spacing 1.1
set title "Topology trivialisation: final loss vs λ (w = 30, N/P = 0.081)"
set xlabel "λ"
set ylabel "final training loss"
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05

set terminal pngcairo size 900,640 font ',12'
set output "loss_vs_lambda.png"
plot "final_loss.csv" using (column("lambda")):(column("loss")) with points lc rgb "#9aa7c7" pt 6 ps 0.8 title "one initial condition", \
     "loss_vs_lambda.csv" using (column("lambda")):(column("loss_mean")):(column("loss_sem")) with yerrorlines lc palette frac 0.0000 title "mean ± s.e.", \
     0.5 with lines lc rgb "#c0392b" dt 2 title "trivial minimum W = 0 (loss ½)"
set terminal svg size 900,640 dynamic font ',12'
set output "loss_vs_lambda.svg"
replot
unset output
