/* hybrid/square.c: the seed's calculate_square on ranks, and on threads inside each rank.
 *
 * Numbers mode: rank r takes numbers r, r + size, ...; its threads share those numbers one at a
 * time.  Array mode: each rank squares its own share of 1..N, split across its threads.  Either
 * way rank 0 receives the exact 128-bit checksum of all ranks. */
#include "kernels.h"
#include "parlab_mpi.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

static u128 square_numbers(const uint64_t *numbers, size_t count, double delay)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    u128 my_checksum = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : my_checksum)
    for (size_t i = (size_t)rank; i < count; i += (size_t)size)
        my_checksum += calculate_square(numbers[i], delay);
    return reduce_u128_to_root(my_checksum);
}

/* squares[i] = values[i]^2 for this rank's share; rank 0 gets the checksum of all shares. */
static u128 square_all(const uint64_t *values, uint64_t *squares, uint64_t count)
{
    uint64_t low = 0, high = 0; /* this rank's checksum, in halves (common/kernels.h) */
#pragma omp parallel for schedule(static) reduction(+ : low, high)
    for (uint64_t start = 0; start < count; start += BLOCK)
        square_values(values + start, squares + start, block_end(start, count) - start, &low, &high);
    return reduce_u128_to_root(checksum_of(low, high));
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "square",
                                         .fill = fill,
                                         .square_all = square_all,
                                         .square_numbers = square_numbers};
    return parlab_main(argc, argv, &kernel);
}
