# plot_write.gnuplot - the bar chart of docs/benchmarks.md's bench_write section.
#
#   build/release/bench/bench_write --data bench_write.dat
#   gnuplot -e "data='bench_write.dat'; out='docs/bench_write.png'" bench/plot_write.gnuplot
#
# Reads the file bench_write --data writes: four blocks (NORMAL one write
# per transaction, NORMAL 100 per transaction, FULL one per transaction,
# FULL 100 per transaction) of
# lines "group" "case" writes/s ratio kind. Draws writes per second on a log
# scale, one bar per case, each labelled with its ratio to the plain UPDATE
# one per transaction at the same synchronous setting, and a dashed mark
# over each trail bar where each of its targets lies.

if (!exists("data")) data = 'bench_write.dat'
if (!exists("out")) out = 'bench_write.png'

set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output out

# The targets (issue 16), from the figures (read before any range is set,
# which stats would honour): trail >= the trigger audit in
# every group; trail one per transaction >= 0.40x plain at NORMAL and
# >= 0.70x plain at FULL; trail 100 per transaction >= 1.3x plain one per
# transaction at NORMAL.
stats data index 0 every ::0::0 using 3 nooutput
plain_normal = STATS_max
stats data index 0 every ::2::2 using 3 nooutput
trigger_normal = STATS_max
stats data index 1 every ::1::1 using 3 nooutput
trigger_normal_b = STATS_max
stats data index 2 every ::0::0 using 3 nooutput
plain_full = STATS_max
stats data index 2 every ::2::2 using 3 nooutput
trigger_full = STATS_max
stats data index 3 every ::1::1 using 3 nooutput
trigger_full_b = STATS_max
mark(x, y) = sprintf("set arrow from %g,%g to %g,%g nohead dt 2 lw 2.5 lc rgb '#c0392b' front", \
                     x - 0.5, y, x + 0.5, y)
eval mark(3, trigger_normal)
eval mark(3, 0.40 * plain_normal)
eval mark(7, trigger_normal_b)
eval mark(7, 1.3 * plain_normal)
eval mark(13, trigger_full)
eval mark(13, 0.70 * plain_full)
eval mark(17, trigger_full_b)

set title "bench_write: audited updates on SQLite (WAL), writes per second\nlabels: ratio to the plain UPDATE, one per transaction, same synchronous"
set logscale y
set yrange [300:3000000]
set bmargin 5
set format y "%.0s%c"
set ylabel "writes per second (log scale)"
set grid ytics mytics lc rgb "#dddddd"
set style fill solid 0.85 border -1
set boxwidth 0.8
set xrange [-0.8:18.3]
set xtics ("NORMAL\none write per transaction" 1.5, "NORMAL\n100 writes per transaction" 6, \
           "FULL\none write per transaction" 11.5, "FULL\n100 writes per transaction" 16) \
           scale 0 offset 0,-0.3 font ",9"
set key top right vertical maxrows 5 box opaque

# Bar colours by kind: plain, version-checked, trigger audit, trail.
color(k) = k == 0 ? 0x8c8c8c : k == 1 ? 0x5b8fd1 : k == 2 ? 0xe0a030 : 0x2f9e5a
# Cases sit side by side, the four groups 5 slots apart.
x(g) = 5 * g + column(0)

plot for [g=0:3] data index g using (x(g)):3:(color($5)) with boxes lc rgb variable notitle, \
     for [g=0:3] data index g using (x(g)):($3 * 1.22):(sprintf("%.2fx", $4)) \
         with labels center font ",10" notitle, \
     NaN with boxes lc rgb "#8c8c8c" title "plain UPDATE", \
     NaN with boxes lc rgb "#5b8fd1" title "version-checked UPDATE", \
     NaN with boxes lc rgb "#e0a030" title "trigger audit", \
     NaN with boxes lc rgb "#2f9e5a" title "trail (shop_customer_update)", \
     NaN with lines dt 2 lw 2.5 lc rgb "#c0392b" title "target for trail"
