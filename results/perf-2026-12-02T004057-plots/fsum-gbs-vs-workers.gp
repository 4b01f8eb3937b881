# parlab perf: fsum
# redraw: cd to this directory, then: gnuplot fsum-gbs-vs-workers.gp
set terminal pngcairo size 900,600 noenhanced
set output "fsum-gbs-vs-workers.png"
set title "fsum: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "fsum-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "fsum-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "fsum-gbs-vs-workers.dat" using 1:8:9:10 title "fsum OpenMP reproducible" with yerrorlines lw 2 pt 7 lc 3, \
     "fsum-gbs-vs-workers.dat" using 1:11:12:13 title "fsum OpenMP naive" with yerrorlines lw 2 pt 7 lc 4, \
     "fsum-gbs-vs-workers.dat" using 1:14:15:16 title "fsum MPI reproducible" with yerrorlines lw 2 pt 7 lc 5, \
     "fsum-gbs-vs-workers.dat" using 1:17:18:19 title "fsum MPI naive" with yerrorlines lw 2 pt 7 lc 6, \
     "fsum-gbs-vs-workers.dat" using 1:20:21:22 title "fsum serial reproducible" with yerrorlines lw 2 pt 7 lc 7, \
     "fsum-gbs-vs-workers.dat" using 1:23:24:25 title "fsum serial naive" with yerrorlines lw 2 pt 7 lc 8, \
     "fsum-gbs-vs-workers.dat" using 1:26:27:28 title "numpy a.sum() float64" with yerrorlines lw 2 pt 7 lc 9
set terminal svg size 900,600 noenhanced
set output "fsum-gbs-vs-workers.svg"
set title "fsum: GB/s against workers, the probe as the roof (vm, 2026-12-02T004057)"
set xlabel "workers (threads or ranks)"
set ylabel "GB/s"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:*]
set key bottom right
set grid
plot "fsum-gbs-vs-workers.dat" using 1:2:3:4 title "probe: triad (roof)" with yerrorlines lw 2 pt 7 lc 1 dashtype 2, \
     "fsum-gbs-vs-workers.dat" using 1:5:6:7 title "probe: read-only sum" with yerrorlines lw 2 pt 7 lc 2 dashtype 2, \
     "fsum-gbs-vs-workers.dat" using 1:8:9:10 title "fsum OpenMP reproducible" with yerrorlines lw 2 pt 7 lc 3, \
     "fsum-gbs-vs-workers.dat" using 1:11:12:13 title "fsum OpenMP naive" with yerrorlines lw 2 pt 7 lc 4, \
     "fsum-gbs-vs-workers.dat" using 1:14:15:16 title "fsum MPI reproducible" with yerrorlines lw 2 pt 7 lc 5, \
     "fsum-gbs-vs-workers.dat" using 1:17:18:19 title "fsum MPI naive" with yerrorlines lw 2 pt 7 lc 6, \
     "fsum-gbs-vs-workers.dat" using 1:20:21:22 title "fsum serial reproducible" with yerrorlines lw 2 pt 7 lc 7, \
     "fsum-gbs-vs-workers.dat" using 1:23:24:25 title "fsum serial naive" with yerrorlines lw 2 pt 7 lc 8, \
     "fsum-gbs-vs-workers.dat" using 1:26:27:28 title "numpy a.sum() float64" with yerrorlines lw 2 pt 7 lc 9
set output
