/* mpi/sum.c: the serial sum with processes that share nothing (like Python's multiprocessing).
 *
 * Every rank runs this same program on its own share of the array, in its own memory: `values`
 * holds only this rank's `count` values, starting at global index `first` (parlab splits the n
 * values into near-equal blocks; ranks beyond n get none).  A rank cannot see another's partial
 * sum, so MPI_Reduce sends them all to rank 0 and adds them there.  Within a rank the loops are
 * serial/sum.c's, line for line: only the reduction across ranks is new. */
#include "kernels.h"
#include "parlab_mpi.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

/* One task: every rank sums its share, then rank 0 receives the total. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t my_sum = 0;
    for (uint64_t start = 0; start < count; start += BLOCK)
        my_sum += sum_values(values + start, block_end(start, count) - start);

    uint64_t total = 0; /* meaningful on rank 0 only */
    MPI_Reduce(&my_sum, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
