/* probes/threads.c: which threads ran each function of a program: the exercise checks' proof
 * that a kernel really ran in parallel, not only that its answer was right.
 *
 * Why: a serial loop gives the right sum, and so does `#pragma omp for` without `parallel`;
 * neither is what an OpenMP exercise asks for, and no timing can tell them apart on a noisy
 * machine (timings never fail a check).  clang's -finstrument-functions calls the two hooks
 * below on entry to and exit from every function it compiles, the outlined body of every
 * parallel region included (gcc 12 leaves those out, so the checks use clang for this).  The
 * hooks note, per function, the set of threads that entered it, and the function that was
 * running on the calling thread when it was first entered: for a parallel region's body, that
 * is the function that holds the region.  At exit one line per function goes to stderr:
 *
 *     parlab-probe: pid=P fn=0xOFFSET parent=0xOFFSET threads=0xMASK nonce=N
 *
 * with offsets from the executable's load address, which `nm` turns into names
 * (harness/pharness/checker.py).  Every function here is left uninstrumented itself. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NO_PROBE __attribute__((no_instrument_function))

enum { TABLE = 1024, DEPTH = 256 };

struct record {
    _Atomic(uintptr_t) fn;
    _Atomic(uintptr_t) parent;
    _Atomic(uint64_t) threads; /* bit t: the t-th thread to enter any instrumented function */
};

static struct record table[TABLE];
static atomic_int next_thread;
static _Thread_local int thread_bit = -1;
static _Thread_local uintptr_t stack[DEPTH];
static _Thread_local int depth;

void __cyg_profile_func_enter(void *fn, void *site) NO_PROBE;
void __cyg_profile_func_exit(void *fn, void *site) NO_PROBE;

/* The record of fn: open addressing, claimed with one compare-and-swap; NULL if full. */
NO_PROBE static struct record *record_of(uintptr_t fn)
{
    for (unsigned k = 0, slot = (unsigned)((fn >> 4) * 2654435761u) % TABLE; k < TABLE;
         k++, slot = (slot + 1) % TABLE) {
        uintptr_t seen = atomic_load_explicit(&table[slot].fn, memory_order_acquire);
        if (seen == fn)
            return &table[slot];
        if (seen == 0) {
            uintptr_t empty = 0;
            if (atomic_compare_exchange_strong(&table[slot].fn, &empty, fn) || empty == fn)
                return &table[slot];
        }
    }
    return NULL;
}

void __cyg_profile_func_enter(void *fn, void *site)
{
    (void)site;
    if (thread_bit < 0)
        thread_bit = atomic_fetch_add(&next_thread, 1) % 64;
    struct record *r = record_of((uintptr_t)fn);
    if (r != NULL) {
        uint64_t bit = UINT64_C(1) << thread_bit;
        if (!(atomic_load_explicit(&r->threads, memory_order_relaxed) & bit))
            atomic_fetch_or(&r->threads, bit);
        uintptr_t none = 0;
        if (depth > 0 && depth <= DEPTH &&
            atomic_load_explicit(&r->parent, memory_order_relaxed) == 0)
            atomic_compare_exchange_strong(&r->parent, &none, stack[depth - 1]);
    }
    if (depth < DEPTH)
        stack[depth] = (uintptr_t)fn;
    depth++;
}

void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)fn;
    (void)site;
    if (depth > 0)
        depth--;
}

#include "nonce.h"

NO_PROBE static uintptr_t offset(uintptr_t address)
{
    Dl_info info;
    if (address == 0 || dladdr((void *)address, &info) == 0)
        return address;
    return address - (uintptr_t)info.dli_fbase;
}

NO_PROBE static void report(void)
{
    for (unsigned slot = 0; slot < TABLE; slot++) {
        uintptr_t fn = atomic_load(&table[slot].fn);
        if (fn != 0)
            fprintf(stderr, "parlab-probe: pid=%ld fn=%#lx parent=%#lx threads=%#llx nonce=%s\n",
                    (long)getpid(), (unsigned long)offset(fn),
                    (unsigned long)offset(atomic_load(&table[slot].parent)),
                    (unsigned long long)atomic_load(&table[slot].threads), nonce);
    }
}

/* Priority 101, the first the program may use: before the program's own constructors. */
NO_PROBE __attribute__((constructor(101))) static void start(void)
{
    take_nonce();
    atexit(report);
}
