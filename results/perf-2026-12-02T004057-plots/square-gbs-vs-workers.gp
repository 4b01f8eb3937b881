# parlab perf: square
# redraw: cd to this directory, then: gnuplot square-gbs-vs-workers.gp
set terminal pngcairo size 900,600 noenhanced
set output "square-gbs-vs-workers.png"
set title "square: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "square-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "square-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "square-gbs-vs-workers.dat" using 1:8:9:10 title "square OpenMP" with yerrorlines lw 2 pt 7 lc 3, \
     "square-gbs-vs-workers.dat" using 1:11:12:13 title "square MPI" with yerrorlines lw 2 pt 7 lc 4, \
     "square-gbs-vs-workers.dat" using 1:14:15:16 title "square serial" with yerrorlines lw 2 pt 7 lc 5
set terminal svg size 900,600 noenhanced
set output "square-gbs-vs-workers.svg"
set title "square: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "square-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "square-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "square-gbs-vs-workers.dat" using 1:8:9:10 title "square OpenMP" with yerrorlines lw 2 pt 7 lc 3, \
     "square-gbs-vs-workers.dat" using 1:11:12:13 title "square MPI" with yerrorlines lw 2 pt 7 lc 4, \
     "square-gbs-vs-workers.dat" using 1:14:15:16 title "square serial" with yerrorlines lw 2 pt 7 lc 5
set output
