/* internal.h: what the shared code tells itself; kernel files never include it.
 *
 * Why: the driver is written once and works for every variant.  What differs between variants is
 * behind two small link-time interfaces, "team" (one process, or MPI ranks) and "threads" (one, or
 * OpenMP), so no #ifdef MPI / #ifdef _OPENMP appears in the driver. */
#ifndef PARLAB_INTERNAL_H
#define PARLAB_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>

#include "parlab.h"

/* Set by meson.build; the fallbacks are for building by hand. */
#ifndef PARLAB_VERSION
#define PARLAB_VERSION "unknown"
#endif
#ifndef PARLAB_CFLAGS
#define PARLAB_CFLAGS "unknown"
#endif

/* Exit statuses shared by every program (and relied on by tests, harness and job scripts). */
enum { EXIT_OK = 0, EXIT_WRONG_RESULT = 1, EXIT_BAD_INPUT = 2 };

/* ---- limits: each keeps every exact result inside the integer type that holds it ---- */
/* Largest n whose per-task sum n(n-1)/2 fits in uint64_t (the type each worker accumulates in). */
#define SUM_MAX_N UINT64_C(6074001000)
/* Largest value whose square fits in uint64_t; its checksum then fits in u128. */
#define SQUARE_MAX_VALUE UINT64_C(4294967295)
#define MAX_TASKS UINT64_C(1000000)
#define MAX_REPEAT UINT64_C(100000)
#define MAX_EXPECT UINT64_C(1000000)
#define MAX_DELAY_SECONDS 60.0
/* fsum: 2^32 doubles (32 GiB); the exact reference's 128-bit buckets would allow 2^74. */
#define FSUM_MAX_N UINT64_C(4294967296)

enum workload { WORKLOAD_SUM, WORKLOAD_SQUARE, WORKLOAD_FSUM };
/* fsum's data (fexact.c): "random" (both signs, magnitudes 2^-32..2^32) or "cancel" (pairs that
 * cancel to about 33 bits: the exact sum is ~10^12 times smaller than the sum of magnitudes). */
enum fsum_data { FSUM_DATA_RANDOM, FSUM_DATA_CANCEL };

struct options {
    const char *program;
    enum workload workload;
    bool array_mode;         /* -n given */
    uint64_t n;
    uint64_t tasks;
    double delay;
    uint64_t repeat;
    bool json;
    bool help, version;
    uint64_t expect_threads; /* 0: no check */
    uint64_t expect_ranks;
    uint64_t *numbers;       /* square numbers mode */
    size_t number_count;
    bool naive;              /* fsum --naive: plain reductions, not reproducible */
    enum fsum_data data;     /* fsum --data */
    bool cold_cache;         /* --cold-cache: evict the caches before every run */
};

/* cli.c: returns 0, or EXIT_BAD_INPUT with a one-line message (no newline) in error. */
int parse_options(int argc, char **argv, enum workload workload, struct options *options,
                  char *error, size_t error_size);
void free_options(struct options *options);
void print_usage(FILE *out, const char *program, enum workload workload);
/* Parses all of text as a whole number in [min, max]; false on anything else. */
bool parse_whole_number(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/* exact.c: closed forms, computed independently of any kernel. */
u128 sum_closed_form(uint64_t n);      /* 0 + 1 + ... + (n-1) */
u128 squares_closed_form(uint64_t n);  /* 1^2 + 2^2 + ... + n^2 */
u128 squares_of(const uint64_t *numbers, size_t count);
/* Writes the decimal digits of value into text (at least 40 bytes); returns text. */
char *u128_to_decimal(u128 value, char *text);
/* The share [first, first + count) of n items that worker `index` of `workers` owns (block split). */
void block_share(uint64_t n, int index, int workers, uint64_t *first, uint64_t *count);

/* clock.c: the one wall clock every variant uses. */
double now_seconds(void);
double clock_resolution_seconds(void);
void sleep_seconds(double seconds);

/* driver.c, also used by fdriver.c (fsum) */
/* Parses and checks the worker counts: true to go on, else false with the exit status. */
bool start_program(int argc, char **argv, enum workload workload, struct options *o, int *status);
int stop_program(struct options *o, int status);
/* This worker's `count` items of item_size bytes, or NULL with *status set (on every rank alike). */
void *allocate_share(const struct options *o, size_t item_size, uint64_t count, int *status);
/* Memory on 2 MiB boundaries, marked for transparent huge pages; freed with free(). */
void *allocate_pages(size_t bytes);

/* cold_cache.c: --cold-cache.  prepare_run() goes before every run, warm-up included. */
bool cold_cache_allocate(void);     /* false if this process could not get its buffer */
size_t cold_cache_bytes(void);
void prepare_run(const struct options *o);
void cold_cache_free(void);

/* report.c */
struct timing {
    double min, median, max;
};
struct timing summarize_times(const double *times, size_t count);
struct run_report {
    const struct options *options;
    const char *mode;        /* "array" or "numbers" */
    u128 result, expected;
    bool verified;
    struct timing time;
    double bytes_per_run;    /* memory traffic of one timed run; 0 if not memory-bound */
};
void print_start(const struct options *options, const char *mode);
void print_report(const struct run_report *report);
/* The "<Variant> Time: ..." line, and the oversubscription note when it applies. */
void print_time(const struct options *o, const struct timing *time, double bytes_per_run);
const char *variant_name(void);  /* "serial", "openmp", "mpi" or "hybrid" */
const char *variant_label(void); /* "Sequential", "OpenMP", "MPI" or "Hybrid MPI+OpenMP" */
bool oversubscribed(void);       /* more ranks x threads on this host than usable cores */
/* The JSON line, for workloads with their own fields (fsum): a tiny writer that always gives a
 * well-formed line.  json_add_run() adds "verified" and everything after it, and closes the line. */
struct json {
    char text[8192];
    size_t length;
};
void json_add(struct json *j, const char *format, ...);
void json_add_string(struct json *j, const char *key, const char *value);
void json_add_run(struct json *j, const struct options *o, bool verified, const struct timing *time,
                  double bytes_per_run);
void set_quiet(bool quiet);  /* silences calculate_square's lines (warm-up, --json) */
bool is_quiet(void);

/* team_single.c or team_mpi.c */
void team_start(int *argc, char ***argv);
int team_finish(int status);          /* returns status, for `return team_finish(...)` */
int team_rank(void);
int team_size(void);
void team_barrier(void);
double team_max(double value);        /* max over ranks, on every rank */
int team_agree(int status);           /* max over ranks, on every rank */
int team_ranks_on_this_host(void);
int team_cores_on_this_host(void);    /* CPUs usable by this host's ranks together */
const char *team_variant(void);       /* NULL for one process, "mpi" for MPI */
const char *team_library(void);       /* MPI library version, or NULL */

/* threads_single.c or threads_openmp.c */
int threads_count(void);
const char *threads_variant(void);    /* NULL for one thread, "openmp" for OpenMP */
const char *threads_flags(void);      /* compiler flags the threading needs, e.g. "-fopenmp" */
/* The CPUs this process may run on.  Not simply sched_getaffinity(): with OMP_PROC_BIND set, the
 * OpenMP runtime has already pinned the main thread to one CPU before main() starts. */
void threads_usable_cpus(cpu_set_t *cpus);
/* Reads one byte of every 64-byte line of bytes[0..size), the lines shared out among the threads;
 * returns their sum (so that the reads cannot be left out). */
uint64_t threads_read_every_line(const unsigned char *bytes, size_t size);

#endif
