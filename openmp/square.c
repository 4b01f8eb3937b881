/* openmp/square.c: the seed's calculate_square on threads that share memory.
 *
 * Numbers mode is the seed's ThreadPoolExecutor: each thread takes whole numbers, and because the
 * simulated work only waits, more threads than cores still help.  schedule(dynamic, 1) hands out one
 * number at a time, like a pool.  Array mode splits the map 1..N into one chunk per thread. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
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

/* squares[i] = values[i]^2; returns the sum of the squares, which needs 128 bits. */
static u128 square_all(const uint64_t *values, uint64_t *squares, uint64_t count)
{
    u128 checksum = 0;
#pragma omp parallel for schedule(static) reduction(+ : checksum)
    for (uint64_t i = 0; i < count; i++) {
        squares[i] = values[i] * values[i];
        checksum += squares[i];
    }
    return checksum;
}

int main(int argc, char **argv)
{
    return parlab_square_main(argc, argv, &(struct square_kernel){fill, square_all, square_numbers});
}
