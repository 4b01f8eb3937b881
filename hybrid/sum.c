/* hybrid/sum.c: MPI ranks across nodes, OpenMP threads inside each rank.
 *
 * This is mpi/sum.c with openmp/sum.c inside it: each rank holds only its own share of the array
 * (separate memory, like separate machines), its threads split that share (shared memory, like the
 * cores of one machine), and MPI_Reduce adds the ranks' partial sums on rank 0.  Only the main
 * thread calls MPI, outside the parallel loop (MPI_THREAD_FUNNELED, requested at start-up). */
#include "kernels.h"
#include "parlab_mpi.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

/* One task: the threads of every rank sum its share, then rank 0 receives the total. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t my_sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : my_sum)
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
