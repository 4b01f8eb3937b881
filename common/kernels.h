/* kernels.h: the inner loops that the serial, OpenMP and MPI programs share.
 *
 * Why a shared helper: summing an array is limited by how fast memory delivers it, but only if one
 * core asks for enough data at a time.  The plain loop `for (i...) sum += v[i]` reads one stream of
 * addresses, and every addition waits for the one before it; on the machine parlab was tuned on it
 * read 6-8 GB/s on one core, while the same core can pull 15 GB/s or more.  sum_values() below reads
 * the array as four streams at once (its four quarters, side by side), each with its own partial
 * sum: the core's hardware prefetchers then fetch four places ahead at the same time, and the four
 * additions of one step do not wait for each other.  Unsigned additions may be done in any order and
 * give the same result, so the sum stays exact.  (One stream unrolled 4 or 8 times, or software
 * prefetch, gained little here; the number of streams is what counted.)
 *
 * The work is handed out in blocks of BLOCK values (512 KiB, many pages, so each quarter is a long
 * stream).  A program walks the blocks in order; the OpenMP program puts
 * `#pragma omp parallel for schedule(static)` in front of the very same loops, in fill() and in the
 * sum, so each thread reads the blocks that it wrote first ("first touch" places a page near the
 * thread that first writes it). */
#ifndef PARLAB_KERNELS_H
#define PARLAB_KERNELS_H

#include <stdint.h>

enum { BLOCK = 65536 };

/* Where the block that starts at `start` ends, in an array of `count` values. */
static inline uint64_t block_end(uint64_t start, uint64_t count)
{
    return count - start < BLOCK ? count : start + BLOCK;
}

/* The sum of v[0..n-1], read as four streams with four partial sums (see above). */
static inline uint64_t sum_values(const uint64_t *v, uint64_t n)
{
    uint64_t quarter = n / 4;
    const uint64_t *a = v, *b = v + quarter, *c = v + 2 * quarter, *d = v + 3 * quarter;
    uint64_t sum_a = 0, sum_b = 0, sum_c = 0, sum_d = 0;
    for (uint64_t i = 0; i < quarter; i++) {
        sum_a += a[i];
        sum_b += b[i];
        sum_c += c[i];
        sum_d += d[i];
    }
    for (uint64_t i = 4 * quarter; i < n; i++) /* the last 0-3 values */
        sum_a += v[i];
    return sum_a + sum_b + sum_c + sum_d;
}

/* The square map: squares[i] = v[i]^2, adding every square into the checksum halves *low, *high.
 *
 * The checksum (the sum of the squares) needs up to 96 bits.  Every square is below 2^64, so its
 * low and high 32-bit halves are each below 2^32, and fewer than 2^32 of them (n <= 2^32 - 1, the
 * largest value whose square fits) add up to less than 2^64: two plain 64-bit sums are exact, and
 * checksum = high * 2^32 + low (see checksum_of).  Plain 64-bit sums can also be added up by an
 * OpenMP reduction(+), which a 128-bit integer cannot everywhere (clang needs libatomic for it).
 * Like sum_values(), it walks two halves of the block side by side: more streams in flight. */
static inline void square_values(const uint64_t *v, uint64_t *squares, uint64_t n,
                                 uint64_t *low, uint64_t *high)
{
    uint64_t half = n / 2, sum_low = 0, sum_high = 0;
    for (uint64_t i = 0; i < half; i++) {
        uint64_t a = v[i] * v[i], b = v[half + i] * v[half + i];
        squares[i] = a;
        squares[half + i] = b;
        sum_low += (a & 0xffffffff) + (b & 0xffffffff);
        sum_high += (a >> 32) + (b >> 32);
    }
    for (uint64_t i = 2 * half; i < n; i++) { /* the last value, if n is odd */
        uint64_t a = v[i] * v[i];
        squares[i] = a;
        sum_low += a & 0xffffffff;
        sum_high += a >> 32;
    }
    *low += sum_low;
    *high += sum_high;
}

static inline unsigned __int128 checksum_of(uint64_t low, uint64_t high)
{
    return ((unsigned __int128)high << 32) + low;
}

#endif
