/* cli.c: the one command-line parser of all parlab programs.
 *
 * Why here: every program must accept exactly the same options and reject bad input the same
 * way: one line naming the flag and what it accepts, exit status 2, nothing on stdout.  What a
 * workload takes beyond the shared options comes from its row in the registry (workloads.c), so a
 * new workload adds no code here.  Parsing never prints: under MPI every rank parses the same
 * argv and reaches the same verdict, and only rank 0 reports it, so a bad flag gives one line at
 * any rank count. */
#include <errno.h>
#include <stddef.h>
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
static bool parse_seconds(const char *text, double min, double max, double *value)
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
    if (errno != 0 || *end != '\0' || !isfinite(result) || result < min || result > max)
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

/* ---- the table: every option of every program, in --help's order ---- */

/* What the workload computes, and on what.  A row's own options come right after these. */
static const struct option workload_options[] = {
    {.flag = "-n", .arg = "N", .kind = OPTION_WHOLE, .min = 1, .row_limit = true,
     .at = offsetof(struct options, n)},
    {.flag = "NUMBERS", .kind = OPTION_NUMBERS, .min = 0, .row_limit = true,
     .needs = TAKES_NUMBERS, .help = "whole numbers"},
    {.flag = "--delay", .arg = "S", .kind = OPTION_SECONDS, .min = 0, .max = MAX_DELAY_SECONDS,
     .has_default = true, .fallback = 1, .needs = TAKES_NUMBERS,
     .at = offsetof(struct options, delay), .help = "simulated work per number, seconds"},
    {.flag = "--tasks", .arg = "T", .kind = OPTION_WHOLE, .min = 1, .max = MAX_TASKS,
     .has_default = true, .fallback = 4, .needs = TAKES_TASKS,
     .at = offsetof(struct options, tasks), .help = "tasks, like the seed's four calls"},
    /* A grid (heat).  Its -n is the number of columns. */
    {.flag = "--ny", .arg = "NY", .kind = OPTION_WHOLE, .min = 1, .max = MAX_GRID_SIDE,
     .needs = TAKES_GRID, .at = offsetof(struct options, ny),
     .help = "rows of the grid; without it, as many as the N columns"},
    {.flag = "--steps", .arg = "K", .kind = OPTION_WHOLE, .min = 1, .max = MAX_STEPS,
     .has_default = true, .fallback = 100, .needs = TAKES_GRID,
     .at = offsetof(struct options, steps), .help = "time steps"},
    {.flag = "--r", .arg = "R", .kind = OPTION_DECIMAL, .low = 0, .high = 0.25,
     .has_default = true, .initial = 0.2, .needs = TAKES_GRID,
     .at = offsetof(struct options, rate),
     .help = "the diffusion number r = D dt / h^2 of one step; above 1/4\n"
             "the explicit step is unstable (docs/heat.md)"},
    {.flag = "--picture", .arg = "FILE", .kind = OPTION_FILE, .needs = TAKES_GRID,
     .at = offsetof(struct options, picture),
     .help = "write the final field to FILE as a PNG heat map"},
    {.flag = "--field", .arg = "FILE", .kind = OPTION_FILE, .needs = TAKES_GRID,
     .at = offsetof(struct options, field),
     .help = "write the final field's doubles and every rank's block to FILE,\n"
             "for a check that names the first wrong cell (docs/heat.md)"},
};
/* How the program runs and reports. */
static const struct option run_options[] = {
    {.flag = "--repeat", .arg = "K", .kind = OPTION_WHOLE, .min = 1, .max = MAX_REPEAT,
     .has_default = true, .fallback = 3, .at = offsetof(struct options, repeat),
     .help = "timed runs after one untimed warm-up"},
    {.flag = "--cold-cache", .kind = OPTION_SWITCH, .needs = TAKES_COLD_CACHE,
     .at = offsetof(struct options, cold_cache),
     .help = "before every run, evict the caches (untimed), so that the data\n"
             "comes from memory even when it would fit in the cache"},
    {.flag = "--json", .kind = OPTION_SWITCH, .at = offsetof(struct options, json),
     .help = "print one JSON line with result, times and provenance"},
    {.flag = "--expect-threads", .arg = "T", .kind = OPTION_WHOLE, .min = 1, .max = MAX_EXPECT,
     .at = offsetof(struct options, expect_threads),
     .help = "exit 2 unless the program got exactly T threads"},
    {.flag = "--expect-ranks", .arg = "R", .kind = OPTION_WHOLE, .min = 1, .max = MAX_EXPECT,
     .at = offsetof(struct options, expect_ranks),
     .help = "exit 2 unless the program got exactly R MPI ranks"},
    {.flag = "--help", .kind = OPTION_SWITCH, .at = offsetof(struct options, help),
     .help = "print this help (also -h)"},
    {.flag = "--version", .kind = OPTION_SWITCH, .at = offsetof(struct options, version),
     .help = "print the program's name and parlab's version"},
    {.flag = "--describe", .kind = OPTION_SWITCH, .at = offsetof(struct options, describe),
     .help = "print one JSON line saying what the program accepts, for tools"},
};
enum {
    WORKLOAD_COUNT = sizeof workload_options / sizeof workload_options[0],
    RUN_COUNT = sizeof run_options / sizeof run_options[0],
};
_Static_assert(WORKLOAD_COUNT + MAX_OWN + RUN_COUNT <= MAX_OPTIONS, "raise MAX_OPTIONS");

/* Slot k: the workload options, then the row's own (NULL where it has fewer), then the run's. */
const struct option *option_at(const struct workload *w, size_t k)
{
    if (k < WORKLOAD_COUNT)
        return &workload_options[k];
    if (k < WORKLOAD_COUNT + MAX_OWN)
        return w->own[k - WORKLOAD_COUNT].flag ? &w->own[k - WORKLOAD_COUNT] : NULL;
    return k < WORKLOAD_COUNT + MAX_OWN + RUN_COUNT ? &run_options[k - WORKLOAD_COUNT - MAX_OWN]
                                                    : NULL;
}

bool takes_option(const struct workload *w, const struct option *option)
{
    return option != NULL && (w->takes & option->needs) == option->needs;
}

static bool is_own(size_t k) { return k >= WORKLOAD_COUNT && k < WORKLOAD_COUNT + MAX_OWN; }

static size_t find_option(const struct workload *w, const char *flag)
{
    for (size_t k = 0; k < MAX_OPTIONS; k++)
        if (option_at(w, k) && strcmp(option_at(w, k)->flag, flag) == 0)
            return k;
    return MAX_OPTIONS;
}

static uint64_t max_of(const struct workload *w, const struct option *option)
{
    return option->row_limit ? w->n_max : option->max;
}

/* Its default, if it has one: false otherwise. */
static bool default_of(const struct workload *w, const struct option *option, uint64_t *value)
{
    if (option->kind == OPTION_DECIMAL) { /* its default is a double: option->initial */
        *value = 0;
        return false;
    }
    *value = option->row_limit ? w->n_default : option->fallback;
    return option->row_limit ? w->n_default != 0 : option->has_default;
}

/* The row's words for a shared option, or the table's. */
static const char *help_of(const struct workload *w, const struct option *option)
{
    for (int k = 0; k < MAX_HELP && w->help[k].flag; k++)
        if (strcmp(w->help[k].flag, option->flag) == 0)
            return w->help[k].text;
    return option->help ? option->help : "";
}

bool option_given(const struct options *o, const char *flag)
{
    size_t k = find_option(o->workload, flag);
    return k < MAX_OPTIONS && o->given[k];
}

bool option_switch(const struct options *o, const char *flag)
{
    size_t k = find_option(o->workload, flag);
    return is_own(k) && o->own[k - WORKLOAD_COUNT] != 0;
}

const char *option_choice(const struct options *o, const char *flag)
{
    size_t k = find_option(o->workload, flag);
    return is_own(k) ? option_at(o->workload, k)->words[o->own[k - WORKLOAD_COUNT]] : NULL;
}

/* ---- the parser ---- */

/* The workloads that take an option, for "only fsum takes --naive": from the registry. */
static const char *takers(const char *flag, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (const struct workload *const *w = workloads; *w; w++) {
        size_t k = find_option(*w, flag);
        if (k < MAX_OPTIONS && takes_option(*w, option_at(*w, k)) && used < size)
            used += (size_t)snprintf(text + used, size - used, "%s%s", used ? " and " : "",
                                     (*w)->name);
    }
    return text;
}

static int parse_choice(const struct option *c, const char *value, unsigned *index, char *error,
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
    return fail(error, size, "%s: expected %s, got %s", c->flag, accepted,
                shown(value, arg, sizeof arg));
}

/* Every option's default, in its place. */
static void set_defaults(const struct workload *w, struct options *o)
{
    for (size_t k = 0; k < MAX_OPTIONS; k++) {
        const struct option *option = option_at(w, k);
        uint64_t value;
        if (option != NULL && !is_own(k) && option->kind == OPTION_DECIMAL && option->has_default)
            *(double *)((char *)o + option->at) = option->initial;
        if (option == NULL || is_own(k) || !default_of(w, option, &value))
            continue;
        if (option->kind == OPTION_WHOLE)
            *(uint64_t *)((char *)o + option->at) = value;
        else if (option->kind == OPTION_SECONDS)
            *(double *)((char *)o + option->at) = (double)value;
    }
}

/* A positional argument: one of NUMBERS, if the row takes them. */
static int take_number(const struct workload *w, struct options *o, const char *arg,
                       char *error, size_t size)
{
    char text[96];
    size_t k = find_option(w, "NUMBERS");
    const struct option *numbers = option_at(w, k);
    if (!takes_option(w, numbers))
        return fail(error, size, "unexpected argument %s: %s takes no numbers (use -n N)",
                    shown(arg, text, sizeof text), w->name);
    uint64_t number;
    if (!parse_whole_number(arg, numbers->min, max_of(w, numbers), &number))
        return fail(error, size, "NUMBERS: expected whole numbers from %llu to %llu, got %s",
                    (unsigned long long)numbers->min, (unsigned long long)max_of(w, numbers),
                    shown(arg, text, sizeof text));
    o->numbers[o->number_count++] = number;
    o->given[k] = true;
    return 0;
}

/* The value of option k (not a switch), into its place. */
static int take_value(const struct workload *w, struct options *o, size_t k, const char *value,
                      char *error, size_t size)
{
    const struct option *option = option_at(w, k);
    void *target = is_own(k) ? (void *)&o->own[k - WORKLOAD_COUNT] : (char *)o + option->at;
    char text[96];
    switch (option->kind) {
    case OPTION_CHOICE:
        return parse_choice(option, value, target, error, size);
    case OPTION_DECIMAL:
        if (!parse_seconds(value, option->low, option->high, target))
            return fail(error, size, "%s: expected a decimal number from %g to %g, got %s",
                        option->flag, option->low, option->high, shown(value, text, sizeof text));
        return 0;
    case OPTION_FILE:
        if (value == NULL || *value == '\0')
            return fail(error, size, "%s: expected a file name, got %s", option->flag,
                        shown(value, text, sizeof text));
        *(const char **)target = value;
        return 0;
    case OPTION_SECONDS:
        if (!parse_seconds(value, (double)option->min, (double)max_of(w, option), target))
            return fail(error, size, "%s: expected decimal seconds from %g to %g, got %s",
                        option->flag, (double)option->min, (double)max_of(w, option),
                        shown(value, text, sizeof text));
        return 0;
    default: /* OPTION_WHOLE */
        if (!parse_whole_number(value, option->min, max_of(w, option), target))
            return fail(error, size, "%s: expected a whole number from %llu to %llu, got %s",
                        option->flag, (unsigned long long)option->min,
                        (unsigned long long)max_of(w, option), shown(value, text, sizeof text));
        return 0;
    }
}

int parse_options(int argc, char **argv, const struct workload *w, struct options *o,
                  char *error, size_t size)
{
    const char *program = argc > 0 ? strrchr(argv[0], '/') : NULL;
    *o = (struct options){.program = program ? program + 1 : (argc > 0 ? argv[0] : "parlab"),
                          .workload = w};
    set_defaults(w, o);
    o->numbers = calloc((size_t)argc + 1, sizeof *o->numbers);
    if (o->numbers == NULL)
        return fail(error, size, "out of memory while reading the command line");
    bool options_ended = false;
    char text[96], others[128];

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_ended || arg[0] != '-' || arg[1] == '\0') {
            if (take_number(w, o, arg, error, size) != 0)
                return EXIT_BAD_INPUT;
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
                        shown(arg, text, sizeof text));
        memcpy(name, arg, name_length);
        name[name_length] = '\0';

        size_t k = find_option(w, name);
        const struct option *option = option_at(w, k);
        if (!takes_option(w, option)) {
            if (takers(name, others, sizeof others)[0] != '\0')
                return fail(error, size, "%s: only %s take%s it, not %s", name, others,
                            strchr(others, ' ') ? "" : "s", w->name);
            return fail(error, size, "unknown option %s (see --help)",
                        shown(name, text, sizeof text));
        }
        if (o->given[k])
            return fail(error, size, "%s: given twice; give it once", name);
        o->given[k] = true;
        if (option->kind == OPTION_SWITCH) {
            if (value)
                return fail(error, size, "%s: takes no value, got %s", name,
                            shown(value, text, sizeof text));
            if (is_own(k))
                o->own[k - WORKLOAD_COUNT] = 1;
            else
                *(bool *)((char *)o + option->at) = true;
            continue;
        }
        if (!value)
            value = i + 1 < argc ? argv[++i] : NULL;
        if (take_value(w, o, k, value, error, size) != 0)
            return EXIT_BAD_INPUT;
    }

    if (o->help || o->version || o->describe)
        return 0;
    return w->check_options ? w->check_options(o, error, size) : 0;
}

void free_options(struct options *o)
{
    free(o->numbers);
    o->numbers = NULL;
}

/* ---- what the table says, to people (--help) and to tools (--describe) ---- */

/* "-n N", "--data KIND", "NUMBERS", "--naive"; for the usage line "[-n N]", "[NUMBERS...]",
 * "[--data random|cancel]". */
static const char *flag_text(const struct option *option, bool usage, char *text, size_t size)
{
    size_t used = (size_t)snprintf(text, size, "%s%s", usage ? "[" : "", option->flag);
    if (usage && option->kind == OPTION_CHOICE)
        for (int k = 0; k < MAX_CHOICE_WORDS && option->words[k] && used < size; k++)
            used += (size_t)snprintf(text + used, size - used, "%s%s", k ? "|" : " ",
                                     option->words[k]);
    else if (option->arg && used < size)
        used += (size_t)snprintf(text + used, size - used, " %s", option->arg);
    if (used < size)
        snprintf(text + used, size - used, "%s%s",
                 usage && option->kind == OPTION_NUMBERS ? "..." : "", usage ? "]" : "");
    return text;
}

void print_usage(FILE *out, const char *program, const struct workload *w)
{
    char flag[96];
    int column = fprintf(out, "Usage: %s", program), indent = column;
    for (size_t k = 0; k < MAX_OPTIONS; k++) {
        const struct option *option = option_at(w, k);
        if (!takes_option(w, option))
            continue;
        flag_text(option, true, flag, sizeof flag);
        if (column + 1 + (int)strlen(flag) > 80) /* wrap, under the first option */
            column = fprintf(out, "\n%*s", indent, "") - 1;
        column += fprintf(out, " %s", flag);
    }
    fprintf(out, "\n%s\n\n", w->about);
    for (size_t k = 0; k < MAX_OPTIONS; k++) {
        const struct option *option = option_at(w, k);
        if (!takes_option(w, option))
            continue;
        int width = fprintf(out, "  %s", flag_text(option, false, flag, sizeof flag));
        fprintf(out, "%*s", width < 20 ? 20 - width : 0, width < 20 ? "" : "\n                    ");
        for (const char *c = help_of(w, option); *c; c++)
            fputs(*c == '\n' ? "\n                    " : (char[2]){*c, '\0'}, out);
        uint64_t fallback, min = option->min, max = max_of(w, option);
        if (option->kind == OPTION_NUMBERS)
            fprintf(out, " from %llu to %llu", (unsigned long long)min, (unsigned long long)max);
        else if ((option->kind == OPTION_WHOLE || option->kind == OPTION_SECONDS) &&
                 default_of(w, option, &fallback))
            fprintf(out, " (default %llu; %llu to %llu)", (unsigned long long)fallback,
                    (unsigned long long)min, (unsigned long long)max);
        else if (option->kind == OPTION_WHOLE || option->kind == OPTION_SECONDS)
            fprintf(out, " (%llu to %llu)", (unsigned long long)min, (unsigned long long)max);
        else if (option->kind == OPTION_DECIMAL)
            fprintf(out, " (default %g; %g to %g)", option->initial, option->low, option->high);
        fputs("\n", out);
    }
    fputs("\nThreads come from OMP_NUM_THREADS; MPI ranks from the launcher (mpirun -np R).\n"
          "Exit status: 0 verified, 1 wrong result, 2 bad input, 3 the output could not be\n"
          "written.\n",
          out);
}

static const char *const kind_names[] = {
    [OPTION_WHOLE] = "whole", [OPTION_SECONDS] = "seconds", [OPTION_SWITCH] = "switch",
    [OPTION_CHOICE] = "choice", [OPTION_NUMBERS] = "numbers", [OPTION_DECIMAL] = "decimal",
    [OPTION_FILE] = "file",
};

/* A JSON string: the text with quotes, backslashes and control characters escaped; '\n' in a help
 * text (a line break of --help) is a space. */
static void print_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '\n')
            fputc(' ', out);
        else if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

void print_description(FILE *out, const char *program, const char *variant,
                       const struct workload *w)
{
    fputs("{\"workload\": ", out);
    print_string(out, w->name);
    fputs(", \"program\": ", out);
    print_string(out, program);
    fputs(", \"variant\": ", out);
    print_string(out, variant);
    fputs(", \"formula\": ", out);
    print_string(out, w->formula);
    fputs(", \"options\": [", out);
    const char *separator = "";
    for (size_t k = 0; k < MAX_OPTIONS; k++) {
        const struct option *option = option_at(w, k);
        if (!takes_option(w, option))
            continue;
        fprintf(out, "%s{\"flag\": ", separator);
        print_string(out, option->flag);
        separator = ", ";
        if (option->arg) {
            fputs(", \"arg\": ", out);
            print_string(out, option->arg);
        }
        fprintf(out, ", \"kind\": \"%s\"", kind_names[option->kind]);
        if (option->kind == OPTION_WHOLE || option->kind == OPTION_SECONDS ||
            option->kind == OPTION_NUMBERS)
            fprintf(out, ", \"min\": %llu, \"max\": %llu", (unsigned long long)option->min,
                    (unsigned long long)max_of(w, option));
        if (option->kind == OPTION_DECIMAL)
            fprintf(out, ", \"min\": %.17g, \"max\": %.17g, \"default\": %.17g", option->low,
                    option->high, option->initial);
        if (option->kind == OPTION_CHOICE) {
            fputs(", \"words\": [", out);
            for (int j = 0; j < MAX_CHOICE_WORDS && option->words[j]; j++) {
                fputs(j ? ", " : "", out);
                print_string(out, option->words[j]);
            }
            fputs("], \"default\": ", out);
            print_string(out, option->words[0]);
        }
        uint64_t fallback;
        if ((option->kind == OPTION_WHOLE || option->kind == OPTION_SECONDS) &&
            default_of(w, option, &fallback))
            fprintf(out, ", \"default\": %llu", (unsigned long long)fallback);
        fprintf(out, ", \"shared\": %s, \"help\": ",
                option->needs == 0 && !is_own(k) ? "true" : "false");
        print_string(out, help_of(w, option));
        fputs("}", out);
    }
    fputs("]}\n", out);
}
