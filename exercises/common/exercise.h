/* exercise.h: the little that an exercise program needs and that is not its lesson.
 *
 * Why a header: the exercises that are not parlab workloads (SPMD hello, the race, the schedule,
 * false sharing, the MPI ones) are whole programs with their own main(), and each needs a strict
 * command line and a clock.  Written once here, each exercise file keeps only its lesson.  A bad
 * command line gives what every parlab program gives: one line on stderr that names the flag
 * and what it accepts, nothing on stdout, exit status 2.  The check (./parlab check NN) passes
 * -n with a size chosen at random, so a program cannot know its answer in advance.
 *
 * Header-only and C11: `#include "exercise.h"`; the check builds with -I exercises/common. */
#ifndef EXERCISE_H
#define EXERCISE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The command line of an exercise program: -n N, and for some a --way WORD. */
struct exercise_args {
    uint64_t n;   /* -n N */
    int way;      /* --way: the index of the word given in `ways`, or -1 if none was asked for */
};

static inline void exercise_bad_usage(const char *program, const char *flag, const char *what,
                                      const char *got)
{
    fprintf(stderr, "%s: %s: expected %s, got '%s'\n", program, flag, what, got ? got : "nothing");
    exit(2);
}

/* Digits only, in [1, max]: no sign, space, exponent or hexadecimal. */
static inline int exercise_whole_number(const char *text, uint64_t max, uint64_t *value)
{
    uint64_t result = 0;
    if (text == NULL || *text == '\0')
        return 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || result > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
            return 0;
        result = result * 10 + (uint64_t)(*c - '0');
    }
    if (result < 1 || result > max)
        return 0;
    *value = result;
    return 1;
}

/* Parses `-n N` (required, 1..n_max) and, when `ways` is not NULL, `--way WORD` (required, one
 * of the NULL-terminated words).  Anything else: one line on stderr, exit 2. */
static inline struct exercise_args exercise_parse(int argc, char **argv, uint64_t n_max,
                                                  const char *const *ways)
{
    const char *program = argc > 0 ? argv[0] : "exercise";
    const char *slash = strrchr(program, '/');
    program = slash ? slash + 1 : program;
    struct exercise_args args = {0, -1};
    char range[64];
    snprintf(range, sizeof range, "a whole number from 1 to %llu", (unsigned long long)n_max);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0) {
            if (args.n != 0)
                exercise_bad_usage(program, "-n", "it once", "a second -n");
            if (!exercise_whole_number(i + 1 < argc ? argv[i + 1] : NULL, n_max, &args.n))
                exercise_bad_usage(program, "-n", range, i + 1 < argc ? argv[i + 1] : NULL);
            i++;
        } else if (ways != NULL && strcmp(argv[i], "--way") == 0) {
            const char *word = i + 1 < argc ? argv[i + 1] : NULL;
            char words[160] = "";
            for (int w = 0; ways[w]; w++) {
                if (word && strcmp(word, ways[w]) == 0)
                    args.way = w;
                snprintf(words + strlen(words), sizeof words - strlen(words), "%s%s",
                         w ? "|" : "one of ", ways[w]);
            }
            if (args.way < 0)
                exercise_bad_usage(program, "--way", words, word);
            i++;
        } else {
            exercise_bad_usage(program, argv[i], ways ? "-n N --way WORD" : "-n N", argv[i]);
        }
    }
    if (args.n == 0)
        exercise_bad_usage(program, "-n", range, NULL);
    if (ways != NULL && args.way < 0)
        exercise_bad_usage(program, "--way", "a --way", NULL);
    return args;
}

/* Seconds on a monotonic clock: only differences mean something. */
static inline double exercise_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
