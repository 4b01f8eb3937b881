# parlab: fsum (array mode, n=20,000,000, naive)
# host vm | AMD EPYC | 2 usable cores | gcc 12.2.0 -O2 -std=c11 / -O2 -std=c11 -fopenmp | commit 9e1e4e141262 | Open MPI v4.1.4
# redraw: cd to this directory, then: gnuplot fsum_n20000000_naive.gp
set terminal pngcairo noenhanced size 1500,500 font "sans,10"
set output "fsum_n20000000_naive.png"
reset
set multiplot layout 1,3 title "fsum (array mode, n=20,000,000, naive)\nhost vm | AMD EPYC | 2 usable cores | gcc 12.2.0 -O2 -std=c11 / -O2 -std=c11 -fopenmp | commit 9e1e4e141262 | Open MPI v4.1.4"
set logscale x 2
set xrange [0.8:5]
set xtics (1, 2, 4)
set grid
set key top left box opaque
set xlabel "workers (threads, ranks, or ranks x threads)"
set arrow 1 from 2, graph 0 to 2, graph 1 nohead dt 2 lc rgb "gray50"
set label 1 "2 cores" at 2, graph 0.04 offset 0.4,0 tc rgb "gray40"
set ylabel "speedup over serial (median times)"
set yrange [0:*]
plot x with lines dt 2 lw 1.5 lc rgb "black" title "ideal (= workers)", \
     "fsum_n20000000_naive.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:2 with linespoints lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:2 with linespoints lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $2 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
set ylabel "parallel efficiency (speedup / workers)"
set key bottom left box opaque
set yrange [0:118]
set format y "%.0f%%"; set ytics autofreq
plot 100 with lines dt 2 lw 1.5 lc rgb "black" title "ideal (100%)", \
     "fsum_n20000000_naive.dat" index 0 using 1:($3*100) with linespoints lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:($3*100) with linespoints lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:($3*100) with linespoints lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $3*100 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
set format y "%g"
set ylabel "time, seconds (median; bars min-max)"
set yrange [*:*]
set logscale y
set key top right box opaque
plot 0.0243987505/x with lines dt 2 lw 1.5 lc rgb "black" title "ideal (serial / workers)", \
     "fsum_n20000000_naive.dat" index 0 using 1:4:5:6 with yerrorlines lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:4:5:6 with yerrorlines lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:4:5:6 with yerrorlines lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" index 3 using 1:4:5:6 with yerrorbars pt 13 ps 1.5 lc rgb "#555555" title "serial", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $4 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
unset multiplot
set terminal svg noenhanced size 1500,500 dynamic font "sans,10"
set output "fsum_n20000000_naive.svg"
reset
set multiplot layout 1,3 title "fsum (array mode, n=20,000,000, naive)\nhost vm | AMD EPYC | 2 usable cores | gcc 12.2.0 -O2 -std=c11 / -O2 -std=c11 -fopenmp | commit 9e1e4e141262 | Open MPI v4.1.4"
set logscale x 2
set xrange [0.8:5]
set xtics (1, 2, 4)
set grid
set key top left box opaque
set xlabel "workers (threads, ranks, or ranks x threads)"
set arrow 1 from 2, graph 0 to 2, graph 1 nohead dt 2 lc rgb "gray50"
set label 1 "2 cores" at 2, graph 0.04 offset 0.4,0 tc rgb "gray40"
set ylabel "speedup over serial (median times)"
set yrange [0:*]
plot x with lines dt 2 lw 1.5 lc rgb "black" title "ideal (= workers)", \
     "fsum_n20000000_naive.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:2 with linespoints lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:2 with linespoints lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $2 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
set ylabel "parallel efficiency (speedup / workers)"
set key bottom left box opaque
set yrange [0:118]
set format y "%.0f%%"; set ytics autofreq
plot 100 with lines dt 2 lw 1.5 lc rgb "black" title "ideal (100%)", \
     "fsum_n20000000_naive.dat" index 0 using 1:($3*100) with linespoints lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:($3*100) with linespoints lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:($3*100) with linespoints lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $3*100 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
set format y "%g"
set ylabel "time, seconds (median; bars min-max)"
set yrange [*:*]
set logscale y
set key top right box opaque
plot 0.0243987505/x with lines dt 2 lw 1.5 lc rgb "black" title "ideal (serial / workers)", \
     "fsum_n20000000_naive.dat" index 0 using 1:4:5:6 with yerrorlines lw 2 pt 7 ps 1.3 lc rgb "#1f77b4" title "openmp", \
     "fsum_n20000000_naive.dat" index 1 using 1:4:5:6 with yerrorlines lw 2 pt 5 ps 1.3 lc rgb "#d62728" title "mpi", \
     "fsum_n20000000_naive.dat" index 2 using 1:4:5:6 with yerrorlines lw 2 pt 9 ps 1.3 lc rgb "#2ca02c" title "hybrid", \
     "fsum_n20000000_naive.dat" index 3 using 1:4:5:6 with yerrorbars pt 13 ps 1.5 lc rgb "#555555" title "serial", \
     "fsum_n20000000_naive.dat" using 1:($7 > 0 ? $4 : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "black" title "oversubscribed"
unset multiplot
set output
