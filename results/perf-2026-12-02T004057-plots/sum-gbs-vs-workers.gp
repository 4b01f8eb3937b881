# parlab perf: sum
# redraw: cd to this directory, then: gnuplot sum-gbs-vs-workers.gp
set terminal pngcairo size 900,600 noenhanced
set output "sum-gbs-vs-workers.png"
set title "sum: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "sum-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "sum-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "sum-gbs-vs-workers.dat" using 1:8:9:10 title "sum OpenMP" with yerrorlines lw 2 pt 7 lc 3, \
     "sum-gbs-vs-workers.dat" using 1:11:12:13 title "sum MPI" with yerrorlines lw 2 pt 7 lc 4, \
     "sum-gbs-vs-workers.dat" using 1:14:15:16 title "sum serial" with yerrorlines lw 2 pt 7 lc 5, \
     "sum-gbs-vs-workers.dat" using 1:17:18:19 title "numpy a.sum() int64" with yerrorlines lw 2 pt 7 lc 6
set terminal svg size 900,600 noenhanced
set output "sum-gbs-vs-workers.svg"
set title "sum: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "sum-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "sum-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "sum-gbs-vs-workers.dat" using 1:8:9:10 title "sum OpenMP" with yerrorlines lw 2 pt 7 lc 3, \
     "sum-gbs-vs-workers.dat" using 1:11:12:13 title "sum MPI" with yerrorlines lw 2 pt 7 lc 4, \
     "sum-gbs-vs-workers.dat" using 1:14:15:16 title "sum serial" with yerrorlines lw 2 pt 7 lc 5, \
     "sum-gbs-vs-workers.dat" using 1:17:18:19 title "numpy a.sum() int64" with yerrorlines lw 2 pt 7 lc 6
set output
