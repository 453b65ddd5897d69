# Shared settings of the combined figures (the style of glassvm's own plots).
set datafile separator ","
set datafile commentschars "#"
set encoding utf8
set termoption enhanced
set grid lc rgb '#dddddd'
set palette defined (0 '#2c3e9e', 0.35 '#1fa187', 0.7 '#f4a11d', 1 '#c0392b')
unset colorbox
# sel(T0): true on rows of column T equal to T0 (relative tolerance).
sel(T0) = (T0 == 0 ? column("T") == 0 : abs(column("T") / T0 - 1) < 1e-6)
