/* parlab_fsum.h: what a floating-point sum kernel (serial/fsum.c, openmp/fsum.c, mpi/fsum.c and
 * hybrid/fsum.c) includes, besides mpi.h for the MPI ones.  Its kernel functions are the
 * floating-point ones of struct parlab_kernel (parlab.h): .fsum, the reproducible sum of all n
 * values on rank 0, bit-identical at any worker count; and .fsum_naive, one plain reduction whose
 * last bits depend on the worker count.
 *
 * Why its own workload: the integer sum gives the same answer however it is split, because integer
 * addition is associative.  Floating-point addition is not: a plain reduction(+) or MPI_Reduce
 * gives last bits that change with the number of threads or ranks.  fsum shows that (--naive) and
 * the cure: cut the n values into blocks of FSUM_BLOCK values by GLOBAL index (the same blocks at
 * every worker count), sum each block in a fixed order, and combine the blocks' partial sums in
 * block order on one thread.  Workers only decide WHO computes a block, never WHAT is computed, so
 * the result is bit-identical at every thread and rank count.  The method and its error bound are
 * in common/fsum.c and docs/float.md. */
#ifndef PARLAB_FSUM_H
#define PARLAB_FSUM_H

#include <stdint.h>

#include "parlab.h"

#define FSUM_BLOCK 4096 /* values per block (by global index; never depends on the worker count) */
#define FSUM_LANES 16   /* independent running sums inside a block (see common/fsum.c) */

/* A block's sum, kept as a running sum plus the exact rounding errors it made (summed). */
struct fsum_partial {
    double sum, error;
};

/* What one worker (one process; in MPI one rank) holds.  An MPI rank holds WHOLE blocks:
 * blocks first_block .. first_block + blocks - 1, i.e. the values at global indices
 * first_block * FSUM_BLOCK onwards; values[0] is the first of them. */
struct fsum_share {
    const double *values;
    uint64_t count;                 /* values held here */
    uint64_t blocks;                /* blocks held here: block b is values[b * FSUM_BLOCK ...] */
    struct fsum_partial *partials;  /* room for this worker's blocks' partials */
    /* MPI: rank 0 gathers every rank's partials into `all`, in global block order.  One partial
     * is two doubles, so counts and offsets for MPI_Gatherv are in doubles, one per rank.
     * One process: all == partials and total_blocks == blocks. */
    struct fsum_partial *all;
    uint64_t total_blocks;
    int *gather_counts, *gather_offsets;
};

/* common/fsum.c: the fixed-order arithmetic every variant shares, so that none can drift. */
/* The partial of block `block` of the `count` values held here (the last block may be short). */
struct fsum_partial fsum_block(const double *values, uint64_t count, uint64_t block);
/* All partials, combined in block order: the final double. */
double fsum_combine(const struct fsum_partial *partials, uint64_t blocks);

#endif
