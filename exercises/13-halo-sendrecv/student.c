/* Exercise 13, a halo exchange with MPI_Sendrecv: the heat equation on a column of ranks.
 *
 * Why this exercise: a stencil is the first program where ranks must talk at every step.  Each
 * cell's new value needs its four neighbours' old ones, so a rank that holds a band of rows also
 * needs, before every step, a copy of the row just above its band and the row just below it:
 * the halo, owned by the ranks above and below.  Here the grid is cut into bands of rows, rank 0
 * on top.  Each rank stores its band with a ring of one cell around it; the ring's top row (row
 * 0) is the north halo and its bottom row (row rows + 1) the south halo.  At the top and the
 * bottom of the grid there is no neighbour: MPI_PROC_NULL, to and from which a message goes
 * nowhere and returns at once, so the ring there keeps the zero boundary.
 *
 * This is a parlab kernel file of the heat workload (like mpi/heat.c, which you are building
 * towards): the driver fills the field, calls steps(), gathers the field on rank 0 and checks
 * it.  Your part is exchange().  `./parlab check 13` compares your field with the serial
 * program's, bit for bit, at several rank counts, and names the first wrong cell. */
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
    /* TODO: two MPI_Sendrecv calls.  The first sends row 1 to `north` and receives the south
     * halo from `south`; the second sends row `rows` to `south` and receives the north halo
     * from `north`.  Give each pair its own tag. */
    (void)u, (void)width, (void)rows, (void)cols;
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
