/* Exercise 15, a typical wrong solution: a periodic process grid.
 *
 * Why it is wrong: periods = {1, 1} makes the grid wrap around: the ranks on its top edge get
 * the bottom ones as their north neighbours, and so on.  That is right for a torus, not for a
 * plate with a fixed boundary of zeros: the ring at the grid's edge receives the far edge's
 * cells, where MPI_PROC_NULL would have left it alone.
 *
 * Expected: neighbour */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "parlab_heat.h"

static MPI_Comm grid;                /* the ranks as a process grid */
static int north, south, west, east; /* the neighbours' ranks, or MPI_PROC_NULL */
static double *column_out, *column_in; /* one column of the block, packed: rows doubles */

/* This rank's place in the process grid, its neighbours, and its block of the grid. */
static void split(struct heat_block *b)
{
    int size, rank, dims[2] = {0, 0}, periods[2] = {1, 1}, at[2];
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

    column_out = malloc(b->rows * sizeof *column_out);
    column_in = malloc(b->rows * sizeof *column_in);
    if (column_out == NULL || column_in == NULL) {
        fprintf(stderr, "heat: no memory for a column of %llu cells\n",
                (unsigned long long)b->rows);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static void done(struct heat_block *b)
{
    (void)b;
    free(column_out);
    free(column_in);
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

/* Sends one column of the block (starting at &u[width + x], one cell per row) to `to` and
 * receives one from `from` into the column starting at &u[width + into]: copied through the
 * buffers, and left alone when `from` is MPI_PROC_NULL (nothing arrives: the ring keeps the
 * zero boundary). */
static void swap_columns(struct heat_block *b, int x, int to, int into, int from, int tag)
{
    const int width = (int)b->cols + 2, rows = (int)b->rows;
    double *u = b->u;
    for (int y = 0; y < rows; y++)
        column_out[y] = u[(y + 1) * width + x];
    MPI_Sendrecv(column_out, rows, MPI_DOUBLE, to, tag, column_in, rows, MPI_DOUBLE, from, tag,
                 grid, MPI_STATUS_IGNORE);
    if (from != MPI_PROC_NULL)
        for (int y = 0; y < rows; y++)
            u[(y + 1) * width + into] = column_in[y];
}

/* The four halos: rows as in exercise 13, then the columns. */
static void exchange(struct heat_block *b)
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Sendrecv(&u[width + 1], cols, MPI_DOUBLE, north, 0,                 /* first row north, */
                 &u[(rows + 1) * width + 1], cols, MPI_DOUBLE, south, 0,   /* south halo */
                 grid, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&u[rows * width + 1], cols, MPI_DOUBLE, south, 1,        /* last row south, */
                 &u[1], cols, MPI_DOUBLE, north, 1, grid, MPI_STATUS_IGNORE); /* north halo */
    swap_columns(b, 1, west, cols + 1, east, 2);   /* first column west, east halo */
    swap_columns(b, cols, east, 0, west, 3);       /* last column east, west halo */
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
