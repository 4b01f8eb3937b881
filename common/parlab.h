/* parlab.h: the only header a kernel file includes.
 *
 * Why it exists: a student should be able to put serial/sum.c next to openmp/sum.c or mpi/sum.c and
 * see nothing but the parallel construct change.  Everything else a benchmark needs (command line,
 * data layout, warm-up and timing, the self-check against a closed form, text and JSON output) is
 * written once, in common/, and reached through the two entry points below.  A variant is chosen at
 * link time: the same driver runs with one process (team_single.c) or many MPI ranks (team_mpi.c),
 * with one thread (threads_single.c) or OpenMP threads (threads_openmp.c). */
#ifndef PARLAB_H
#define PARLAB_H

#include <stddef.h>
#include <stdint.h>

/* Exact sums need more than 64 bits: the sum of i*i for i = 1..10^9 is about 3.3e26. */
typedef unsigned __int128 u128;

/* The sum workload: --tasks tasks, each summing the n values 0..n-1 held in memory.
 * In an MPI program each rank holds only its own share: values[i] is the value at global index
 * first + i, and sum_task() returns the total of all ranks' shares on rank 0. */
struct sum_kernel {
    void (*fill)(uint64_t *values, uint64_t count, uint64_t first);
    uint64_t (*sum_task)(const uint64_t *values, uint64_t count);
};
int parlab_sum_main(int argc, char **argv, const struct sum_kernel *kernel);

/* The square workload.  Numbers mode is the seed's: each number is squared by one worker, after a
 * simulated delay.  Array mode (-n N) is a data-parallel map: squares[i] = values[i]^2 for the
 * values 1..N, returning the exact checksum (the sum of the squares) on rank 0. */
struct square_kernel {
    void (*fill)(uint64_t *values, uint64_t count, uint64_t first);
    u128 (*square_all)(const uint64_t *values, uint64_t *squares, uint64_t count);
    u128 (*square_numbers)(const uint64_t *numbers, size_t count, double delay_seconds);
};
int parlab_square_main(int argc, char **argv, const struct square_kernel *kernel);

/* The seed's calculate_square(): says what it does, waits delay_seconds, returns number^2. */
uint64_t calculate_square(uint64_t number, double delay_seconds);

#endif
