/* Exercise 14, a non-blocking halo exchange, overlapped with the update.
 *
 * Why this exercise: in exercise 13 every rank waits for its halo before it computes anything,
 * although most of its cells do not need the halo at all: only the first and the last row of
 * its band read it.  Non-blocking calls let the messages travel while the rank updates the
 * rows that need no halo (the interior, rows 2 .. rows - 1); then it waits, and updates the
 * two edge rows.  On a real network that hides the messages' time behind the computation.
 * The price: a buffer handed to MPI_Isend or MPI_Irecv belongs to MPI until MPI_Wait (or
 * MPI_Waitall) returns, and a cell next to the halo must not be updated before then.
 *
 * This is a parlab kernel file of the heat workload, cut in bands of rows as in exercise 13.
 * Your part: start_exchange() and the edge rows in steps().  `./parlab check 14` compares the
 * field with the serial program's, bit for bit, and names the first wrong cell. */
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
    /* TODO: MPI_Irecv the north halo from `north` and the south halo from `south`, and
     * MPI_Isend row 1 to `north` and row `rows` to `south`, one request each.  A row sent north
     * arrives in that rank's south halo: the two must use the same tag. */
    (void)u, (void)width, (void)rows, (void)cols;
    for (int k = 0; k < 4; k++)
        requests[k] = MPI_REQUEST_NULL;
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
        /* TODO: the halos are here: update the edge rows, row 1 and row b->rows (one row when
         * the band has a single row) */
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
