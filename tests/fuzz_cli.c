/* fuzz_cli.c: a libFuzzer target for the command-line parser of every parlab program.
 *
 * Why: the parser is the program's first contact with a student's typing, and its promises are
 * easy to state and easy to break: a value it accepts is within its documented range, and a
 * value it refuses gets exactly one line that says why.  parse_options() returns a status and
 * never exits or prints, so it can be called millions of times with arbitrary words.
 *
 * An input is split into words at NUL bytes (argv[1], argv[2], ...), and parsed for every
 * workload of the registry.  Build: clang -fsanitize=fuzzer,address,undefined (tests/meson.build);
 * a longer run than the suite's minute: CONTRIBUTING.md. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_WORDS 64

static void require(bool ok, const char *what, const char *workload)
{
    if (!ok) {
        fprintf(stderr, "fuzz_cli: %s (workload %s)\n", what, workload);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_WORDS + 2] = {"fuzzed"};
    int argc = 1;
    for (size_t start = 0; start <= size && argc <= MAX_WORDS; argc++) {
        argv[argc] = copy + start;
        start += strlen(copy + start) + 1;
    }
    argv[argc] = NULL;

    for (const struct workload *const *w = workloads; *w; w++) {
        struct options o;
        char error[512];
        memset(error, 0, sizeof error);
        int status = parse_options(argc, argv, *w, &o, error, sizeof error);
        const char *name = (*w)->name;
        require(status == 0 || status == EXIT_BAD_INPUT, "status neither 0 nor 2", name);
        if (status == EXIT_BAD_INPUT) {
            /* One line, printable, and it says something. */
            require(error[0] != '\0', "an empty error message", name);
            for (const char *c = error; *c; c++)
                require(!iscntrl((unsigned char)*c), "a control character in the message", name);
        } else if (!o.help && !o.version && !o.describe) {
            /* Every value within its option's limits, from the one option table. */
            for (size_t k = 0; k < MAX_OPTIONS; k++) {
                const struct option *option = option_at(*w, k);
                if (!takes_option(*w, option))
                    continue;
                uint64_t max = option->row_limit ? (*w)->n_max : option->max;
                const void *value = (const char *)&o + option->at;
                if (option->kind == OPTION_WHOLE && option->row_limit && !o.given[k])
                    require(*(const uint64_t *)value == (*w)->n_default,
                            "-n changed without -n", name);
                else if (option->kind == OPTION_WHOLE && o.given[k])
                    require(*(const uint64_t *)value >= option->min &&
                            *(const uint64_t *)value <= max, "a whole number outside its range",
                            name);
                else if (option->kind == OPTION_SECONDS)
                    require(*(const double *)value >= (double)option->min &&
                            *(const double *)value <= (double)max, "seconds outside the range",
                            name);
                else if (option->kind == OPTION_DECIMAL)
                    require(*(const double *)value >= option->low &&
                            *(const double *)value <= option->high,
                            "a decimal outside its range (heat's --r: unstable)", name);
                else if (option->kind == OPTION_FILE && o.given[k])
                    require(*(const char *const *)value && **(const char *const *)value,
                            "an empty file name", name);
                else if (option->kind == OPTION_NUMBERS)
                    for (size_t j = 0; j < o.number_count; j++)
                        require(o.numbers[j] >= option->min && o.numbers[j] <= max,
                                "a NUMBER outside its range", name);
            }
            require(o.tasks >= 1 && o.repeat >= 1, "--tasks or --repeat without its default", name);
            for (int k = 0; k < MAX_OWN && (*w)->own[k].flag; k++)
                if ((*w)->own[k].kind == OPTION_CHOICE)
                    require(o.own[k] < MAX_CHOICE_WORDS && (*w)->own[k].words[o.own[k]],
                            "a choice outside its words", name);
        }
        free_options(&o);
    }
    free(copy);
    return 0;
}
