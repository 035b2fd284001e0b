# plot_sync_conflicts.gnuplot - the chart of docs/benchmarks.md's "Issue 18:
# sync with conflicts" section.
#
#   build/release/bench/bench_sync --conflicts-only --conflicts-data bench_sync_conflicts.dat
#   gnuplot -e "data='bench_sync_conflicts.dat'; out='docs/bench_sync_conflicts.png'" \
#       bench/plot_sync_conflicts.gnuplot
#
# Reads the file bench_sync --conflicts-data writes: block 0, one line per
# engine ("engine" no-conflicts-events/s conflicts-events/s peak-MiB);
# block 1, the plain INSERT floor in events/s; block 2, the target. Events
# applied per second by trail_import() of the same file, without and with a
# tenth of its events racing the destination's own edits; the floor dotted,
# the target dashed.

if (!exists("data")) data = 'bench_sync_conflicts.dat'
if (!exists("out")) out = 'bench_sync_conflicts.png'
# A line under the title (what was measured), optional: -e "note='...'"
if (!exists("note")) note = ''

set terminal pngcairo size 900,560 font "sans,11" noenhanced
set output out

stats data index 2 using 1 nooutput
target = STATS_max
stats data index 1 using 1 nooutput
floor = STATS_max
stats data index 0 using 2 nooutput
top = STATS_max
engines = STATS_records
stats data index 0 using 3 nooutput
top = STATS_max > top ? STATS_max : top
top = target > top ? target : top
top = floor > top ? floor : top

set title "bench_sync: 200,000 events imported, a tenth racing the destination's edits (issue 18)" \
    . (note eq '' ? '' : "\n" . note)
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set xrange [-0.6:engines - 0.4]
set yrange [0:top * 1.2]
set format y "%.0s%c"
set ylabel "events per second"
set grid ytics lc rgb "#dddddd"
set key top right
set xtics scale 0
set arrow 1 from graph 0, first target to graph 1, first target nohead dt 2 lw 2.5 \
    lc rgb '#c0392b' front
set arrow 2 from graph 0, first floor to graph 1, first floor nohead dt 3 lw 2 \
    lc rgb '#555555' front
set label 1 sprintf("target %.0f", target) at graph 0.01, first target offset 0,0.7 \
    tc rgb '#c0392b' font ",10"
set label 2 sprintf("plain INSERT into SQLite %.0f", floor) at graph 0.01, first floor \
    offset 0,-0.9 tc rgb '#555555' font ",10"
plot data index 0 using 2:xtic(1) title "no conflicts" lc rgb "#2f9e5a", \
     data index 0 using 3 title "10% of the events racing" lc rgb "#e08a1e", \
     data index 0 using ($0 - 0.18):($2 + top * 0.03):(sprintf("%.0f", $2)) with labels \
         font ",10" notitle, \
     data index 0 using ($0 + 0.18):($3 + top * 0.03):(sprintf("%.0f", $3)) with labels \
         font ",10" notitle
