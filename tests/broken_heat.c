/* broken_heat.c: serial/heat.c with its four neighbours added in another order, which the
 * tests must catch.
 *
 * Why: the closed-form check cannot see it (the sum differs only in its last bits, well within
 * the error bound), so only the digest comparison with the real serial program can: a test runs
 * tests/check.py's comparison on it and must see that comparison fail.  It shows why the
 * identity check needs the same expression in the same order everywhere. */
#include "parlab_heat.h"

/* One worker holds the whole grid. */
static void split(struct heat_block *b)
{
    b->rows = b->ny;
    b->cols = b->nx;
    b->first_row = b->first_col = 0;
    b->process_rows = b->process_cols = 1;
}

/* New values for rows y0 .. y1-1 and columns x0 .. x1-1 of the block. */
static void update(struct heat_block *b, uint64_t y0, uint64_t y1, uint64_t x0, uint64_t x1)
{
    const uint64_t width = b->cols + 2; /* one row of the block and its ring */
    const double *u = b->u;
    const double r = b->r;
    double *next = b->next;
    for (uint64_t y = y0; y < y1; y++)
        for (uint64_t x = x0; x < x1; x++) { /* the bug: west, east, south, north */
            uint64_t c = y * width + x;
            next[c] = u[c] + r * (u[c - 1] + u[c + 1] + u[c + width] + u[c - width] - 4.0 * u[c]);
        }
}

static void steps(struct heat_block *b)
{
    for (uint64_t step = 0; step < b->steps; step++) {
        update(b, 1, b->rows + 1, 1, b->cols + 1);
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
