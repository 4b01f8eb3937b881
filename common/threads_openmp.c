/* threads_openmp.c: the threading of OpenMP programs.
 *
 * Why the #error: without the compiler's OpenMP flag the pragmas are silently ignored and the
 * "parallel" program runs on one thread; this makes that a build failure instead. */
#ifndef _OPENMP
#error "OpenMP programs must be compiled with OpenMP enabled (-fopenmp)"
#endif
#include <omp.h>

#include "internal.h"

#ifndef PARLAB_OPENMP_FLAGS
#define PARLAB_OPENMP_FLAGS "-fopenmp"
#endif

/* The threads that really run a parallel region, counted inside one: omp_get_max_threads() only
 * says what was asked for, and OMP_THREAD_LIMIT or OMP_DYNAMIC=true can give fewer. */
int threads_count(void)
{
    static int count;
    if (count == 0) {
        int running = 0;
#pragma omp parallel
        {
#pragma omp single
            running = omp_get_num_threads();
        }
        count = running;
    }
    return count;
}
const char *threads_variant(void) { return "openmp"; }
const char *threads_flags(void) { return PARLAB_OPENMP_FLAGS; }

void threads_usable_cpus(cpu_set_t *cpus)
{
    CPU_ZERO(cpus);
    int places = omp_get_num_places();
    if (places == 0) { /* no binding: the process's own affinity is still intact */
        if (sched_getaffinity(0, sizeof *cpus, cpus) != 0)
            CPU_SET(0, cpus);
        return;
    }
    /* The places were made from the affinity the process started with. */
    for (int place = 0; place < places; place++) {
        int count = omp_get_place_num_procs(place);
        int ids[CPU_SETSIZE];
        omp_get_place_proc_ids(place, ids);
        for (int k = 0; k < count && k < CPU_SETSIZE; k++)
            CPU_SET(ids[k], cpus);
    }
}

uint64_t threads_read_every_line(const unsigned char *bytes, size_t size)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (size_t i = 0; i < size; i += 64)
        sum += bytes[i];
    return sum;
}
