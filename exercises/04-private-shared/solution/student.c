/* Exercise 04, solution: every variable of the loop in the clause that fits it.
 *
 * Why it is right: `square` is written by every iteration and needed only within it, so each
 * thread must have its own: private(square) (or, simpler, declare it inside the loop body:
 * a variable declared in the loop is private by definition).  `values`, `squares` and `count`
 * are shared: every thread reads them, and each writes only its own elements of `squares`.
 * `low` and `high` are sums: reduction(+ : low, high) gives every thread a private copy that
 * starts at 0 and adds the copies into the shared ones when the loop ends.  The loop index is
 * private without being named.  default(none) is what made the compiler check all of this. */
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
    uint64_t square;            /* the square being made: one per thread */
#pragma omp parallel for default(none) shared(values, squares, count) private(square) \
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
