/* Exercise 16, a typical wrong solution: the halo column sent instead of the edge column.
 *
 * Why it is wrong: the datatype is right, but the first column of the block is at
 * &u[width + 1]; &u[width] is the west halo, column 0 of the ring.  The west neighbour
 * receives this rank's halo (zeros, at the first step) instead of its cells.
 *
 * Expected: halo-missing */
#include <mpi.h>

#include "parlab_heat.h"

static MPI_Comm grid;                /* the ranks as a 2-D process grid */
static MPI_Datatype column;          /* one column of the block: rows doubles, a row apart */
static int north, south, west, east; /* the neighbours' ranks, or MPI_PROC_NULL */

/* This rank's place in the process grid, its neighbours, its block, and the column type. */
static void split(struct heat_block *b)
{
    int size, rank, dims[2] = {0, 0}, periods[2] = {0, 0}, at[2];
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Dims_create(size, 2, dims); /* the most square grid: 6 ranks -> 3 x 2 */
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &grid);
    MPI_Comm_rank(grid, &rank);
    MPI_Cart_coords(grid, rank, 2, at);
    MPI_Cart_shift(grid, 0, 1, &north, &south); /* dimension 0: process rows */
    MPI_Cart_shift(grid, 1, 1, &west, &east);   /* dimension 1: process columns */
    heat_share(b->ny, at[0], dims[0], &b->first_row, &b->rows);
    heat_share(b->nx, at[1], dims[1], &b->first_col, &b->cols);
    b->process_rows = dims[0];
    b->process_cols = dims[1];
    /* rows blocks of one double, each a row of the block and its ring after the one before */
    MPI_Type_vector((int)b->rows, 1, (int)b->cols + 2, MPI_DOUBLE, &column);
    MPI_Type_commit(&column);
}

static void done(struct heat_block *b)
{
    (void)b;
    MPI_Type_free(&column);
    MPI_Comm_free(&grid);
}

/* New values for rows y0 .. y1-1 and columns x0 .. x1-1 of the block: the serial program's
 * expression, so the field is the serial one whichever rank computes a cell. */
static void update(struct heat_block *b, uint64_t y0, uint64_t y1, uint64_t x0, uint64_t x1)
{
    const uint64_t width = b->cols + 2; /* one row of the block and its ring */
    const double *u = b->u;
    const double r = b->r;
    double *next = b->next;
    for (uint64_t y = y0; y < y1; y++)
        for (uint64_t x = x0; x < x1; x++) {
            uint64_t c = y * width + x;
            next[c] = u[c] + r * (u[c - width] + u[c + width] + u[c + 1] + u[c - 1] - 4.0 * u[c]);
        }
}

/* The four halos.  A column starts at its cell of row 1: &u[width + x] for column x, so the
 * first column is at &u[width + 1], the last at &u[width + cols], and the west and east halos
 * at &u[width] and &u[width + cols + 1]. */
static void exchange(struct heat_block *b)
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Sendrecv(&u[width + 1], cols, MPI_DOUBLE, north, 0,                 /* first row north, */
                 &u[(rows + 1) * width + 1], cols, MPI_DOUBLE, south, 0,   /* south halo */
                 grid, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&u[rows * width + 1], cols, MPI_DOUBLE, south, 1,        /* last row south, */
                 &u[1], cols, MPI_DOUBLE, north, 1, grid, MPI_STATUS_IGNORE); /* north halo */
    MPI_Sendrecv(&u[width], 1, column, west, 2,
                 &u[width + cols + 1], 1, column, east, 2, grid, MPI_STATUS_IGNORE); /* east halo */
    MPI_Sendrecv(&u[width + cols], 1, column, east, 3,                      /* last column east, */
                 &u[width], 1, column, west, 3, grid, MPI_STATUS_IGNORE);  /* west halo */
}

static void steps(struct heat_block *b)
{
    for (uint64_t step = 0; step < b->steps; step++) {
        double started = MPI_Wtime();
        exchange(b);
        double exchanged = MPI_Wtime();
        update(b, 1, b->rows + 1, 1, b->cols + 1);
        b->exchange_seconds += exchanged - started;
        b->compute_seconds += MPI_Wtime() - exchanged;
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
