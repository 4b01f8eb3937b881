/* threads_single.c: the threading of programs without OpenMP (serial and MPI): one thread. */
#include "internal.h"

int threads_count(void) { return 1; }
const char *threads_variant(void) { return NULL; }
const char *threads_flags(void) { return ""; }

void threads_usable_cpus(cpu_set_t *cpus)
{
    CPU_ZERO(cpus);
    if (sched_getaffinity(0, sizeof *cpus, cpus) != 0)
        CPU_SET(0, cpus);
}

uint64_t threads_read_every_line(const unsigned char *bytes, size_t size)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < size; i += 64)
        sum += bytes[i];
    return sum;
}
