/* pitfalls/deadlock/collective.c: an MPI program that hangs for ever without a word, kept to show
 * how the hang is detected and named (./parlab pitfall deadlock; README.md says why it hangs).
 *
 * mpi/sum.c with one line added: only rank 0 wants the total, so only rank 0 calls MPI_Reduce.
 * But a collective is a meeting of every rank of the communicator: rank 0 waits in MPI_Reduce for
 * the others' partial sums, which never come, while the others go on to the driver's next
 * collective and wait there for rank 0.  mpi/sum.c is the fixed twin. */
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

    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    uint64_t total = 0; /* meaningful on rank 0 only */
    if (rank == 0) /* the bug: every rank must call a collective, not only the one that wants it */
        MPI_Reduce(&my_sum, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
