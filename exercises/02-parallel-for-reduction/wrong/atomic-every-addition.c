/* Exercise 02, a typical wrong solution: right, but every addition is atomic.
 *
 * Why it is wrong: `#pragma omp atomic` makes the total right (no addition is lost, and
 * ThreadSanitizer finds no race), but every addition now takes the cache line that holds `sum`
 * away from the other threads, one at a time.  The threads spend their time queueing for it,
 * and the program is many times slower than the one-line reduction, with more threads slower
 * still.  The exercise is about speed too: its check times it against parlab's own reduction.
 *
 * Expected: slow */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++) {
#pragma omp atomic
        sum += values[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
