/* parlab.h: the only header a kernel file includes.
 *
 * Why it exists: a student should be able to put serial/sum.c next to openmp/sum.c or mpi/sum.c and
 * see nothing but the parallel construct change.  Everything else a benchmark needs (command line,
 * data layout, warm-up and timing, the self-check against a closed form, text and JSON output) is
 * written once, in common/, and reached through parlab_main() below.  A variant is chosen at link
 * time: the same driver runs with one process (team_single.c) or many MPI ranks (team_mpi.c), with
 * one thread (threads_single.c) or OpenMP threads (threads_openmp.c).
 *
 * A kernel file hands parlab_main() the functions of its workload, by name, in a struct
 * parlab_kernel; common/workloads.c has one row per workload that says which of these functions it
 * needs and how it runs them.  The functions come in four shapes, one group each below, and are
 * named after the first workload that used them: a new workload whose kernel has one of these
 * shapes (a xor of the array: fill and sum_task) needs no change here.  A kernel of a new shape
 * adds its functions here once, for every workload of it, as the grid kernels did (heat). */
#ifndef PARLAB_H
#define PARLAB_H

#include <stddef.h>
#include <stdint.h>

/* Exact sums need more than 64 bits: the sum of i*i for i = 1..10^9 is about 3.3e26. */
typedef unsigned __int128 u128;

struct fsum_share; /* parlab_fsum.h */
struct heat_block; /* parlab_heat.h */

struct parlab_kernel {
    const char *workload; /* its row in common/workloads.c: "sum", "square", "fsum", ... */

    /* Array kernels: the data lives in memory, each worker holding its share.  In an MPI program
     * each rank holds only its own share: values[i] is the value at global index first + i, and
     * the results are the total of all ranks' shares, on rank 0. */
    void (*fill)(uint64_t *values, uint64_t count, uint64_t first);      /* untimed */
    uint64_t (*sum_task)(const uint64_t *values, uint64_t count);         /* sum: one task */
    u128 (*square_all)(const uint64_t *values, uint64_t *squares, uint64_t count);
    u128 (*square_numbers)(const uint64_t *numbers, size_t count, double delay_seconds);

    /* Task kernels: the values are made in registers, so nothing is read from memory and the
     * work is bound by the cores alone.  whole_tasks() hands out whole tasks, as Pool.map does,
     * and puts task t's result in results[t] on rank 0; split_task() does one task, split across
     * all workers: this worker's share of the task's range starts at `first`, and the total of
     * all shares is returned on rank 0. */
    void (*whole_tasks)(uint64_t n, uint64_t tasks, uint64_t *results);
    uint64_t (*split_task)(uint64_t first, uint64_t count);

    /* Floating-point kernels (parlab_fsum.h): the reproducible sum, and the naive one. */
    double (*fsum)(const struct fsum_share *share);
    double (*fsum_naive)(const double *values, uint64_t count);

    /* Grid kernels (parlab_heat.h): a field on a 2-D grid, each worker holding a block of it
     * with a ring of halo cells.  heat_split() says which block this worker holds (an MPI
     * program builds its process grid here); heat_steps() runs all the time steps on it (the
     * halo exchange included); heat_done(), if given, frees what heat_split() made (an MPI
     * program's communicator and datatype).  The driver allocates, fills, gathers and checks
     * the field.  heat_gather(), if given, gathers it instead of the driver, after every run
     * and outside the clock, on every rank: rank 0 receives `field`, the whole ny x nx field
     * row by row (every cell NaN until written), the other ranks NULL (exercise 17 writes it). */
    void (*heat_split)(struct heat_block *block);
    void (*heat_steps)(struct heat_block *block);
    void (*heat_done)(struct heat_block *block);
    void (*heat_gather)(const struct heat_block *block, double *field);
};

/* Runs the program: parses the command line, checks the workers, times the kernel, checks its
 * answer and reports.  Returns the exit status (0 verified, 1 wrong result, 2 bad input). */
int parlab_main(int argc, char **argv, const struct parlab_kernel *kernel);

/* The seed's calculate_square(): says what it does, waits delay_seconds, returns number^2. */
uint64_t calculate_square(uint64_t number, double delay_seconds);

#endif
