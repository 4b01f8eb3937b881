/* team_single.c: the "team" of a program that runs as one process (serial and OpenMP variants).
 *
 * Why: the driver is written for many ranks; with one process each team operation is trivial. */
#include <string.h>
#include <unistd.h>

#include "internal.h"

void team_start(int *argc, char ***argv) { (void)argc, (void)argv; }
int team_finish(int status) { return status; }
int team_rank(void) { return 0; }
int team_size(void) { return 1; }
void team_barrier(void) {}
double team_max(double value) { return value; }
int team_agree(int status) { return status; }
int team_ranks_on_this_host(void) { return 1; }

void team_gather_doubles(const double *mine, uint64_t count, double *all, uint64_t *counts)
{
    if (count > 0)
        memcpy(all, mine, count * sizeof *mine);
    counts[0] = count;
}
const char *team_variant(void) { return NULL; }
const char *team_library(void) { return NULL; }
const char *team_thread_asked(void) { return NULL; }
const char *team_thread_provided(void) { return NULL; }

int team_cores_on_this_host(void)
{
    cpu_set_t usable;
    threads_usable_cpus(&usable);
    return CPU_COUNT(&usable);
}

int team_hosts(const struct host **hosts)
{
    static struct host self;
    gethostname(self.name, sizeof self.name - 1);
    self.ranks = 1;
    self.cpus = team_cores_on_this_host();
    *hosts = &self;
    return 1;
}
