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

int threads_count(void) { return omp_get_max_threads(); }
const char *threads_variant(void) { return "openmp"; }
const char *threads_flags(void) { return PARLAB_OPENMP_FLAGS; }
