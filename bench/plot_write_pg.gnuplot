# plot_write_pg.gnuplot - the bar chart of docs/benchmarks.md's bench_write_pg section.
#
#   build/release/bench/bench_write_pg --data bench_write_pg.dat
#   gnuplot -e "data='bench_write_pg.dat'; out='docs/bench_write_pg.png'" bench/plot_write_pg.gnuplot
#
# Reads the file bench_write_pg --data writes: four blocks (synchronous_commit
# on with 1 client, on with 2, off with 1, off with 2) of lines
# "group" "case" writes/s ratio kind. Draws writes per second on a log scale,
# one bar per case, each labelled with its ratio to the plain UPDATE of its
# group, and a dashed mark over each trail bar where its target lies.

if (!exists("data")) data = 'bench_write_pg.dat'
if (!exists("out")) out = 'bench_write_pg.png'

set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output out

# The targets (issue 16), from the figures (read before any range is set,
# which stats would honour): trail >= the trigger audit (the
# second line of each block), with synchronous_commit on and off, for 1 and
# 2 clients; and trail with 2 clients >= 1.3x trail with 1 (on).
mark(x, y) = sprintf("set arrow from %g,%g to %g,%g nohead dt 2 lw 2.5 lc rgb '#c0392b' front", \
                     x - 0.5, y, x + 0.5, y)
do for [g=0:3] {
    stats data index g every ::1::1 using 3 nooutput
    eval mark(4 * g + 2, STATS_max)
}
stats data index 0 every ::2::2 using 3 nooutput
eval mark(6, 1.3 * STATS_max)

set title "bench_write_pg: audited updates on PostgreSQL, one per transaction, writes per second\nlabels: ratio to the plain UPDATE, same clients and synchronous_commit"
set logscale y
set yrange [100:100000]
set bmargin 5
set format y "%.0s%c"
set ylabel "writes per second (log scale)"
set grid ytics mytics lc rgb "#dddddd"
set style fill solid 0.85 border -1
set boxwidth 0.8
set xrange [-0.8:15.3]
set xtics ("synchronous_commit on\n1 client" 1, "synchronous_commit on\n2 clients" 5, \
           "synchronous_commit off\n1 client" 9, "synchronous_commit off\n2 clients" 13) \
           scale 0 offset 0,-0.3
set key top left vertical maxrows 4 box opaque

# Bar colours by kind: plain, trigger audit, trail.
color(k) = k == 0 ? 0x8c8c8c : k == 1 ? 0xe0a030 : 0x2f9e5a
# Cases sit side by side, the four groups 4 slots apart.
x(g) = 4 * g + column(0)

plot for [g=0:3] data index g using (x(g)):3:(color($5)) with boxes lc rgb variable notitle, \
     for [g=0:3] data index g using (x(g)):($3 * 1.22):(sprintf("%.2fx", $4)) \
         with labels center font ",10" notitle, \
     NaN with boxes lc rgb "#8c8c8c" title "plain UPDATE", \
     NaN with boxes lc rgb "#e0a030" title "trigger audit (context per transaction)", \
     NaN with boxes lc rgb "#2f9e5a" title "trail (shop_customer_update)", \
     NaN with lines dt 2 lw 2.5 lc rgb "#c0392b" title "target for trail"
