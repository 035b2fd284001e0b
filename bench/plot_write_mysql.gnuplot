# plot_write_mysql.gnuplot - the bar chart of docs/benchmarks.md's bench_write_mysql section.
#
#   build/release/bench/bench_write_mysql --data bench_write_mysql.dat
#   gnuplot -e "data='bench_write_mysql.dat'; out='docs/bench_write_mysql.png'" bench/plot_write_mysql.gnuplot
#
# Reads the file bench_write_mysql --data writes: four blocks
# (innodb_flush_log_at_trx_commit 1 with 1 client, 1 with 2, 2 with 1, 2
# with 2) of lines "group" "case" writes/s ratio kind. Draws writes per
# second on a log scale, one bar per case, each labelled with its ratio to
# the plain UPDATE of its group, and a dashed mark over each trail bar where
# its target lies. (A --url run writes only the first two blocks: not for
# this chart.)

if (!exists("data")) data = 'bench_write_mysql.dat'
if (!exists("out")) out = 'bench_write_mysql.png'

set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output out

set title "bench_write_mysql: audited updates on MariaDB, one per transaction, writes per second\nlabels: ratio to the plain UPDATE, same clients and innodb_flush_log_at_trx_commit"
set logscale y
set yrange [100:100000]
set bmargin 5
set format y "%.0s%c"
set ylabel "writes per second (log scale)"
set grid ytics mytics lc rgb "#dddddd"
set style fill solid 0.85 border -1
set boxwidth 0.8
set xrange [-0.8:15.3]
set xtics ("innodb_flush_log_at_trx_commit=1\n1 client" 1, "innodb_flush_log_at_trx_commit=1\n2 clients" 5, \
           "innodb_flush_log_at_trx_commit=2\n1 client" 9, "innodb_flush_log_at_trx_commit=2\n2 clients" 13) \
           scale 0 offset 0,-0.3 font ",9"
set key top left vertical maxrows 4 box opaque

# The target, from the figures: trail >= the trigger audit (the second line
# of each block), at both settings, for 1 and 2 clients.
mark(x, y) = sprintf("set arrow from %g,%g to %g,%g nohead dt 2 lw 2.5 lc rgb '#c0392b' front", \
                     x - 0.5, y, x + 0.5, y)
do for [g=0:3] {
    stats data index g every ::1::1 using 3 nooutput
    eval mark(4 * g + 2, STATS_max)
}

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
