/* cli.c: the one command-line parser of all parlab programs.
 *
 * Why here: every program must accept exactly the same options and reject bad input the same
 * way: one line naming the flag and what it accepts, exit status 2, nothing on stdout.  What a
 * workload takes beyond the shared options comes from its row in the registry (workloads.c), so a
 * new workload adds no code here.  Parsing never prints: under MPI every rank parses the same
 * argv and reaches the same verdict, and only rank 0 reports it, so a bad flag gives one line at
 * any rank count. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

/* Decimal seconds only: digits with at most one '.', so no sign, space, exponent, "inf", "nan"
 * or hexadecimal float ("0x10", which strtod would read as 16). */
static bool parse_seconds(const char *text, double max, double *value)
{
    if (text == NULL || *text == '\0')
        return false;
    int digits = 0, points = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else if (*c == '.')
            points++;
        else
            return false;
    }
    if (digits == 0 || points > 1)
        return false;
    char *end = NULL;
    errno = 0;
    double result = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(result) || result > max)
        return false;
    *value = result;
    return true;
}

/* An argument as the error line shows it: quoted, with control characters escaped and long ones
 * cut, so that the message stays on one line whatever was typed. */
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

static int fail(char *error, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *error, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
    return EXIT_BAD_INPUT;
}

/* The workloads that take an option, for "only fsum takes --naive": from the registry. */
static const char *takers(const char *option, unsigned bit, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (const struct workload *const *w = workloads; *w; w++) {
        bool takes = bit ? ((*w)->takes & bit) != 0 : false;
        for (int k = 0; k < MAX_SWITCHES && (*w)->switches[k]; k++)
            takes = takes || strcmp((*w)->switches[k], option) == 0;
        for (int k = 0; k < MAX_CHOICES && (*w)->choices[k].name; k++)
            takes = takes || strcmp((*w)->choices[k].name, option) == 0;
        if (takes && used < size)
            used += (size_t)snprintf(text + used, size - used, "%s%s", used ? " and " : "",
                                     (*w)->name);
    }
    return text;
}

/* Options every workload takes, and where their values go. */
struct numeric_option {
    const char *name;
    uint64_t *target;
    uint64_t min, max;
    unsigned needs; /* 0, or the TAKES_* bit a workload needs for it */
};

static int parse_choice(const struct choice *c, const char *value, unsigned *index, char *error,
                        size_t size)
{
    for (unsigned k = 0; k < MAX_CHOICE_WORDS && c->words[k]; k++)
        if (value && strcmp(value, c->words[k]) == 0) {
            *index = k;
            return 0;
        }
    char accepted[128] = "", arg[96];
    size_t used = 0;
    for (unsigned k = 0; k < MAX_CHOICE_WORDS && c->words[k]; k++)
        used += (size_t)snprintf(accepted + used, sizeof accepted - used, "%s%s", k ? " or " : "",
                                 c->words[k]);
    return fail(error, size, "%s: expected %s, got %s", c->name, accepted,
                shown(value, arg, sizeof arg));
}

int parse_options(int argc, char **argv, const struct workload *w, struct options *o,
                  char *error, size_t size)
{
    const char *program = argc > 0 ? strrchr(argv[0], '/') : NULL;
    *o = (struct options){
        .program = program ? program + 1 : (argc > 0 ? argv[0] : "parlab"),
        .workload = w,
        .n = w->n_default,
        .tasks = 4,
        .delay = 1.0,
        .repeat = 3,
    };
    const struct numeric_option numeric[] = {
        {"-n", &o->n, 1, w->n_max, 0},
        {"--tasks", &o->tasks, 1, MAX_TASKS, TAKES_TASKS},
        {"--repeat", &o->repeat, 1, MAX_REPEAT, 0},
        {"--expect-threads", &o->expect_threads, 1, MAX_EXPECT, 0},
        {"--expect-ranks", &o->expect_ranks, 1, MAX_EXPECT, 0},
    };
    bool *const flags[] = {&o->json, &o->help, &o->version, &o->cold_cache};
    const char *const flag_names[] = {"--json", "--help", "--version", "--cold-cache"};
    const unsigned flag_needs[] = {0, 0, 0, TAKES_COLD_CACHE};
    char seen[64] = {0}; /* which option (by its place in the lists above) was given already */
    bool options_ended = false;
    char arg_text[96], others[128];
    o->numbers = calloc((size_t)argc + 1, sizeof *o->numbers);
    if (o->numbers == NULL)
        return fail(error, size, "out of memory while reading the command line");

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_ended || arg[0] != '-' || arg[1] == '\0') {
            if (!(w->takes & TAKES_NUMBERS))
                return fail(error, size, "unexpected argument %s: %s takes no numbers (use -n N)",
                            shown(arg, arg_text, sizeof arg_text), w->name);
            uint64_t number;
            if (!parse_whole_number(arg, 0, w->n_max, &number)) /* -n's limit holds for each */
                return fail(error, size, "NUMBERS: expected whole numbers from 0 to %llu, got %s",
                            (unsigned long long)w->n_max, shown(arg, arg_text, sizeof arg_text));
            o->numbers[o->number_count++] = number;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_ended = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0)
            arg = "--help";
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
            return fail(error, size, "unknown option %s (see --help)",
                        shown(arg, arg_text, sizeof arg_text));
        memcpy(name, arg, name_length);
        name[name_length] = '\0';

        /* Find the option: shared flags, shared numbers, --delay, then the row's own. */
        int slot = -1;
        unsigned needs = 0;
        bool is_flag = false;
        bool *flag = NULL;
        const struct numeric_option *number = NULL;
        const struct choice *choice = NULL;
        unsigned *choice_target = NULL;
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (strcmp(name, flag_names[k]) == 0) {
                slot = (int)k, flag = flags[k], is_flag = true, needs = flag_needs[k];
            }
        for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++)
            if (strcmp(name, numeric[k].name) == 0) {
                slot = 8 + (int)k, number = &numeric[k], needs = numeric[k].needs;
            }
        bool is_delay = strcmp(name, "--delay") == 0;
        if (is_delay)
            slot = 16, needs = TAKES_NUMBERS;
        for (int k = 0; k < MAX_SWITCHES && w->switches[k]; k++)
            if (strcmp(name, w->switches[k]) == 0) {
                slot = 24 + k, flag = &o->switch_on[k], is_flag = true;
            }
        for (int k = 0; k < MAX_CHOICES && w->choices[k].name; k++)
            if (strcmp(name, w->choices[k].name) == 0) {
                slot = 32 + k, choice = &w->choices[k], choice_target = &o->choice[k];
            }
        if (slot < 0 || (needs && !(w->takes & needs))) {
            takers(name, needs, others, sizeof others);
            if (others[0] != '\0')
                return fail(error, size, "%s: only %s take%s it, not %s", name, others,
                            strchr(others, ' ') ? "" : "s", w->name);
            return fail(error, size, "unknown option %s (see --help)",
                        shown(name, arg_text, sizeof arg_text));
        }
        if (seen[slot])
            return fail(error, size, "%s: given twice; give it once", name);
        seen[slot] = 1;
        if (is_flag) {
            if (value)
                return fail(error, size, "%s: takes no value, got %s", name,
                            shown(value, arg_text, sizeof arg_text));
            *flag = true;
            continue;
        }
        if (!value)
            value = i + 1 < argc ? argv[++i] : NULL;
        if (choice) {
            if (parse_choice(choice, value, choice_target, error, size) != 0)
                return EXIT_BAD_INPUT;
            continue;
        }
        if (is_delay) {
            if (!parse_seconds(value, MAX_DELAY_SECONDS, &o->delay))
                return fail(error, size, "--delay: expected decimal seconds from 0 to %g, got %s",
                            MAX_DELAY_SECONDS, shown(value, arg_text, sizeof arg_text));
            o->delay_given = true;
            continue;
        }
        if (!parse_whole_number(value, number->min, number->max, number->target))
            return fail(error, size, "%s: expected a whole number from %llu to %llu, got %s",
                        number->name, (unsigned long long)number->min,
                        (unsigned long long)number->max, shown(value, arg_text, sizeof arg_text));
        o->n_given = o->n_given || number->target == &o->n;
        o->tasks_given = o->tasks_given || number->target == &o->tasks;
    }

    if (o->help || o->version)
        return 0;
    return w->check_options ? w->check_options(o, error, size) : 0;
}

void free_options(struct options *o)
{
    free(o->numbers);
    o->numbers = NULL;
}

bool option_switch(const struct options *o, const char *name)
{
    for (int k = 0; k < MAX_SWITCHES && o->workload->switches[k]; k++)
        if (strcmp(o->workload->switches[k], name) == 0)
            return o->switch_on[k];
    return false;
}

const char *option_choice(const struct options *o, const char *name)
{
    for (int k = 0; k < MAX_CHOICES && o->workload->choices[k].name; k++)
        if (strcmp(o->workload->choices[k].name, name) == 0)
            return o->workload->choices[k].words[o->choice[k]];
    return NULL;
}

void print_usage(FILE *out, const char *program, const struct workload *w)
{
    fprintf(out, "Usage: %s %s [--repeat K] [--json]\n%s\n\n", program, w->usage, w->about);
    fprintf(out, "  -n N              %s (", w->n_help);
    if (w->n_default)
        fprintf(out, "default %llu; ", (unsigned long long)w->n_default);
    fprintf(out, "1 to %llu)\n", (unsigned long long)w->n_max);
    fputs(w->options_help, out);
    fprintf(out,
            "  --repeat K        timed runs after one untimed warm-up (default 3; 1 to %llu)\n",
            (unsigned long long)MAX_REPEAT);
    if (w->takes & TAKES_COLD_CACHE)
        fputs("  --cold-cache      before every run, evict the caches (untimed), so that the data\n"
              "                    comes from memory even when it would fit in the cache\n",
              out);
    fputs("  --json            print one JSON line with result, times and provenance\n"
          "  --expect-threads T, --expect-ranks R\n"
          "                    exit 2 unless the program got exactly T threads / R MPI ranks\n"
          "  --help, --version\n\n"
          "Threads come from OMP_NUM_THREADS; MPI ranks from the launcher (mpirun -np R).\n"
          "Exit status: 0 verified, 1 wrong result, 2 bad input, 3 the output could not be\n"
          "written.\n",
          out);
}
