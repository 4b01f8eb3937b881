/* cli.c: the one command-line parser of all parlab programs.
 *
 * Why here: six (later eight) programs must accept exactly the same options and reject bad input
 * the same way: one line naming the flag and what it accepts, exit status 2, nothing on stdout.
 * Parsing never prints: under MPI every rank parses the same argv and reaches the same verdict,
 * and only rank 0 reports it, so a bad flag gives one line at any rank count. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parlab_fsum.h"

bool parse_whole_number(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    /* Digits only: strtoull alone would accept " 5", "+5", "-5" (wrapped!) and "5x". */
    if (text == NULL || *text == '\0')
        return false;
    uint64_t result = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return false;
        unsigned digit = (unsigned)(*c - '0');
        if (result > (UINT64_MAX - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    if (result < min || result > max)
        return false;
    *value = result;
    return true;
}

static bool parse_seconds(const char *text, double max, double *value)
{
    if (text == NULL || *text == '\0' || !((*text >= '0' && *text <= '9') || *text == '.'))
        return false; /* no sign, no space, no "inf"/"nan" */
    char *end = NULL;
    errno = 0;
    double result = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(result) || result < 0 || result > max)
        return false;
    *value = result;
    return true;
}

static int fail(char *error, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
    return EXIT_BAD_INPUT;
}

/* Options that take a value: its name, where it goes, and its accepted range. */
struct numeric_option {
    const char *name;
    uint64_t *target;
    uint64_t min, max;
};

int parse_options(int argc, char **argv, enum workload workload, struct options *o,
                  char *error, size_t size)
{
    const char *program = argc > 0 ? strrchr(argv[0], '/') : NULL;
    *o = (struct options){
        .program = program ? program + 1 : (argc > 0 ? argv[0] : "parlab"),
        .workload = workload,
        .n = 10000000,
        .tasks = 4,
        .delay = 1.0,
        .repeat = 3,
    };
    const uint64_t n_max = workload == WORKLOAD_SUM    ? SUM_MAX_N
                           : workload == WORKLOAD_FSUM ? FSUM_MAX_N
                                                       : SQUARE_MAX_VALUE;
    static const char *const workload_names[] = {"sum", "square", "fsum"};
    const struct numeric_option numeric[] = {
        {"-n", &o->n, 1, n_max},
        {"--tasks", &o->tasks, 1, MAX_TASKS},
        {"--repeat", &o->repeat, 1, MAX_REPEAT},
        {"--expect-threads", &o->expect_threads, 1, MAX_EXPECT},
        {"--expect-ranks", &o->expect_ranks, 1, MAX_EXPECT},
    };
    bool tasks_given = false, delay_given = false, options_ended = false, data_given = false;
    o->numbers = calloc((size_t)argc + 1, sizeof *o->numbers);
    if (o->numbers == NULL)
        return fail(error, size, "out of memory while reading the command line");

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_ended || arg[0] != '-' || arg[1] == '\0') {
            if (workload != WORKLOAD_SQUARE)
                return fail(error, size, "unexpected argument '%s': %s takes no numbers (use -n N)",
                            arg, workload_names[workload]);
            uint64_t number;
            if (!parse_whole_number(arg, 0, SQUARE_MAX_VALUE, &number))
                return fail(error, size, "NUMBERS: expected whole numbers from 0 to %llu, got '%s'",
                            (unsigned long long)SQUARE_MAX_VALUE, arg);
            o->numbers[o->number_count++] = number;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_ended = true;
            continue;
        }
        /* Split "--name=value"; "-n5" is "-n" with value "5". */
        char name[32];
        const char *value = NULL;
        const char *equals = strchr(arg, '=');
        size_t name_length = equals ? (size_t)(equals - arg) : strlen(arg);
        if (strncmp(arg, "-n", 2) == 0 && arg[2] != '\0' && arg[2] != '=') {
            name_length = 2;
            value = arg + 2;
        } else if (equals) {
            value = equals + 1;
        }
        if (name_length >= sizeof name)
            return fail(error, size, "unknown option '%s' (see --help)", arg);
        memcpy(name, arg, name_length);
        name[name_length] = '\0';

        bool *flag = strcmp(name, "--json") == 0      ? &o->json
                     : strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ? &o->help
                     : strcmp(name, "--version") == 0 ? &o->version
                     : strcmp(name, "--naive") == 0   ? &o->naive
                     : strcmp(name, "--cold-cache") == 0 ? &o->cold_cache
                                                      : NULL;
        if (flag) {
            if (value)
                return fail(error, size, "%s: takes no value, got '%s'", name, value);
            *flag = true;
            continue;
        }

        const struct numeric_option *match = NULL;
        for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++)
            if (strcmp(name, numeric[k].name) == 0)
                match = &numeric[k];
        bool is_delay = strcmp(name, "--delay") == 0, is_data = strcmp(name, "--data") == 0;
        if (!match && !is_delay && !is_data)
            return fail(error, size, "unknown option '%s' (see --help)", name);
        if (!value) {
            if (i + 1 >= argc)
                value = NULL;
            else
                value = argv[++i];
        }
        if (is_data) {
            if (value && strcmp(value, "random") == 0)
                o->data = FSUM_DATA_RANDOM;
            else if (value && strcmp(value, "cancel") == 0)
                o->data = FSUM_DATA_CANCEL;
            else
                return fail(error, size, "--data: expected random or cancel, got %s%s%s",
                            value ? "'" : "", value ? value : "nothing", value ? "'" : "");
            data_given = true;
            continue;
        }
        if (is_delay) {
            if (!parse_seconds(value, MAX_DELAY_SECONDS, &o->delay))
                return fail(error, size, "--delay: expected seconds from 0 to %g, got %s%s%s",
                            MAX_DELAY_SECONDS, value ? "'" : "", value ? value : "nothing",
                            value ? "'" : "");
            delay_given = true;
            continue;
        }
        if (!parse_whole_number(value, match->min, match->max, match->target))
            return fail(error, size, "%s: expected a whole number from %llu to %llu, got %s%s%s",
                        match->name, (unsigned long long)match->min,
                        (unsigned long long)match->max, value ? "'" : "",
                        value ? value : "nothing", value ? "'" : "");
        if (match->target == &o->n)
            o->array_mode = true;
        if (match->target == &o->tasks)
            tasks_given = true;
    }

    if (o->help || o->version)
        return 0;
    if (workload != WORKLOAD_SQUARE && delay_given)
        return fail(error, size, "--delay: only square's numbers mode has a simulated delay");
    if (workload != WORKLOAD_FSUM && o->naive)
        return fail(error, size, "--naive: only fsum (the floating-point sum) has a naive mode");
    if (workload != WORKLOAD_FSUM && data_given)
        return fail(error, size, "--data: only fsum (the floating-point sum) takes --data");
    if (workload == WORKLOAD_FSUM && tasks_given)
        return fail(error, size, "--tasks: fsum sums one array of n doubles; drop --tasks (use --repeat)");
    if (workload == WORKLOAD_SQUARE && o->array_mode) {
        if (o->number_count > 0)
            return fail(error, size, "-n: squares 1..N, so it cannot be combined with NUMBERS");
        if (delay_given)
            return fail(error, size, "--delay: has no effect with -n (array mode); drop one of them");
        if (tasks_given)
            return fail(error, size, "--tasks: has no effect with -n (array mode); drop one of them");
    }
    if (workload == WORKLOAD_SQUARE && !o->array_mode) {
        if (o->cold_cache)
            return fail(error, size,
                        "--cold-cache: only with -n (array mode): numbers mode keeps no array");
        if (o->number_count > 0 && tasks_given)
            return fail(error, size, "--tasks: squares 1..T, so it cannot be combined with NUMBERS");
        if (o->number_count == 0) { /* the seed's numbers = [1, 2, 3, 4], or 1..T */
            uint64_t *numbers = realloc(o->numbers, (size_t)o->tasks * sizeof *numbers);
            if (numbers == NULL)
                return fail(error, size, "--tasks: out of memory for %llu numbers",
                            (unsigned long long)o->tasks);
            o->numbers = numbers;
            for (uint64_t k = 1; k <= o->tasks; k++)
                o->numbers[o->number_count++] = k;
        }
    }
    return 0;
}

void free_options(struct options *o)
{
    free(o->numbers);
    o->numbers = NULL;
}

void print_usage(FILE *out, const char *program, enum workload workload)
{
    if (workload == WORKLOAD_FSUM)
        fprintf(out,
                "Usage: %s [-n N] [--naive] [--data random|cancel] [--repeat K] [--json]\n"
                "Sums N doubles generated from their index (both signs, magnitudes 2^-32..2^32),\n"
                "bit-identically at every thread and rank count: fixed blocks of %d values by\n"
                "global index, each summed with its rounding errors, combined in block order.\n"
                "Checks the result against the exact sum (integer arithmetic) and an error bound.\n\n"
                "  -n N              values (default 10000000; 1 to %llu)\n"
                "  --naive           plain reduction(+) / MPI_Reduce instead: the last bits change\n"
                "                    with the worker count (a demonstration; checked against the\n"
                "                    naive error bound)\n"
                "  --data KIND       random (default), or cancel: pairs that nearly cancel\n",
                program, FSUM_BLOCK, (unsigned long long)FSUM_MAX_N);
    else if (workload == WORKLOAD_SUM)
        fprintf(out,
                "Usage: %s [-n N] [--tasks T] [--repeat K] [--json]\n"
                "Runs T tasks, each summing the N integers 0..N-1 held in memory, split across\n"
                "the program's workers, and checks every task against N(N-1)/2.\n\n"
                "  -n N              values per task (default 10000000; 1 to %llu)\n"
                "  --tasks T         tasks, like the seed's four calls (default 4; 1 to %llu)\n",
                program, (unsigned long long)SUM_MAX_N, (unsigned long long)MAX_TASKS);
    else
        fprintf(out,
                "Usage: %s [NUMBERS...] [--delay S] [--tasks T] [--repeat K] [--json]\n"
                "       %s -n N [--repeat K] [--json]\n"
                "Squares each number on its own worker after a simulated delay, like the seed\n"
                "(default numbers 1 2 3 4, or 1..T); or with -n squares 1..N into an array and\n"
                "checks the sum of the squares against N(N+1)(2N+1)/6.\n\n"
                "  NUMBERS           whole numbers from 0 to %llu\n"
                "  --delay S         simulated work per number, seconds (default 1; 0 to %g)\n"
                "  --tasks T         square 1..T when no NUMBERS are given (default 4)\n"
                "  -n N              array mode: square 1..N (1 to %llu)\n",
                program, program, (unsigned long long)SQUARE_MAX_VALUE, MAX_DELAY_SECONDS,
                (unsigned long long)SQUARE_MAX_VALUE);
    fprintf(out,
            "  --repeat K        timed runs after one untimed warm-up (default 3; 1 to %llu)\n"
            "  --cold-cache      before every run, evict the caches (untimed), so that the data\n"
            "                    comes from memory even when it would fit in the cache\n"
            "  --json            print one JSON line with result, times and provenance\n"
            "  --expect-threads T, --expect-ranks R\n"
            "                    exit 2 unless the program got exactly T threads / R MPI ranks\n"
            "  --help, --version\n\n"
            "Threads come from OMP_NUM_THREADS; MPI ranks from the launcher (mpirun -np R).\n"
            "Exit status: 0 verified, 1 wrong result, 2 bad input.\n",
            (unsigned long long)MAX_REPEAT);
}
