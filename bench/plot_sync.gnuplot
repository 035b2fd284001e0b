# plot_sync.gnuplot - the chart of docs/benchmarks.md's "Issue 17: sync" section.
#
#   build/release/bench/bench_sync --data bench_sync.dat
#   gnuplot -e "data='bench_sync.dat'; out='docs/bench_sync.png'" bench/plot_sync.gnuplot
#
# Reads the file bench_sync --data writes: block 0, one line per case
# ("case" events/s peak-MiB); block 1, the peak resident set of the
# import into SQLite by size (events MiB); block 2, the target in events/s.
# Left: events applied per second per case, the target dashed. Right: the
# two peaks, which should be about level.

if (!exists("data")) data = 'bench_sync.dat'
if (!exists("out")) out = 'bench_sync.png'

set terminal pngcairo size 1100,560 font "sans,11" noenhanced
set output out

stats data index 2 using 1 nooutput
target = STATS_max
stats data index 0 using 2 nooutput
top = STATS_max > target ? STATS_max : target
stats data index 1 using 2 nooutput
peak = STATS_max

set multiplot layout 1,2 title "bench_sync: applying replicated events (issue 17)"

set size 0.66,0.92
set origin 0,0
set title "events applied per second (200,000 events; dashed: the target into SQLite)"
set style fill solid 0.85 border -1
set boxwidth 0.7
set yrange [0:top * 1.2]
set format y "%.0s%c"
set ylabel "events per second"
set grid ytics lc rgb "#dddddd"
set xtics rotate by -20 scale 0 font ",10"
set arrow 1 from graph 0, first target to graph 1, first target nohead dt 2 lw 2.5 \
    lc rgb '#c0392b' front
color(i) = i == 0 ? 0x8c8c8c : 0x2f9e5a
plot data index 0 using 0:2:(color($0)):xtic(1) with boxes lc rgb variable notitle, \
     data index 0 using 0:($2 + top * 0.03):(sprintf("%.0f", $2)) with labels font ",10" notitle

unset arrow 1
set size 0.34,0.92
set origin 0.66,0
set title "peak RSS of trail_import into SQLite"
set yrange [0:peak * 1.4]
set format y "%.0f"
set ylabel "MiB"
set xtics norotate font ",10"
set boxwidth 0.6
plot data index 1 using 0:2:xtic(sprintf("%.0fk events", $1 / 1000)) with boxes \
         lc rgb "#3b6fb6" notitle, \
     data index 1 using 0:($2 + peak * 0.05):(sprintf("%.1f", $2)) with labels font ",10" notitle

unset multiplot
