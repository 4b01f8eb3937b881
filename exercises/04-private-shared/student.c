/* Exercise 04, private and shared: who owns each variable of a parallel loop.
 *
 * Why this exercise: in Python every thread sees every variable, and so it is in OpenMP: a
 * variable declared outside a parallel loop is SHARED by all threads unless the pragma says
 * otherwise.  A shared temporary is a race as surely as a shared sum.  This is parlab's square
 * workload (the seed's calculate_square, as a map over 1..n): square_all() writes every square
 * into `squares` and returns the sum of the squares, kept in two 64-bit halves so that it stays
 * exact (common/kernels.h says why).  The loop is already parallel, and its pragma says
 * default(none): every variable the loop uses must be named in a clause.  One of them is named
 * in the wrong one.  README.md has the rules; `./parlab check 04` says when it is done. */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* The seed's numbers mode (not part of this exercise): one number after another. */
static u128 square_numbers(const uint64_t *numbers, size_t count, double delay)
{
    u128 checksum = 0;
    for (size_t i = 0; i < count; i++)
        checksum += calculate_square(numbers[i], delay);
    return checksum;
}

/* squares[i] = values[i]^2; returns the sum of the squares. */
static u128 square_all(const uint64_t *values, uint64_t *squares, uint64_t count)
{
    uint64_t low = 0, high = 0; /* the sum of the squares' low and high 32-bit halves */
    uint64_t square;            /* the square being made */
    /* TODO: every thread writes `square`: which clause must it be in? */
#pragma omp parallel for default(none) shared(values, squares, count, square) \
    reduction(+ : low, high)
    for (uint64_t i = 0; i < count; i++) {
        square = values[i] * values[i];
        squares[i] = square;
        low += square & 0xffffffff;
        high += square >> 32;
    }
    return checksum_of(low, high);
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "square",
                                         .fill = fill,
                                         .square_all = square_all,
                                         .square_numbers = square_numbers};
    return parlab_main(argc, argv, &kernel);
}
