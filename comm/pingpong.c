/* pingpong.c: the measured cost of one message between two MPI ranks.
 *
 * Why it exists: every parlab workload is independent work and one reduction, so none of them
 * shows what a message costs, and a halo exchange (the heat equation of issue 20) is nothing but
 * messages.  Their cost is modelled as T(m) = alpha + m / beta (docs/messages.md); this program
 * measures it, OSU-style: rank 0 sends m bytes, rank 1 sends them back, and half the round trip
 * is the one-way time.  `./parlab pingpong` runs it and fits alpha and beta.
 *
 * Why not a workload (serial/, openmp/, ...): it has no serial or OpenMP twin and no closed form
 * of a computed result, and it needs exactly two ranks.  It shares what is the same for every MPI
 * program: start-up and the hosts' usable cores (common/team_mpi.c), the one clock
 * (common/clock.c), and the JSON writer (common/report.c).
 *
 * What a broken transport cannot do here: pass.  Every message carries a pattern that changes
 * from one round trip to the next; rank 1 checks what arrived, rank 0 checks the echo, and the
 * two exchange their verdicts after every round trip, outside the clock.  A wrong byte, a short
 * message or a stale buffer gives exit 1 and one line.  --corrupt flips one bit of one message
 * after it arrived, for the test that proves the check can fail. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "internal.h"

#define PROGRAM "pingpong"
#define MAX_SIZE (UINT64_C(64) << 20)  /* two buffers per rank: 128 MiB at most */
#define LARGE (UINT64_C(64) << 10)     /* above this, a tenth of the round trips, as OSU does */
#define MAX_COUNT UINT64_C(1000000)

/* ---- the command line: one table that the parser, --help and --describe read ---- */
enum { MIN_SIZE, MAX_SIZE_OPT, ITERATIONS, WARMUP, JSON, CORRUPT, HELP, VERSION, DESCRIBE,
       OPTION_COUNT };
static const struct flag {
    const char *flag, *arg;
    bool is_switch, power_of_two;
    uint64_t min, max, fallback;
    const char *help;
} flags[OPTION_COUNT] = {
    [MIN_SIZE] = {"--min-size", "BYTES", false, true, 1, MAX_SIZE, 1,
                  "smallest message, a power of two"},
    [MAX_SIZE_OPT] = {"--max-size", "BYTES", false, true, 1, MAX_SIZE, UINT64_C(4) << 20,
                      "largest message, a power of two; the sizes double from the\n"
                      "smallest"},
    [ITERATIONS] = {"--iterations", "N", false, false, 1, MAX_COUNT, 1000,
                    "timed round trips per size\n(above 64 KiB: N/10, rounded up)"},
    [WARMUP] = {"--warmup", "W", false, false, 0, MAX_COUNT, 100,
                "untimed round trips per size before the timed ones\n"
                "(above 64 KiB: W/10, rounded up)"},
    [JSON] = {"--json", NULL, true, false, 0, 0, 0, "print one JSON line instead of the table"},
    [CORRUPT] = {"--corrupt", NULL, true, false, 0, 0, 0,
                 "for tests: rank 1 flips one bit of the first timed\n"
                 "message of the largest size, which the check must\n"
                 "catch (exit 1)"},
    [HELP] = {"--help", NULL, true, false, 0, 0, 0, "print this help (also -h)"},
    [VERSION] = {"--version", NULL, true, false, 0, 0, 0, "print the program's name and version"},
    [DESCRIBE] = {"--describe", NULL, true, false, 0, 0, 0,
                  "print one JSON line saying what the program\n"
                  "accepts, for tools"},
};

struct settings {
    uint64_t value[OPTION_COUNT];
    bool given[OPTION_COUNT];
};

/* An argument as the error line shows it: quoted, control characters escaped, long ones cut
 * (common/cli.c does the same for the workloads). */
static const char *shown(const char *arg, char *text, size_t size)
{
    if (arg == NULL)
        return "nothing";
    size_t used = 0;
    text[used++] = '\'';
    for (const unsigned char *c = (const unsigned char *)arg; *c && used + 8 < size; c++) {
        if (*c < 0x20 || *c == 0x7f)
            used += (size_t)snprintf(text + used, size - used, "\\x%02x", *c);
        else
            text[used++] = (char)*c;
    }
    if (used + 8 >= size && arg[0] != '\0')
        used += (size_t)snprintf(text + used, size - used, "...");
    snprintf(text + used, size - used, "'");
    return text;
}

/* Returns 0, or EXIT_BAD_INPUT with one line (no newline) in error.  Never prints: every rank
 * parses the same argv, and only rank 0 speaks. */
static int parse(int argc, char **argv, struct settings *o, char *error, size_t size)
{
    char text[96];
    *o = (struct settings){0};
    for (int k = 0; k < OPTION_COUNT; k++)
        o->value[k] = flags[k].fallback;
    for (int i = 1; i < argc; i++) {
        const char *arg = strcmp(argv[i], "-h") == 0 ? "--help" : argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            snprintf(error, size, "unexpected argument %s (see --help)",
                     shown(arg, text, sizeof text));
            return EXIT_BAD_INPUT;
        }
        const char *equals = strchr(arg, '=');
        size_t length = equals ? (size_t)(equals - arg) : strlen(arg);
        int k = 0;
        while (k < OPTION_COUNT && !(strlen(flags[k].flag) == length &&
                                     strncmp(flags[k].flag, arg, length) == 0))
            k++;
        if (k == OPTION_COUNT) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(length < 60 ? length : 60), arg);
            snprintf(error, size, "unknown option %s (see --help)",
                     shown(name, text, sizeof text));
            return EXIT_BAD_INPUT;
        }
        const struct flag *f = &flags[k];
        if (o->given[k]) {
            snprintf(error, size, "%s: given twice; give it once", f->flag);
            return EXIT_BAD_INPUT;
        }
        o->given[k] = true;
        if (f->is_switch) {
            if (equals) {
                snprintf(error, size, "%s: takes no value, got %s", f->flag,
                         shown(equals + 1, text, sizeof text));
                return EXIT_BAD_INPUT;
            }
            o->value[k] = 1;
            continue;
        }
        const char *value = equals ? equals + 1 : (i + 1 < argc ? argv[++i] : NULL);
        uint64_t v = 0;
        bool ok = parse_whole_number(value, f->min, f->max, &v) &&
                  (!f->power_of_two || (v & (v - 1)) == 0);
        if (!ok) {
            snprintf(error, size, "%s: expected %s from %llu to %llu, got %s", f->flag,
                     f->power_of_two ? "a power of two" : "a whole number",
                     (unsigned long long)f->min, (unsigned long long)f->max,
                     shown(value, text, sizeof text));
            return EXIT_BAD_INPUT;
        }
        o->value[k] = v;
    }
    if (o->value[HELP] || o->value[VERSION] || o->value[DESCRIBE])
        return 0;
    if (o->value[MAX_SIZE_OPT] < o->value[MIN_SIZE]) {
        const int k = o->given[MAX_SIZE_OPT] ? MAX_SIZE_OPT : MIN_SIZE;
        snprintf(error, size, "%s: expected %s --%s-size (%llu), got %llu", flags[k].flag,
                 k == MAX_SIZE_OPT ? "at least" : "at most",
                 k == MAX_SIZE_OPT ? "min" : "max",
                 (unsigned long long)o->value[k == MAX_SIZE_OPT ? MIN_SIZE : MAX_SIZE_OPT],
                 (unsigned long long)o->value[k]);
        return EXIT_BAD_INPUT;
    }
    return 0;
}

static void print_help(void)
{
    printf("Usage: " PROGRAM " [--min-size BYTES] [--max-size BYTES] [--iterations N]\n"
           "                [--warmup W] [--json] [--corrupt]\n"
           "Ping-pong between exactly 2 MPI ranks (mpiexec -n 2 ./" PROGRAM "): the one-way\n"
           "time of a message (half a round trip) and its bandwidth, for sizes that double\n"
           "from --min-size to --max-size; every message is checked.\n\n");
    for (int k = 0; k < OPTION_COUNT; k++) {
        const struct flag *f = &flags[k];
        int width = printf("  %s%s%s", f->flag, f->arg ? " " : "", f->arg ? f->arg : "");
        printf("%*s", width < 22 ? 22 - width : 1, "");
        for (const char *c = f->help; *c; c++)
            fputs(*c == '\n' ? "\n                      " : (char[2]){*c, '\0'}, stdout);
        if (!f->is_switch) /* on a line of its own: the help texts fill theirs */
            printf("\n%22s(default %llu; %llu to %llu)", "", (unsigned long long)f->fallback,
                   (unsigned long long)f->min, (unsigned long long)f->max);
        printf("\n");
    }
    printf("\nExit status: 0 every message arrived as sent, 1 a message arrived wrong, 2 bad\n"
           "input or not exactly 2 ranks, 3 the output could not be written.\n");
}

/* The one JSON line of what the program accepts, in the workloads' --describe form. */
static void print_settings_description(void)
{
    printf("{\"program\": \"" PROGRAM "\", \"variant\": \"mpi\", \"ranks\": 2, \"options\": [");
    for (int k = 0; k < OPTION_COUNT; k++) {
        const struct flag *f = &flags[k];
        printf("%s{\"flag\": \"%s\"", k ? ", " : "", f->flag);
        if (f->arg)
            printf(", \"arg\": \"%s\"", f->arg);
        printf(", \"kind\": \"%s\"", f->is_switch ? "switch" : "whole");
        if (!f->is_switch)
            printf(", \"min\": %llu, \"max\": %llu, \"default\": %llu%s",
                   (unsigned long long)f->min, (unsigned long long)f->max,
                   (unsigned long long)f->fallback,
                   f->power_of_two ? ", \"power_of_two\": true" : "");
        printf(", \"help\": \"");
        for (const char *c = f->help; *c; c++)
            putchar(*c == '\n' ? ' ' : *c);
        printf("\"}");
    }
    printf("]}\n");
}

/* ---- the messages ---- */

/* Round trip `trip` of a size carries this pattern: every byte differs from the same byte of the
 * trip before (the seed's bytes all differ by one), so a buffer that was not refilled shows. */
static uint64_t seed_of(uint64_t size, uint64_t trip)
{
    uint64_t per_trip = UINT64_C(0x0101010101010101) * (trip % 255 + 1);
    return per_trip ^ (size * UINT64_C(0x9E3779B97F4A7C15));
}

static uint64_t word_at(uint64_t index, uint64_t seed)
{
    return (index + 1) * UINT64_C(0xD6E8FEB86659FD93) ^ seed;
}

static void fill(unsigned char *buffer, uint64_t size, uint64_t seed)
{
    uint64_t words = size / 8;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t value = word_at(w, seed);
        memcpy(buffer + 8 * w, &value, 8);
    }
    uint64_t last = word_at(words, seed);
    memcpy(buffer + 8 * words, &last, size % 8);
}

/* What went wrong with one message: offset -1 when nothing did. */
struct verdict {
    long long offset, got, want, length;
};

static struct verdict check(const unsigned char *buffer, uint64_t size, int length, uint64_t seed)
{
    struct verdict v = {.offset = -1, .length = length};
    if ((uint64_t)length != size) {
        v.offset = length < 0 ? 0 : length;
        return v;
    }
    uint64_t words = (size + 7) / 8;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t want = word_at(w, seed), got = 0;
        size_t bytes = w + 1 < words || size % 8 == 0 ? 8 : size % 8;
        memcpy(&got, buffer + 8 * w, bytes);
        if (bytes < 8)
            want &= (UINT64_C(1) << (8 * bytes)) - 1;
        if (got != want) {
            size_t b = 0;
            while (((got >> (8 * b)) & 0xff) == ((want >> (8 * b)) & 0xff))
                b++;
            v.offset = (long long)(8 * w + b);
            v.got = (long long)((got >> (8 * b)) & 0xff);
            v.want = (long long)((want >> (8 * b)) & 0xff);
            return v;
        }
    }
    return v;
}

static uint64_t trips_of(const struct settings *o, int which, uint64_t size)
{
    uint64_t n = o->value[which];
    return size > LARGE ? (n + 9) / 10 : n;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct row {
    uint64_t size, trips, warmup;
    double min, median, max; /* one-way seconds: half the round trip */
};

/* The line that says which message went wrong, and where. */
static void report_bad(const struct verdict *v, int rank, uint64_t size, uint64_t trip,
                       uint64_t warmup)
{
    const char *what = rank == 1 ? "the message from rank 0 to rank 1"
                                 : "the echo from rank 1 back to rank 0";
    char when[64];
    if (trip < warmup)
        snprintf(when, sizeof when, "warm-up round trip %llu", (unsigned long long)trip + 1);
    else
        snprintf(when, sizeof when, "timed round trip %llu",
                 (unsigned long long)(trip - warmup) + 1);
    if (v->length != (long long)size)
        fprintf(stderr, PROGRAM ": %s of %llu byte%s (%s) arrived with %lld bytes: the transport "
                "lost or added data\n", what, (unsigned long long)size, size == 1 ? "" : "s", when,
                v->length);
    else
        fprintf(stderr, PROGRAM ": %s of %llu byte%s (%s) arrived corrupted: byte %lld is "
                "0x%02llx, 0x%02llx was sent\n", what, (unsigned long long)size,
                size == 1 ? "" : "s", when, v->offset, (unsigned long long)v->got,
                (unsigned long long)v->want);
}

/* Every round trip of one size; rank 0 fills its row.  Returns EXIT_OK or EXIT_WRONG_RESULT, on
 * both ranks alike (they exchange verdicts after every round trip). */
static int measure(const struct settings *o, uint64_t size, bool corrupt, unsigned char *out,
                   unsigned char *in, double *times, struct row *row)
{
    const int rank = team_rank(), other = 1 - rank, tag = 7;
    const uint64_t warmup = trips_of(o, WARMUP, size), trips = trips_of(o, ITERATIONS, size);
    for (uint64_t trip = 0; trip < warmup + trips; trip++) {
        uint64_t seed = seed_of(size, trip);
        MPI_Status status;
        int length = 0;
        if (rank == 0) {
            fill(out, size, seed); /* untimed */
            double start = now_seconds();
            MPI_Send(out, (int)size, MPI_BYTE, other, tag, MPI_COMM_WORLD);
            MPI_Recv(in, (int)size, MPI_BYTE, other, tag, MPI_COMM_WORLD, &status);
            double stop = now_seconds();
            if (trip >= warmup)
                times[trip - warmup] = (stop - start) / 2;
        } else {
            MPI_Recv(in, (int)size, MPI_BYTE, other, tag, MPI_COMM_WORLD, &status);
            if (corrupt && trip == warmup)
                in[size - 1] ^= 0x10; /* --corrupt: as if the transport had flipped a bit */
            MPI_Send(in, (int)size, MPI_BYTE, other, tag, MPI_COMM_WORLD);
        }
        MPI_Get_count(&status, MPI_BYTE, &length);
        /* Outside rank 0's clock: each checks what it received, then both learn both verdicts
         * (and rank 1 has finished its check before the next round trip starts). */
        struct verdict mine = check(in, size, length, seed), theirs;
        MPI_Sendrecv(&mine, 4, MPI_LONG_LONG, other, tag + 1, &theirs, 4, MPI_LONG_LONG, other,
                     tag + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        const struct verdict *first = rank == 1 ? &mine : &theirs; /* rank 1 received first */
        const struct verdict *second = rank == 1 ? &theirs : &mine;
        if (first->offset >= 0 || second->offset >= 0) {
            if (rank == 0)
                report_bad(first->offset >= 0 ? first : second, first->offset >= 0 ? 1 : 0,
                           size, trip, warmup);
            return EXIT_WRONG_RESULT;
        }
    }
    if (rank == 0) {
        qsort(times, (size_t)trips, sizeof *times, by_value);
        *row = (struct row){.size = size, .trips = trips, .warmup = warmup, .min = times[0],
                            .max = times[trips - 1],
                            .median = trips % 2 ? times[trips / 2]
                                                : (times[trips / 2 - 1] + times[trips / 2]) / 2};
    }
    return EXIT_OK;
}

/* ---- the report ---- */

static const char *compiler(void)
{
#if defined(__clang__)
    return "clang";
#elif defined(__GNUC__)
    return "gcc";
#else
    return "unknown";
#endif
}

static void size_text(uint64_t bytes, char *text, size_t size)
{
    if (bytes >= (UINT64_C(1) << 20) && bytes % (UINT64_C(1) << 20) == 0)
        snprintf(text, size, "%llu MiB", (unsigned long long)(bytes >> 20));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(text, size, "%llu KiB", (unsigned long long)(bytes >> 10));
    else
        snprintf(text, size, "%llu B", (unsigned long long)bytes);
}

/* "on 1 host (node1: 2 ranks, 2 usable cores)" and whether it is oversubscribed. */
static bool where(char *text, size_t size)
{
    const struct host *hosts;
    int count = team_hosts(&hosts);
    bool crowded = false;
    size_t used = (size_t)snprintf(text, size, "on %d host%s (", count, count == 1 ? "" : "s");
    for (int h = 0; h < count && used < size; h++) {
        used += (size_t)snprintf(text + used, size - used, "%s%s: %d rank%s, %d usable core%s",
                                 h ? "; " : "", hosts[h].name, hosts[h].ranks,
                                 hosts[h].ranks == 1 ? "" : "s", hosts[h].cpus,
                                 hosts[h].cpus == 1 ? "" : "s");
        crowded |= hosts[h].ranks > hosts[h].cpus;
    }
    if (used < size)
        snprintf(text + used, size - used, ")");
    return crowded;
}

static bool print_json(const struct settings *o, const struct row *rows, int count, bool crowded)
{
    struct json j = {0};
    const struct host *hosts;
    int host_count = team_hosts(&hosts);
    json_add(&j, "{\"program\":\"" PROGRAM "\"");
    json_add_string(&j, "variant", "mpi");
    json_add(&j, ",\"ranks\":%d,\"min_size\":%llu,\"max_size\":%llu,\"iterations\":%llu,"
             "\"warmup\":%llu,\"verified\":true,\"sizes\":[", team_size(),
             (unsigned long long)o->value[MIN_SIZE], (unsigned long long)o->value[MAX_SIZE_OPT],
             (unsigned long long)o->value[ITERATIONS], (unsigned long long)o->value[WARMUP]);
    for (int k = 0; k < count; k++)
        json_add(&j, "%s{\"bytes\":%llu,\"iterations\":%llu,\"warmup\":%llu,"
                 "\"latency_min\":%.9g,\"latency_median\":%.9g,\"latency_max\":%.9g,"
                 "\"bandwidth_gbs\":%.6g}", k ? "," : "", (unsigned long long)rows[k].size,
                 (unsigned long long)rows[k].trips, (unsigned long long)rows[k].warmup,
                 rows[k].min, rows[k].median, rows[k].max,
                 (double)rows[k].size / rows[k].median / 1e9);
    json_add(&j, "],\"clock\":\"CLOCK_MONOTONIC\",\"timer_resolution\":%.3g",
             clock_resolution_seconds());
    int cpus = 0;
    for (int h = 0; h < host_count; h++)
        cpus += hosts[h].cpus;
    json_add(&j, ",\"cores\":%d,\"oversubscribed\":%s,\"hosts\":[", cpus,
             crowded ? "true" : "false");
    for (int h = 0; h < host_count; h++) {
        json_add(&j, "%s{\"host\":\"", h ? "," : "");
        for (const unsigned char *c = (const unsigned char *)hosts[h].name; *c; c++)
            json_add(&j, *c == '"' || *c == '\\' || *c < 0x20 ? "\\u%04x" : "%c", *c);
        json_add(&j, "\",\"ranks\":%d,\"cpus\":%d}", hosts[h].ranks, hosts[h].cpus);
    }
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    json_add(&j, "]");
    json_add_string(&j, "host", host);
    json_add_string(&j, "compiler", compiler());
    json_add_string(&j, "compiler_version", __VERSION__);
    json_add_string(&j, "mpi_library", team_library());
    json_add_string(&j, "version", PARLAB_VERSION);
    json_add(&j, "}\n");
    bool whole = !j.failed;
    if (whole)
        fputs(j.text, stdout);
    free(j.text);
    return whole;
}

static void print_table(const struct settings *o, const struct row *rows, int count,
                        const char *place, bool crowded)
{
    char low[32], high[32];
    size_text(o->value[MIN_SIZE], low, sizeof low);
    size_text(o->value[MAX_SIZE_OPT], high, sizeof high);
    printf("Ping-pong between 2 MPI ranks %s, %s\n", place, team_library());
    printf("Sizes %s to %s; per size %llu timed round trips after %llu untimed (above 64 KiB: "
           "%llu after %llu); every message checked\n", low, high,
           (unsigned long long)o->value[ITERATIONS], (unsigned long long)o->value[WARMUP],
           (unsigned long long)trips_of(o, ITERATIONS, LARGE + 1),
           (unsigned long long)trips_of(o, WARMUP, LARGE + 1));
    printf("%10s %7s  %10s %10s %10s  %12s\n", "bytes", "trips", "min us", "median us",
           "max us", "GB/s median");
    uint64_t messages = 0;
    for (int k = 0; k < count; k++) {
        printf("%10llu %7llu  %10.3f %10.3f %10.3f  %12.4g\n", (unsigned long long)rows[k].size,
               (unsigned long long)rows[k].trips, rows[k].min * 1e6, rows[k].median * 1e6,
               rows[k].max * 1e6, (double)rows[k].size / rows[k].median / 1e9);
        messages += 2 * (rows[k].trips + rows[k].warmup);
    }
    printf("Check: all %llu messages arrived as sent, byte for byte\n",
           (unsigned long long)messages);
    printf("One-way time = half a round trip, clock CLOCK_MONOTONIC (resolution %.0f ns); "
           "bandwidth = bytes / median one-way time\n", clock_resolution_seconds() * 1e9);
    if (crowded)
        printf("Note: oversubscribed (more ranks than usable cores on a host): a rank waits for "
               "the core as well as for the message; these times are not valid for the model\n");
}

int main(int argc, char **argv)
{
    team_start(&argc, &argv);
    const int rank = team_rank();
    struct settings o;
    char error[512];
    int status = parse(argc, argv, &o, error, sizeof error);
    if (status == 0 && !(o.value[HELP] || o.value[VERSION] || o.value[DESCRIBE]) &&
        team_size() != 2) {
        snprintf(error, sizeof error, "needs exactly 2 MPI ranks, got %d (start it with "
                 "mpiexec -n 2, from the MPI library it was built with)", team_size());
        status = EXIT_BAD_INPUT;
    }
    if (status != 0) {
        if (rank == 0)
            fprintf(stderr, PROGRAM ": %s\n", error);
        return team_finish(team_agree(status));
    }
    if (o.value[HELP] || o.value[VERSION] || o.value[DESCRIBE]) {
        if (rank == 0) {
            if (o.value[HELP])
                print_help();
            if (o.value[DESCRIBE])
                print_settings_description();
            if (o.value[VERSION])
                printf(PROGRAM " (parlab) %s\n", PARLAB_VERSION);
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, PROGRAM ": cannot write to standard output\n");
                status = EXIT_OUTPUT_FAILED;
            }
        }
        return team_finish(team_agree(status));
    }

    const uint64_t low = o.value[MIN_SIZE], high = o.value[MAX_SIZE_OPT];
    int count = 0;
    for (uint64_t size = low; size <= high; size *= 2)
        count++;
    unsigned char *out = malloc(high), *in = malloc(high);
    double *times = malloc(o.value[ITERATIONS] * sizeof *times);
    struct row *rows = calloc((size_t)count, sizeof *rows);
    if (team_agree(out && in && times && rows ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (rank == 0)
            fprintf(stderr, PROGRAM ": --max-size: cannot allocate two buffers of %llu bytes\n",
                    (unsigned long long)high);
        free(out);
        free(in);
        free(times);
        free(rows);
        return team_finish(EXIT_BAD_INPUT);
    }
    /* Touch the buffers once, untimed, so that no page fault lands in a timed round trip. */
    memset(out, 0, high);
    memset(in, 0, high);

    int k = 0;
    for (uint64_t size = low; size <= high && status == EXIT_OK; size *= 2, k++)
        status = measure(&o, size, o.value[CORRUPT] && size == high, out, in, times, &rows[k]);

    if (rank == 0 && status == EXIT_OK) {
        char place[512];
        bool crowded = where(place, sizeof place);
        if (o.value[JSON]) {
            if (!print_json(&o, rows, count, crowded)) {
                fprintf(stderr, PROGRAM ": out of memory while writing the JSON line\n");
                status = EXIT_OUTPUT_FAILED;
            }
        } else {
            print_table(&o, rows, count, place, crowded);
        }
        errno = 0;
        if (status == EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
            fprintf(stderr, PROGRAM ": cannot write the result to standard output: %s\n",
                    errno ? strerror(errno) : "write error");
            status = EXIT_OUTPUT_FAILED;
        }
    }
    free(out);
    free(in);
    free(times);
    free(rows);
    return team_finish(team_agree(status));
}
