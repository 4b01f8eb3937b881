/* nonce.h: the run's nonce, shared by both probes (threads.c and mpi.c); each includes it,
 * and a hybrid program links both.  Needs NO_PROBE defined by the includer.
 *
 * Why a nonce: every line a probe prints ends with it (PARLAB_PROBE_NONCE, a new one for every
 * run the check makes), so that a line the program prints itself cannot pass for the probe's.
 * It is taken before main() runs and wiped in place from the environment, which
 * /proc/self/environ shows too.  A program that goes looking for it (its own memory, its
 * launcher's environment) can still find it: the check also verifies in the student's object
 * file that the calls are really made (docs/grading.md). */
#ifndef PARLAB_PROBE_NONCE_H
#define PARLAB_PROBE_NONCE_H

#include <stdlib.h>

static char nonce[65];

NO_PROBE static void take_nonce(void)
{
    const char *value = getenv("PARLAB_PROBE_NONCE");
    size_t k = 0;
    for (; value != NULL && value[k] != '\0' && k + 1 < sizeof nonce; k++)
        nonce[k] = value[k];
    nonce[k] = '\0';
}

/* After every probe has taken it (a hybrid program has two): priority 102 runs after 101. */
NO_PROBE __attribute__((constructor(102))) static void wipe_nonce(void)
{
    char *value = getenv("PARLAB_PROBE_NONCE");
    for (size_t k = 0; value != NULL && value[k] != '\0'; k++)
        value[k] = '0';
}

#endif
