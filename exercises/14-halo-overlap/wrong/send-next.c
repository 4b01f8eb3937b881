/* Exercise 14, a typical wrong solution: the edges sent from the wrong array.
 *
 * Why it is wrong: the sends take their rows from b->next, the array this step writes, instead
 * of b->u, the field it reads.  At the first step both hold the initial field, so the first
 * step is right; from the second on, b->next holds the field of the step before, and every
 * halo arrives one step stale.
 *
 * Expected: stale */
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

/* Posts this step's four messages and returns at once: the halos of b->u are filled, and its
 * edge rows sent, by the time MPI_Waitall() returns.  Row y starts at &u[y * width + 1]: row 0
 * is the north halo, rows 1 .. rows this rank's, row rows + 1 the south halo. */
static void start_exchange(struct heat_block *b, MPI_Request requests[4])
{
    const int width = (int)b->cols + 2, rows = (int)b->rows, cols = (int)b->cols;
    double *u = b->u;
    MPI_Irecv(&u[1], cols, MPI_DOUBLE, north, 1, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&u[(rows + 1) * width + 1], cols, MPI_DOUBLE, south, 0, MPI_COMM_WORLD,
              &requests[1]);
    MPI_Isend(&b->next[width + 1], cols, MPI_DOUBLE, north, 0, MPI_COMM_WORLD, &requests[2]);
    MPI_Isend(&b->next[rows * width + 1], cols, MPI_DOUBLE, south, 1, MPI_COMM_WORLD,
              &requests[3]);
}

static void steps(struct heat_block *b)
{
    for (uint64_t step = 0; step < b->steps; step++) {
        MPI_Request requests[4];
        MPI_Status statuses[4]; /* not MPI_STATUSES_IGNORE: gcc 12 misreads MPICH's */
        double started = MPI_Wtime();
        start_exchange(b, requests);
        double posted = MPI_Wtime();
        update(b, 2, b->rows, 1, b->cols + 1); /* the interior rows: they read no halo */
        double interior = MPI_Wtime();
        MPI_Waitall(4, requests, statuses);
        double arrived = MPI_Wtime();
        update(b, 1, 2, 1, b->cols + 1); /* row 1 reads the north halo */
        if (b->rows > 1)
            update(b, b->rows, b->rows + 1, 1, b->cols + 1); /* row rows reads the south halo */
        b->exchange_seconds += (posted - started) + (arrived - interior);
        b->compute_seconds += (interior - posted) + (MPI_Wtime() - arrived);
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
