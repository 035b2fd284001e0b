# plot_write_galera.gnuplot - the bar chart of docs/benchmarks.md's
# "bench_write_mysql --galera" section.
#
#   build/release/bench/bench_write_mysql --galera --data bench_write_galera.dat
#   gnuplot -e "data='bench_write_galera.dat'; out='docs/bench_write_galera.png'" bench/plot_write_galera.gnuplot
#
# Reads the file bench_write_mysql --galera --data writes: three blocks (3
# clients on node 1, 3 clients one per node, contention on 3 hot customers)
# of lines "group" "case" writes/s ratio kind aborts-per-write. Draws writes
# per second on a log scale, one bar per case; the first two groups'
# bars labelled with their ratio to the plain UPDATE of their group, with a
# dashed mark over each trail bar where its target lies (the trigger
# audit's bar, the label above both); the contention's with the nodes' aborts (certification
# failures and brute-force aborts) per successful write.

if (!exists("data")) data = 'bench_write_galera.dat'
if (!exists("out")) out = 'bench_write_galera.png'

set terminal pngcairo size 1000,600 font "sans,11" noenhanced
set output out

set title "bench_write_mysql --galera: audited updates on a 3-node Galera cluster (one machine, 2 cores), writes per second\nlabels: ratio to the plain UPDATE of the group; contention: the nodes' aborts per successful write"
set logscale y
set yrange [10:10000]
set bmargin 5
set format y "%.0s%c"
set ylabel "writes per second (log scale)"
set grid ytics mytics lc rgb "#dddddd"
set style fill solid 0.85 border -1
set boxwidth 0.8
set xrange [-0.8:11.3]
set xtics ("3 clients on node 1" 1, "3 clients, one per node" 5, \
           "contention: one per node,\n3 hot customers" 9) scale 0 offset 0,-0.3 font ",10"
set key top right vertical maxrows 4 box opaque

# The target, from the figures: trail >= the trigger audit (the second line
# of each of the first two blocks).
mark(x, y) = sprintf("set arrow from %g,%g to %g,%g nohead dt 2 lw 2.5 lc rgb '#c0392b' front", \
                     x - 0.5, y, x + 0.5, y)
do for [g=0:1] {
    stats data index g every ::1::1 using 3 nooutput
    eval mark(4 * g + 2, STATS_max)
    eval sprintf("target%d = %g", g, STATS_max)
}
# A trail bar's label goes above its target's mark when that is higher.
top(g, y, k) = k == 2 && value(sprintf("target%d", g)) > y ? value(sprintf("target%d", g)) : y

# Bar colours by kind: plain, trigger audit, trail.
color(k) = k == 0 ? 0x8c8c8c : k == 1 ? 0xe0a030 : 0x2f9e5a
# Cases sit side by side, the groups 4 slots apart.
x(g) = 4 * g + column(0)

plot for [g=0:2] data index g using (x(g)):3:(color($5)) with boxes lc rgb variable notitle, \
     for [g=0:1] data index g using (x(g)):(top(g, $3, $5) * 1.22):(sprintf("%.2fx", $4)) \
         with labels center font ",10" notitle, \
     data index 2 using (x(2)):($3 * 1.22):(sprintf("%.2f", $6)) \
         with labels center font ",10" notitle, \
     NaN with boxes lc rgb "#8c8c8c" title "plain UPDATE", \
     NaN with boxes lc rgb "#e0a030" title "trigger audit (context per transaction)", \
     NaN with boxes lc rgb "#2f9e5a" title "trail (shop_customer_update)", \
     NaN with lines dt 2 lw 2.5 lc rgb "#c0392b" title "target for trail"
