/* Exercise 04, a typical wrong solution: the sums made private too.
 *
 * Why it is wrong: firstprivate(low, high) gives every thread its own copies, starting at 0,
 * and throws them away when the loop ends; the shared low and high stay 0.  The race is gone,
 * and so is the answer.  Only reduction(+ : ...) adds private copies back.
 *
 * Expected: zero */
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
#pragma omp parallel for default(none) shared(values, squares, count) private(square) \
    firstprivate(low, high)
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
