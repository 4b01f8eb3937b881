/* probe.c: parlab's memory-bandwidth probe, the roof that every memory-bound result is divided by.
 *
 * Two STREAM-style kernels over arrays far larger than the caches, on OMP_NUM_THREADS threads:
 *   triad  a[i] = b[i] + s * c[i]   (doubles)  counted as STREAM counts it: 24 bytes per element
 *          (read b, read c, write a).  The cache also reads a before writing it ("write allocate"),
 *          so the memory really moves 32 bytes per element; STREAM does not count that, nor do we.
 *   read   the sum of an array of uint64 with eight independent partial sums: 8 bytes per element,
 *          read only, like parlab's sum workload.
 * Every array is first written by the threads that later use it, with the same schedule(static)
 * split ("first touch"), as in the kernels' fill().
 *
 *   probe [-n N] [--repeat K] [--kernel triad|read|all]
 * prints one JSON line per kernel: threads, n, bytes per run, GB/s median/min/max over K timed runs
 * (after one untimed warm-up), and the check value. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Arrays on 2 MiB boundaries, marked for transparent huge pages, as parlab's programs allocate
 * theirs (common/driver.c): with 4 KiB pages the probe read slower than the kernels it is the
 * roof for, because every page costs a TLB miss. */
static void *allocate(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *data = NULL;
    if (posix_memalign(&data, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= huge)
        madvise(data, bytes - bytes % huge, MADV_HUGEPAGE);
#endif
    return data;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *kernel, uint64_t n, double bytes, double *times, int repeat,
                   const char *check)
{
    qsort(times, (size_t)repeat, sizeof *times, by_value);
    double median = repeat % 2 ? times[repeat / 2]
                               : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
    printf("{\"probe\":\"%s\",\"threads\":%d,\"n\":%llu,\"bytes\":%.0f,\"repeat\":%d,"
           "\"time_min\":%.9f,\"time_median\":%.9f,\"time_max\":%.9f,"
           "\"gbs_median\":%.3f,\"gbs_min\":%.3f,\"gbs_max\":%.3f,\"check\":\"%s\"}\n",
           kernel, omp_get_max_threads(), (unsigned long long)n, bytes, repeat, times[0], median,
           times[repeat - 1], bytes / median / 1e9, bytes / times[repeat - 1] / 1e9,
           bytes / times[0] / 1e9, check);
    fflush(stdout);
}

static void triad(uint64_t n, int repeat)
{
    double *a = allocate(n * sizeof *a), *b = allocate(n * sizeof *b), *c = allocate(n * sizeof *c);
    double *times = malloc((size_t)repeat * sizeof *times);
    if (!a || !b || !c || !times) {
        fprintf(stderr, "probe: -n: not enough memory for 3 x %llu doubles\n", (unsigned long long)n);
        exit(2);
    }
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
    }
    const double s = 3.0;
    for (int run = 0; run <= repeat; run++) {
        double started = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (uint64_t i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        double elapsed = omp_get_wtime() - started;
        if (run > 0)
            times[run - 1] = elapsed;
    }
    char check[64];
    snprintf(check, sizeof check, "%s", a[n / 2] == 7.0 && a[n - 1] == 7.0 ? "ok" : "WRONG");
    report("triad", n, 24.0 * (double)n, times, repeat, check);
    free(a), free(b), free(c), free(times);
}

static void read_only(uint64_t n, int repeat)
{
    uint64_t *v = allocate(n * sizeof *v);
    double *times = malloc((size_t)repeat * sizeof *times);
    if (!v || !times) {
        fprintf(stderr, "probe: -n: not enough memory for %llu values\n", (unsigned long long)n);
        exit(2);
    }
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < n; i++)
        v[i] = i;
    uint64_t total = 0;
    for (int run = 0; run <= repeat; run++) {
        double started = omp_get_wtime();
        uint64_t sum = 0;
#pragma omp parallel reduction(+ : sum)
        {
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#pragma omp for schedule(static)
            for (uint64_t i = 0; i < n / 8 * 8; i += 8) {
                s0 += v[i], s1 += v[i + 1], s2 += v[i + 2], s3 += v[i + 3];
                s4 += v[i + 4], s5 += v[i + 5], s6 += v[i + 6], s7 += v[i + 7];
            }
            sum += s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
        }
        for (uint64_t i = n / 8 * 8; i < n; i++)
            sum += v[i];
        double elapsed = omp_get_wtime() - started;
        if (run > 0)
            times[run - 1] = elapsed;
        total = sum;
    }
    char check[64];
    unsigned __int128 expected = (unsigned __int128)n * (n - 1) / 2;
    snprintf(check, sizeof check, "%s", total == (uint64_t)expected ? "ok" : "WRONG");
    report("read", n, 8.0 * (double)n, times, repeat, check);
    free(v), free(times);
}

int main(int argc, char **argv)
{
    uint64_t n = UINT64_C(50000000);
    int repeat = 10;
    const char *kernel = "all";
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v < 1000 || v > UINT64_C(10000000000)) {
                fprintf(stderr, "probe: -n: expected a whole number from 1000 to 10^10\n");
                return 2;
            }
            n = v;
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 10000) {
                fprintf(stderr, "probe: --repeat: expected a whole number from 1 to 10000\n");
                return 2;
            }
            repeat = (int)v;
        } else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
            kernel = argv[++i];
            if (strcmp(kernel, "triad") && strcmp(kernel, "read") && strcmp(kernel, "all")) {
                fprintf(stderr, "probe: --kernel: expected triad, read or all\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: probe [-n N] [--repeat K] [--kernel triad|read|all]\n");
            return 2;
        }
    }
    if (strcmp(kernel, "read"))
        triad(n, repeat);
    if (strcmp(kernel, "triad"))
        read_only(n, repeat);
    return 0;
}
