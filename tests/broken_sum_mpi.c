/* broken_sum_mpi.c: an MPI sum in which only the last rank is wrong.
 * Why: only rank 0 can see the wrong total, yet every rank must exit 1, so that mpirun and Slurm
 * report the failure whichever rank they look at. */
#include "parlab_mpi.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t last_rank_off_by_one(const uint64_t *values, uint64_t count)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t my_sum = rank == size - 1 ? 1 : 0; /* the bug */
    for (uint64_t i = 0; i < count; i++)
        my_sum += values[i];
    uint64_t total = 0;
    MPI_Reduce(&my_sum, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum",
                                         .fill = fill,
                                         .sum_task = last_rank_off_by_one};
    return parlab_main(argc, argv, &kernel);
}
