/* threads_single.c: the threading of programs without OpenMP (serial and MPI): one thread. */
#include "internal.h"

int threads_count(void) { return 1; }
const char *threads_variant(void) { return NULL; }
const char *threads_flags(void) { return ""; }
