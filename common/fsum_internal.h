/* fsum_internal.h: fsum's data, exact reference and error bounds (common/fexact.c).
 * Kernel files never include it: they see only the values in memory. */
#ifndef PARLAB_FSUM_INTERNAL_H
#define PARLAB_FSUM_INTERNAL_H

#include "internal.h"

/* fsum's data (--data): "random" (both signs, magnitudes 2^-32..2^32) or "cancel" (pairs that
 * cancel to about 33 bits: the exact sum is ~10^12 times smaller than the sum of magnitudes). */
enum fsum_data { FSUM_DATA_RANDOM, FSUM_DATA_CANCEL };

/* ---- the data: value i depends only on i (and the data kind), never on who generates it ----
 * value = (negative ? -1 : 1) * mantissa * 2^exponent, mantissa a 53-bit integer: built from
 * integers only (no rounding anywhere), so C and Python (tests/check.py) make the same bits. */
struct fsum_parts {
    bool negative;
    uint64_t mantissa; /* 2^52 <= mantissa < 2^53 */
    int exponent;      /* -84 .. -21: magnitudes 2^-32 .. 2^32 */
};
struct fsum_parts fsum_parts(uint64_t index, enum fsum_data data);
double fsum_value(uint64_t index, enum fsum_data data);
void fsum_fill(double *values, uint64_t count, uint64_t first, enum fsum_data data);

/* ---- an exact accumulator: integer buckets, one per binary exponent, no rounding at all ---- */
#define EXACT_MIN_EXPONENT (-320) /* accepts doubles m * 2^e with e in [-320, 191]: */
#define EXACT_BUCKETS 512         /* |x| from 2^-268 to 2^244, and 0 */
struct exact_sum {
    __int128 bucket[EXACT_BUCKETS]; /* sum of signed mantissas with that exponent */
};
void exact_clear(struct exact_sum *sum);
void exact_add_parts(struct exact_sum *sum, bool negative, uint64_t mantissa, int exponent);
bool exact_add(struct exact_sum *sum, double x); /* false if x is outside the range above */
double exact_round(const struct exact_sum *sum); /* the exact sum, rounded to nearest (even) */

/* The exact sum of the n values and of their magnitudes, each rounded to nearest; *exact keeps
 * the unrounded sum for exact comparisons. */
void fsum_reference(uint64_t n, enum fsum_data data, struct exact_sum *exact, double *sum,
                    double *sum_abs);
/* |result - exact sum|, computed exactly and then rounded; -1 if result is out of range. */
double fsum_distance(const struct exact_sum *exact, double result);

/* fsum_run.c: fsum's plan and check, on its row in workloads.c. */
int fsum_plan(struct run *run);
extern const struct check fsum_check;

/* ---- common/fsum.c: which instruction set computes the lanes (every one gives the same bits) ----
 * PARLAB_FSUM_ISA = auto (the default: the widest this CPU has) | sse2 | avx2 | avx512 forces one.
 * fsum_path_error(): NULL if the request is fine, else a one-line message (no newline) naming
 * PARLAB_FSUM_ISA and what it accepts; the program must then refuse to run (exit 2).
 * fsum_path(): the name of the path in use ("sse2", "avx2", "avx512"). */
const char *fsum_path_error(void);
const char *fsum_path(void);

/* ---- error bounds on |result - exact sum| (derivations in common/fsum.c and docs/float.md) ---- */
double fsum_error_bound(uint64_t n, double sum, double sum_abs);       /* reproducible */
double fsum_naive_error_bound(uint64_t n, double sum_abs);             /* any order */

#endif
