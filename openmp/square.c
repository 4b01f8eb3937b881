/* openmp/square.c: the seed's calculate_square on threads that share memory.
 *
 * Numbers mode is the seed's ThreadPoolExecutor: each thread takes whole numbers, and because the
 * simulated work only waits, more threads than cores still help.  schedule(dynamic, 1) hands out one
 * number at a time, like a pool.  Array mode is serial/square.c's block loop with one pragma in
 * front: schedule(static) gives each thread the same blocks in fill() and in square_all(), so each
 * thread reads and writes the pages it touched first; reduction(+) adds up the threads' checksum
 * halves. */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

static u128 square_numbers(const uint64_t *numbers, size_t count, double delay)
{
    u128 checksum = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : checksum)
    for (size_t i = 0; i < count; i++)
        checksum += calculate_square(numbers[i], delay);
    return checksum;
}

/* squares[i] = values[i]^2; returns the sum of the squares, which needs more than 64 bits. */
static u128 square_all(const uint64_t *values, uint64_t *squares, uint64_t count)
{
    uint64_t low = 0, high = 0;
#pragma omp parallel for schedule(static) reduction(+ : low, high)
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
