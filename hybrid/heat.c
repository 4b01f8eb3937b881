/* hybrid/heat.c: the MPI heat with threads inside each rank.
 *
 * This is mpi/heat.c with openmp/heat.c's one line inside it: the ranks form a 2-D process grid
 * and exchange halos, and inside each rank the threads share out the rows of every update.  Only
 * the main thread calls MPI, between the parallel loops, so the program asks MPI_Init_thread for
 * MPI_THREAD_FUNNELED, and refuses to run if the library provides less (common/team_mpi.c).
 * With --overlap the threads update the interior while the halo messages travel; the main thread
 * waits for them after the loop.  Every cell is computed as in the serial program, so the field
 * is the serial one, bit for bit, at every rank count, thread count and process grid. */
#include <mpi.h>

#include "parlab_heat.h"

static MPI_Comm grid;                /* the ranks as a 2-D process grid */
static MPI_Datatype column;          /* one column of the block: rows doubles, a row apart */
static int north, south, west, east; /* the neighbours' ranks, or MPI_PROC_NULL */

static void split(struct heat_block *b)
{
    int size, rank, dims[2] = {0, 0}, periodic[2] = {0, 0}, at[2];
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Dims_create(size, 2, dims); /* the most square grid: 6 ranks -> 3 x 2 */
    /* reorder 0: a rank keeps its MPI_COMM_WORLD number, which the driver gathers by */
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periodic, 0, &grid);
    MPI_Comm_rank(grid, &rank);
    MPI_Cart_coords(grid, rank, 2, at);
    MPI_Cart_shift(grid, 0, 1, &north, &south); /* dimension 0: process rows */
    MPI_Cart_shift(grid, 1, 1, &west, &east);   /* dimension 1: process columns */
    heat_share(b->ny, at[0], dims[0], &b->first_row, &b->rows);
    heat_share(b->nx, at[1], dims[1], &b->first_col, &b->cols);
    b->process_rows = dims[0];
    b->process_cols = dims[1];
    MPI_Type_vector((int)b->rows, 1, (int)b->cols + 2, MPI_DOUBLE, &column);
    MPI_Type_commit(&column);
}

static void done(struct heat_block *b)
{
    (void)b;
    MPI_Type_free(&column);
    MPI_Comm_free(&grid);
}

/* New values for rows y0 .. y1-1 and columns x0 .. x1-1 of the block. */
static void update(struct heat_block *b, uint64_t y0, uint64_t y1, uint64_t x0, uint64_t x1)
{
    const uint64_t width = b->cols + 2; /* one row of the block and its ring */
    const double *u = b->u;
    const double r = b->r;
    double *next = b->next;
#pragma omp parallel for schedule(static)
    for (uint64_t y = y0; y < y1; y++)
        for (uint64_t x = x0; x < x1; x++) {
            uint64_t c = y * width + x;
            next[c] = u[c] + r * (u[c - width] + u[c + width] + u[c + 1] + u[c - 1] - 4.0 * u[c]);
        }
}

/* Blocking: each MPI_Sendrecv sends one edge and receives the opposite halo together, so no
 * rank waits for a neighbour that is itself waiting to send (no deadlock, in any order). */
static void exchange(struct heat_block *b)
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Sendrecv(&u[width + 1], cols, MPI_DOUBLE, north, 0,                 /* first row north, */
                 &u[(rows + 1) * width + 1], cols, MPI_DOUBLE, south, 0,   /* south halo */
                 grid, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&u[rows * width + 1], cols, MPI_DOUBLE, south, 1,        /* last row south, */
                 &u[1], cols, MPI_DOUBLE, north, 1, grid, MPI_STATUS_IGNORE); /* north halo */
    MPI_Sendrecv(&u[width + 1], 1, column, west, 2,                         /* first column west, */
                 &u[width + cols + 1], 1, column, east, 2, grid, MPI_STATUS_IGNORE); /* east halo */
    MPI_Sendrecv(&u[width + cols], 1, column, east, 3,                      /* last column east, */
                 &u[width], 1, column, west, 3, grid, MPI_STATUS_IGNORE);  /* west halo */
}

/* --overlap: the same eight messages, posted without waiting for them. */
static void start_exchange(struct heat_block *b, MPI_Request requests[8])
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Irecv(&u[1], cols, MPI_DOUBLE, north, 1, grid, &requests[0]);
    MPI_Irecv(&u[(rows + 1) * width + 1], cols, MPI_DOUBLE, south, 0, grid, &requests[1]);
    MPI_Irecv(&u[width], 1, column, west, 3, grid, &requests[2]);
    MPI_Irecv(&u[width + cols + 1], 1, column, east, 2, grid, &requests[3]);
    MPI_Isend(&u[width + 1], cols, MPI_DOUBLE, north, 0, grid, &requests[4]);
    MPI_Isend(&u[rows * width + 1], cols, MPI_DOUBLE, south, 1, grid, &requests[5]);
    MPI_Isend(&u[width + 1], 1, column, west, 2, grid, &requests[6]);
    MPI_Isend(&u[width + cols], 1, column, east, 3, grid, &requests[7]);
}

/* The cells next to the halo: the first and last rows, then the first and last columns. */
static void update_edges(struct heat_block *b)
{
    update(b, 1, 2, 1, b->cols + 1);
    if (b->rows > 1)
        update(b, b->rows, b->rows + 1, 1, b->cols + 1);
    update(b, 2, b->rows, 1, 2);
    if (b->cols > 1)
        update(b, 2, b->rows, b->cols, b->cols + 1);
}

static void steps(struct heat_block *b)
{
    for (uint64_t step = 0; step < b->steps; step++) {
        double started = MPI_Wtime();
        if (b->overlap) {
            MPI_Request requests[8];
            MPI_Status statuses[8]; /* not MPI_STATUSES_IGNORE: gcc 12 misreads MPICH's */
            start_exchange(b, requests);
            double posted = MPI_Wtime();
            update(b, 2, b->rows, 2, b->cols); /* the interior: needs no halo */
            double interior = MPI_Wtime();
            MPI_Waitall(8, requests, statuses);
            double arrived = MPI_Wtime();
            update_edges(b);
            b->exchange_seconds += (posted - started) + (arrived - interior);
            b->compute_seconds += (interior - posted) + (MPI_Wtime() - arrived);
        } else {
            exchange(b);
            double exchanged = MPI_Wtime();
            update(b, 1, b->rows + 1, 1, b->cols + 1);
            b->exchange_seconds += exchanged - started;
            b->compute_seconds += MPI_Wtime() - exchanged;
        }
        double *old = b->u; /* the new field becomes the current one */
        b->u = b->next;
        b->next = old;
    }
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "heat", .heat_split = split,
                                         .heat_steps = steps, .heat_done = done};
    return parlab_main(argc, argv, &kernel);
}
