/* Exercise 13, a typical wrong solution: north and south swapped.
 *
 * Why it is wrong: the first row goes south and the south halo is received from the north, so
 * every halo holds the wrong neighbour's row: the rank below gets the first row of the rank
 * above, and rank 0's north ring, the grid's boundary, receives a row although it must stay 0.
 * It never deadlocks (each call still pairs with a neighbour's): it is only wrong.
 *
 * Expected: neighbour */
#include <mpi.h>

#include "parlab_heat.h"

static int north, south; /* the ranks above and below this one, or MPI_PROC_NULL */

/* Bands of rows: this rank holds rows first_row .. first_row + rows - 1, every column. */
static void split(struct heat_block *b)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    heat_share(b->ny, rank, size, &b->first_row, &b->rows); /* the first ny % size get one more */
    b->first_col = 0;
    b->cols = b->nx;
    b->process_rows = size;
    b->process_cols = 1;
    north = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    south = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
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

/* Fills the north and south halos of u with the neighbours' edge rows.  Row y of the block
 * starts at &u[y * width + 1] and has cols doubles: row 0 is the north halo, rows 1 .. rows are
 * this rank's, row rows + 1 is the south halo. */
static void exchange(struct heat_block *b)
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Sendrecv(&u[width + 1], cols, MPI_DOUBLE, south, 0,
                 &u[(rows + 1) * width + 1], cols, MPI_DOUBLE, north, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&u[rows * width + 1], cols, MPI_DOUBLE, north, 1,
                 &u[1], cols, MPI_DOUBLE, south, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
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
                                         .heat_steps = steps};
    return parlab_main(argc, argv, &kernel);
}
