/* parlab_heat.h: what a grid kernel (serial/heat.c, openmp/heat.c, mpi/heat.c, hybrid/heat.c)
 * includes, besides mpi.h for the MPI ones.
 *
 * Why its own shape: every other workload is independent work followed by one reduction.  A
 * stencil is not: each cell's new value needs its four neighbours' old ones, so a worker that
 * holds a block of the grid also needs a ring of cells around it (the halo) that other workers
 * own, sent again at every step.  The driver allocates the block with its ring, fills it with the
 * initial field, resets it before every run, gathers it afterwards and checks it (common/heat_run.c);
 * the kernel decides who holds which block (heat_split) and runs the steps (heat_steps).  The
 * mathematics and the error bound are in docs/heat.md. */
#ifndef PARLAB_HEAT_H
#define PARLAB_HEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "parlab.h"

/* One worker's block of the grid.  The global grid has ny rows of nx cells inside a fixed
 * boundary of zeros.  This worker's block is rows x cols of them, starting at global row
 * first_row and column first_col (counted from 0, inside the boundary).  It is stored row by
 * row with a ring of one cell around it, (rows + 2) x (cols + 2) doubles: cell (y, x) of the block,
 * for y in 1..rows and x in 1..cols, is u[y * (cols + 2) + x]; row 0, row rows + 1, column 0 and
 * column cols + 1 are the ring: the global boundary (zero), or the halo, copies of the
 * neighbours' cells. */
struct heat_block {
    uint64_t nx, ny;                /* the whole grid (set by the driver) */
    uint64_t steps;                 /* time steps per run (--steps) */
    double r;                       /* the diffusion number (--r), at most 1/4 */
    bool overlap;                   /* --overlap: update the interior while the halo travels */

    /* Set by heat_split(): this worker's block, and the process grid it belongs to. */
    uint64_t rows, cols, first_row, first_col;
    int process_rows, process_cols; /* 1 x 1 without MPI */

    double *u, *next; /* the field now and after this step; heat_steps() swaps them, so that
                         u is the final field when it returns */

    /* heat_steps() adds the seconds this worker spent exchanging halos (waiting included) and
     * updating cells; the driver sets both to zero before every run. */
    double exchange_seconds, compute_seconds;
};

/* The part [*first, *first + *count) of n items that part `index` of `parts` holds: the first
 * n % parts parts one more than the others, so that no rank or grid size has to divide n. */
void heat_share(uint64_t n, int index, int parts, uint64_t *first, uint64_t *count);

#endif
