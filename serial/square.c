/* serial/square.c: the seed's calculate_square, one number after another.
 *
 * Numbers mode mirrors the seed's first cell: each number takes `delay` seconds of simulated work,
 * so four numbers take four times as long as one.  Array mode (-n N) squares 1..N into an array:
 * a data-parallel "map", the same shape as Pool.map over a long list, done block after block by
 * square_values() (common/kernels.h says why in blocks, and how the checksum stays exact). */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

static u128 square_numbers(const uint64_t *numbers, size_t count, double delay)
{
    u128 checksum = 0;
    for (size_t i = 0; i < count; i++)
        checksum += calculate_square(numbers[i], delay);
    return checksum;
}

/* squares[i] = values[i]^2; returns the sum of the squares, which needs more than 64 bits. */
static u128 square_all(const uint64_t *values, uint64_t *squares, uint64_t count)
{
    uint64_t low = 0, high = 0;
    for (uint64_t start = 0; start < count; start += BLOCK)
        square_values(values + start, squares + start, block_end(start, count) - start, &low, &high);
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
