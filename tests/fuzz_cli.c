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
        } else if (!o.help && !o.version) {
            require(o.n_given ? o.n >= 1 && o.n <= (*w)->n_max : o.n == (*w)->n_default,
                    "-n outside 1..n_max, or changed without -n", name);
            require(o.tasks >= 1 && o.tasks <= MAX_TASKS, "--tasks outside its range", name);
            require(o.repeat >= 1 && o.repeat <= MAX_REPEAT, "--repeat outside its range", name);
            require(o.expect_threads <= MAX_EXPECT && o.expect_ranks <= MAX_EXPECT,
                    "--expect-* outside its range", name);
            require(o.delay >= 0 && o.delay <= MAX_DELAY_SECONDS, "--delay outside 0..60", name);
            for (size_t k = 0; k < o.number_count; k++)
                require(o.numbers[k] <= (*w)->n_max, "a NUMBER above the limit", name);
            for (int k = 0; k < MAX_CHOICES && (*w)->choices[k].name; k++)
                require(o.choice[k] < MAX_CHOICE_WORDS && (*w)->choices[k].words[o.choice[k]],
                        "a choice outside its words", name);
        }
        free_options(&o);
    }
    free(copy);
    return 0;
}
