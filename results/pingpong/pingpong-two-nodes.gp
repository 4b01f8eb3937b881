# parlab pingpong: vm; 2026-12-04 15:35 UTC; measured with --yield
# redraw: cd to this directory, then: gnuplot pingpong-two-nodes.gp
set terminal pngcairo noenhanced size 1400,560 font "sans,10"
set output "pingpong-two-nodes.png"
reset
set multiplot layout 1,2 title "ping-pong between 2 MPI ranks: one-way time = half a round trip\nvm; 2026-12-04 15:35 UTC; measured with --yield"
set logscale x 2
set xrange [0.666667:6.29146e+06]
set xtics ("1B" 1, "16B" 16, "256B" 256, "4KiB" 4096, "64KiB" 65536, "1MiB" 1048576)
set grid
set xlabel "message size"
set key top left box opaque
set logscale y 10
set format y "%g"
set yrange [0.431:516658]
set ylabel "one-way time, us (median; bars min to max, cut at the top)"
plot "pingpong-two-nodes.dat" index 0 using ($1*1):3:2:4 with yerrorbars pt 7 ps 0.8 lc rgb "#d62728" title "shared memory (1 host)", \
     1.32391 + x / 12370 with lines lw 2 dt 2 lc rgb "#d62728" title "fit: alpha 1.32 us + m / (12.4 GB/s)", \
     "pingpong-two-nodes.dat" index 1 using ($1*1.12):3:2:4 with yerrorbars pt 7 ps 0.8 lc rgb "#1f77b4" title "TCP across 2 nodes (namespaces)", \
     51.5151 + x / 818.08 with lines lw 2 dt 2 lc rgb "#1f77b4" title "fit: alpha 51.5 us + m / (0.818 GB/s)"
set yrange [*:*]
set ylabel "bandwidth, GB/s (bytes / median one-way time)"
set key bottom right box opaque
plot "pingpong-two-nodes.dat" index 0 using 1:5 with linespoints pt 7 ps 0.8 lc rgb "#d62728" title "shared memory (1 host)", \
     x / (1.32391 + x / 12370) / 1e3 with lines lw 2 dt 2 lc rgb "#d62728" title "fit: m / (alpha + m/beta), beta = 12.4 GB/s", \
     "pingpong-two-nodes.dat" index 1 using 1:5 with linespoints pt 7 ps 0.8 lc rgb "#1f77b4" title "TCP across 2 nodes (namespaces)", \
     x / (51.5151 + x / 818.08) / 1e3 with lines lw 2 dt 2 lc rgb "#1f77b4" title "fit: m / (alpha + m/beta), beta = 0.818 GB/s"
unset multiplot
set terminal svg noenhanced size 1400,560 dynamic font "sans,10"
set output "pingpong-two-nodes.svg"
reset
set multiplot layout 1,2 title "ping-pong between 2 MPI ranks: one-way time = half a round trip\nvm; 2026-12-04 15:35 UTC; measured with --yield"
set logscale x 2
set xrange [0.666667:6.29146e+06]
set xtics ("1B" 1, "16B" 16, "256B" 256, "4KiB" 4096, "64KiB" 65536, "1MiB" 1048576)
set grid
set xlabel "message size"
set key top left box opaque
set logscale y 10
set format y "%g"
set yrange [0.431:516658]
set ylabel "one-way time, us (median; bars min to max, cut at the top)"
plot "pingpong-two-nodes.dat" index 0 using ($1*1):3:2:4 with yerrorbars pt 7 ps 0.8 lc rgb "#d62728" title "shared memory (1 host)", \
     1.32391 + x / 12370 with lines lw 2 dt 2 lc rgb "#d62728" title "fit: alpha 1.32 us + m / (12.4 GB/s)", \
     "pingpong-two-nodes.dat" index 1 using ($1*1.12):3:2:4 with yerrorbars pt 7 ps 0.8 lc rgb "#1f77b4" title "TCP across 2 nodes (namespaces)", \
     51.5151 + x / 818.08 with lines lw 2 dt 2 lc rgb "#1f77b4" title "fit: alpha 51.5 us + m / (0.818 GB/s)"
set yrange [*:*]
set ylabel "bandwidth, GB/s (bytes / median one-way time)"
set key bottom right box opaque
plot "pingpong-two-nodes.dat" index 0 using 1:5 with linespoints pt 7 ps 0.8 lc rgb "#d62728" title "shared memory (1 host)", \
     x / (1.32391 + x / 12370) / 1e3 with lines lw 2 dt 2 lc rgb "#d62728" title "fit: m / (alpha + m/beta), beta = 12.4 GB/s", \
     "pingpong-two-nodes.dat" index 1 using 1:5 with linespoints pt 7 ps 0.8 lc rgb "#1f77b4" title "TCP across 2 nodes (namespaces)", \
     x / (51.5151 + x / 818.08) / 1e3 with lines lw 2 dt 2 lc rgb "#1f77b4" title "fit: m / (alpha + m/beta), beta = 0.818 GB/s"
unset multiplot
set output
