"""The exercises, as data: one row per folder exercises/NN-name/, in lesson order.

Why a table: `./parlab check NN`, `./parlab grade NN DIR`, `./parlab handout DIR`, the tests and
the course plan (exercises/README.md) all need the same facts about an exercise: its variant,
what its program must print (a contract, pharness/contracts.py), the thread and rank counts it
runs at, the sizes it draws at random, which detectors apply (ThreadSanitizer and the thread
probe for OpenMP, the hang detector and the MPI probe for MPI), which MPI calls it must or must
not use, what it prints for information, and the hint for each way of failing.  Adding an
exercise is one folder and one row here (CONTRIBUTING.md).

Run as a script it prints what tests/meson.build needs:
    python3 harness/pharness/exercises.py cases    NAME NUMBER FILE EXPECTED VARIANT, one per
        line: the skeleton (EXPECTED: the failure it must give), the solution (EXPECTED: done)
        and every wrong solution (EXPECTED: from its "Expected:" line); only files that exist,
        so that a handout, which has no solutions, still configures
"""
import os
import re
import sys

if __package__ in (None, ""):  # run as a script by meson: import as the package it is
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "pharness"

from . import contracts  # noqa: E402
from .speed import Speed  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXERCISES_DIR = os.path.join(REPO, "exercises")
HEADERS = os.path.join(EXERCISES_DIR, "common")


class Run:
    """One run of the student's program.  threads and ranks may be tuples: one of them is drawn
    at random.  kind picks the sizes (contracts.Contract.size): 'run', or 'small' for fewer
    items than ranks; uneven draws an n that leaves a remainder n % ranks of 2 or more.  env
    may hold {chunk}, replaced by a random chunk size.  cc is the build it uses (default: gcc
    and clang in turn, so that both are run)."""

    def __init__(self, threads=1, ranks=1, cc=None, env=None, kind="run", way=None,
                 method=None, repeat=None, uneven=False):
        self.threads, self.ranks, self.cc, self.env = threads, ranks, cc, dict(env or {})
        self.kind, self.way, self.method, self.repeat, self.uneven = (kind, way, method, repeat,
                                                                      uneven)
        self.variant = None
        self.result_bits = None   # fsum: the bits of the result, for reproducibility
        self.busiest = None       # the schedule exercise: the busiest thread's share

    def copy(self):
        run = Run(self.threads, self.ranks, self.cc, self.env, self.kind, self.way,
                  self.method, self.repeat, self.uneven)
        run.variant = self.variant
        return run


class Exercise:
    """One row.

    number, slug, title   exercises/NUMBER-SLUG/; the title for the course plan
    variant               serial, openmp, mpi or hybrid: how its program is built and run
    minutes               the time a student needs, for the plan
    contract              what its program must print (pharness/contracts.py)
    runs                  the runs of the check, in order (Run)
    n, tasks              the range [low, high] each run's -n (and --tasks) is drawn from
    small_n, tsan_n       -n for runs with fewer items than ranks, and for ThreadSanitizer
    info_n                -n for the timing shown as information
    tsan                  the ThreadSanitizer run (Run), or None
    parallel              functions of the student's file that must run on every thread of a
                          run (the thread probe), or {way: functions}
    require, forbid       MPI functions the program must call (each entry: a tuple of which
                          any one will do) or must not call
    info                  timings printed as information, never judged: 'speedup', 'ways',
                          'schedules', 'binding'
    speed                 where speed is the lesson, the timed check (pharness/speed.py): the
                          student's time over a reference's, at most a limit that the
                          exercise's README states; or None
    skeleton              the failure the untouched student.c gives (the tests check it); a
                          tuple when it makes two mistakes and the drawn sizes decide which
                          one the check meets first
    hints                 failure key -> one line of hint ({detail} fields from the failure)
    """

    def __init__(self, number, slug, title, variant, minutes, contract, runs, n=None,
                 tasks=None, small_n=(1, 4), tsan_n=None, info_n=None, tsan=None, parallel=(),
                 require=(), forbid=(), info=(), skeleton=None, hints=None, concepts="",
                 speed=None):
        self.number, self.slug, self.title, self.variant = number, slug, title, variant
        self.minutes, self.contract, self.runs = minutes, contract, runs
        self.n, self.tasks, self.small_n, self.tsan_n, self.info_n = (n, tasks, small_n,
                                                                       tsan_n or n, info_n)
        self.tsan, self.parallel, self.require, self.forbid = tsan, parallel, require, forbid
        self.info, self.skeleton, self.hints, self.concepts = info, skeleton, hints or {}, concepts
        self.speed = speed
        for run in runs + ([tsan] if tsan else []):
            run.variant = variant

    @property
    def name(self):
        return "%s-%s" % (self.number, self.slug)

    @property
    def folder(self):
        return os.path.join(EXERCISES_DIR, self.name)

    @property
    def standalone(self):
        """A program with its own main(), not a parlab kernel file."""
        return not isinstance(self.contract, contracts.Workload)

    def student(self):
        return os.path.join(self.folder, "student.c")

    def solution(self):
        return os.path.join(self.folder, "solution", "student.c")

    def wrong(self):
        folder = os.path.join(self.folder, "wrong")
        if not os.path.isdir(folder):
            return []
        return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".c"))

    def parallel_functions(self, run):
        if isinstance(self.parallel, dict):
            return tuple(self.parallel.get(run.way, ()))
        return tuple(self.parallel)


MPI_SENDS = ("MPI_Send", "MPI_Ssend", "MPI_Isend", "MPI_Issend", "MPI_Bsend", "MPI_Rsend",
             "MPI_Sendrecv")
MPI_RECEIVES = ("MPI_Recv", "MPI_Irecv", "MPI_Sendrecv")
MPI_COLLECTIVE_SUMS = ("MPI_Reduce", "MPI_Allreduce", "MPI_Ireduce", "MPI_Iallreduce",
                       "MPI_Reduce_scatter", "MPI_Reduce_scatter_block", "MPI_Scan",
                       "MPI_Exscan", "MPI_Reduce_local", "MPI_Gather", "MPI_Gatherv",
                       "MPI_Allgather", "MPI_Allgatherv")
WAYS = ("atomic", "critical", "reduction")

# The hints of the halo exercises (13 to 18), by the key contracts.HeatField gives; {rank},
# {row}, {column}, {side} and {other} are the first wrong cell's.
HALO_HINTS = {
    "halo-missing": "rank {rank}'s {side} halo was never filled: every rank must send the edge "
                    "that its {side} neighbour needs and receive into this halo, before the "
                    "cells next to it are updated (after MPI_Wait for a non-blocking receive)",
    "neighbour": "a halo holds another rank's cells: the first row goes north and the south "
                 "halo comes from the south (and the other way round); at the grid's edge the "
                 "neighbour is MPI_PROC_NULL, so nothing arrives there",
    "column": "a column halo holds the wrong cells: a column of the block is rows doubles, one "
              "row (cols + 2 doubles) apart: MPI_Type_vector(rows, 1, cols + 2, MPI_DOUBLE, "
              "&column), sent from &u[width + 1] (west) and &u[width + cols] (east)",
    "not-updated": "rank {rank}'s cell at row {row}, column {column} was never updated: the "
                   "interior and the edges together must cover rows 1..rows and columns "
                   "1..cols of the block exactly",
    "interior": "a cell next to no halo is wrong: keep update() as it is, and check that "
                "the block's first_row, first_col, rows and cols are the ones you exchange",
    "stale": "a halo came from an earlier step: exchange the edges of b->u, the field this step "
             "reads, every step, and wait for the messages before updating the cells next to "
             "the halo",
    "split": "every cell of the grid belongs to exactly one rank's block: heat_share(n, "
             "coordinate, parts, &first, &count) in each direction",
    "grid": "MPI_Dims_create(size, 2, dims) picks the most square process grid, and "
            "MPI_Cart_create builds it",
    "deadlock": "every rank is waiting for a neighbour that is itself waiting: a blocking "
                "MPI_Send of a large row returns only once its receive is posted; send and "
                "receive together with MPI_Sendrecv, or post MPI_Irecv and MPI_Isend and wait",
}

EXERCISES = [
    Exercise(
        "01", "spmd-hello", "SPMD hello: rank and size, MPI_Init and MPI_Finalize", "mpi", 30,
        contracts.Hello(), concepts="SPMD; MPI_Init, MPI_Comm_rank, MPI_Comm_size, "
        "MPI_Finalize; mpirun -np",
        runs=[Run(ranks=3), Run(ranks=(2, 4, 5)), Run(ranks=1)],
        skeleton="no-init",
        hints={
            "no-init": "call MPI_Init(&argc, &argv) first in main(): until then a process is "
                       "not part of the MPI job and believes it is alone",
            "copies": "ask MPI who you are: MPI_Comm_rank(MPI_COMM_WORLD, &rank) and "
                      "MPI_Comm_size(MPI_COMM_WORLD, &size), after MPI_Init",
            "size": "the size is MPI_Comm_size(MPI_COMM_WORLD, &size): never a number in the "
                    "program, the check starts it with a different count each time",
            "finalize": "every rank calls MPI_Finalize() once, after its last MPI call and "
                        "before main returns",
        }),
    Exercise(
        "02", "parallel-for-reduction", "parallel for with a reduction", "openmp", 30,
        contracts.Workload("sum"), concepts="#pragma omp parallel for; reduction(+:x); "
        "OMP_NUM_THREADS; a parlab kernel file",
        n=(100003, 2000000), tasks=(1, 4), tsan_n=(20001, 200000),
        runs=[Run(threads=3), Run(threads=3), Run(threads=1), Run(threads=(4, 5, 7))],
        tsan=Run(threads=3), parallel=("sum_task",), skeleton="one-thread",
        speed=Speed(2.0, "parlab's own reduction", {"n": 20000000, "tasks": 1}),
        hints={
            "slow": "your sum takes {ratio} times as long as a plain reduction: every thread "
                    "must add into a private copy (reduction(+ : sum)), not through an atomic "
                    "or critical update of one shared total per addition",
            "one-thread": "put `#pragma omp parallel for reduction(+ : sum)` in front of the "
                          "loop in {function}(): `omp for` alone, outside a parallel region, "
                          "runs on one thread",
            "times-workers": "`#pragma omp parallel` without `for` makes every thread run the "
                             "whole loop; `parallel for` shares the iterations out",
            "race": "every thread adds into the one shared `sum`: add `reduction(+ : sum)` to "
                    "the pragma, so that each thread adds into its own copy",
            "wrong": "the answer must follow -n and --tasks: compute it from the values in "
                     "memory, never write it down; run the program by hand with the sizes above",
        }),
    Exercise(
        "03", "fix-a-race", "fix a race in three ways: atomic, critical, reduction", "openmp",
        45, contracts.Total(contracts.multiples_of_3_or_5, ways=WAYS),
        concepts="data race; #pragma omp atomic; #pragma omp critical; reduction; their cost",
        n=(100000, 1000000), tsan_n=(2000, 20000), info_n=3000000,
        runs=[Run(threads=3, way=w) for w in WAYS] + [Run(threads=(2, 4), way=w) for w in WAYS]
        + [Run(threads=1, way="reduction")],
        tsan=Run(threads=3), parallel={w: ("with_" + w,) for w in WAYS}, info=("ways",),
        skeleton="race",
        speed=Speed(0.8, "the reduction way against the critical way", {"n": 3000000},
                    student={"way": "reduction"}, reference={"way": "critical"}),
        hints={
            "slow": "your reduction way takes {ratio} of the critical way's time: it must let "
                    "each thread add into its own copy, reduction(+ : total), with no atomic or "
                    "critical update inside the loop",
            "race": "{function}() still lets two threads update `total` at once: fix it "
                    "the way its name says (atomic, critical, or a reduction clause)",
            "wrong": "a race loses updates, so the total comes out too small, and differently "
                     "each run; ThreadSanitizer finds where",
            "zero": "a private copy of `total` is thrown away at the end of the region: only "
                    "reduction(+ : total) adds the copies back",
            "times-workers": "every thread ran the whole loop: `parallel` needs `for` to share "
                             "the iterations out",
            "one-thread": "{function}() ran on one thread: its loop needs `#pragma omp "
                          "parallel for`",
        }),
    Exercise(
        "04", "private-shared", "private and shared: who owns each variable", "openmp", 40,
        contracts.Workload("square"), concepts="data-sharing clauses: shared, private, "
        "firstprivate, reduction; default(none); variables declared inside the loop",
        n=(100003, 2000000), tsan_n=(20001, 200000),
        runs=[Run(threads=3), Run(threads=3), Run(threads=1), Run(threads=(4, 7))],
        tsan=Run(threads=3), parallel=("square_all",), skeleton="race",
        hints={
            "race": "a variable every thread writes is shared unless the pragma says "
                    "otherwise: make the temporary private (private(square), or declare it "
                    "inside the loop), and keep the sums in reduction(+ : low, high)",
            "zero": "private and firstprivate copies are thrown away when the loop ends: the "
                    "sums need reduction(+ : low, high) to come back",
            "wrong": "every variable of the loop has an owner: shared (one copy), private (one "
                     "per thread, uninitialised) or reduction (one per thread, added at the end)",
            "one-thread": "square_all() ran on one thread: its loop needs `#pragma omp "
                          "parallel for`",
        }),
    Exercise(
        "05", "heavy-speedup", "the compute-bound speedup: the seed's cpu_heavy_task", "openmp",
        40, contracts.Workload("heavy"), concepts="compute-bound work; speedup and efficiency; "
        "schedule(dynamic, 1) for whole tasks; splitting one task; timing on a shared machine",
        n=(100000, 3000000), tasks=(1, 7), tsan_n=(300000, 700000), info_n=50000000,
        runs=[Run(threads=3, method="tasks"), Run(threads=3, method="data"),
              Run(threads=1, method="data"), Run(threads=(2, 4, 7), method="tasks"),
              Run(threads=2, method="tasks"), Run(threads=(2, 5), method="data")],
        tsan=Run(threads=3, method="data"), parallel=("whole_tasks", "split_task"),
        info=("speedup",), skeleton="one-thread",
        speed=Speed(1.5, "parlab's own heavy_openmp", {"n": 3000000, "tasks": 4},
                    student={"method": "tasks"}),
        hints={
            "slow": "your whole tasks take {ratio} times as long as parlab's: share the tasks "
                    "out whole, `#pragma omp parallel for schedule(dynamic, 1)`, with nothing "
                    "shared between the threads inside the loop",
            "one-thread": "{function}() ran on one thread: give its loop `#pragma omp parallel "
                          "for` (whole tasks: schedule(dynamic, 1); one split task: "
                          "reduction(+ : total))",
            "race": "the threads add into one shared total: reduction(+ : total)",
            "wrong": "each task adds 0..n-1 for the n it is given: compute it, never write the "
                     "seed's 49999995000000 down",
        }),
    Exercise(
        "06", "schedule-imbalance", "schedule and load imbalance", "openmp", 40,
        contracts.Triangle(), concepts="load imbalance; schedule(static), static,C, dynamic, "
        "guided; schedule(runtime) and OMP_SCHEDULE",
        n=(2000, 6000), tsan_n=(200, 600), info_n=24000,
        runs=[Run(threads=3, env={"OMP_SCHEDULE": "static,{chunk}"}),
              Run(threads=3, env={"OMP_SCHEDULE": "static,{chunk}"}),
              Run(threads=2, env={"OMP_SCHEDULE": "dynamic,{chunk}"}),
              Run(threads=4, env={"OMP_SCHEDULE": "guided"}),
              Run(threads=1, env={"OMP_SCHEDULE": "static"})],
        tsan=Run(threads=3, env={"OMP_SCHEDULE": "static,1"}), parallel=("add_rows",),
        info=("schedules",), skeleton="one-thread",
        speed=Speed(0.9, "the dynamic schedule against the static one", {"n": 24000},
                    student={"env": {"OMP_SCHEDULE": "dynamic,1"}},
                    reference={"env": {"OMP_SCHEDULE": "static"}}),
        hints={
            "slow": "under OMP_SCHEDULE=dynamic,1 the rows take {ratio} of the time they take "
                    "under static: the loop must take its schedule from OMP_SCHEDULE "
                    "(schedule(runtime)), and share nothing between threads inside it",
            "one-thread": "the rows ran on one thread: `#pragma omp parallel for "
                          "schedule(runtime) reduction(+ : total)` in front of the loop",
            "schedule": "the loop must take its schedule from OMP_SCHEDULE: write "
                        "schedule(runtime); static, dynamic or guided in the pragma is fixed "
                        "when the program is compiled",
            "race": "the threads add into one shared total: reduction(+ : total)",
        }),
    Exercise(
        "07", "false-sharing", "false sharing: one cache line, many threads", "openmp", 40,
        contracts.Slots(), concepts="cache lines; false sharing; padding and _Alignas; "
        "accumulating in a local variable",
        n=(100000, 2000000), tsan_n=(10000, 100000), info_n=20000000,
        runs=[Run(threads=2), Run(threads=3), Run(threads=4), Run(threads=1)],
        tsan=Run(threads=3), parallel=("add_up",), info=("speedup",),
        skeleton="false-sharing",
        hints={
            "false-sharing": "give each thread a slot of its own cache line (a struct with "
                             "_Alignas(64)), or add into a local variable and write the slot "
                             "once, after the loop",
            "race": "the threads' sums meet in one shared variable: add them with "
                    "`#pragma omp atomic` (once per thread), or use reduction(+ : total)",
            "one-thread": "add_up() ran on one thread: the loop needs `#pragma omp for` "
                          "inside the parallel region",
        }),
    Exercise(
        "08", "mpi-decomposition", "MPI decomposition: my share from rank and size", "mpi", 40,
        contracts.Decomposition(), concepts="block decomposition; the remainder n % size; "
        "more ranks than items; MPI_Reduce",
        n=(100000, 1000000),
        runs=[Run(ranks=3, uneven=True), Run(ranks=5, kind="small"), Run(ranks=4, uneven=True),
              Run(ranks=1), Run(ranks=5, uneven=True)],
        skeleton="lost",
        hints={
            "lost": "n / size rounds down and drops the last n % size items: give the first "
                    "n % size ranks one item more (count = n / size + (rank < n % size))",
            "overrun": "rounding the share up makes the last blocks reach past n, and with "
                       "more ranks than items start past it: a rank may have 0 items",
            "overlap": "rank r starts where rank r-1 ends: first = rank * (n / size) + "
                       "min(rank, n % size)",
            "unbalanced": "spread the remainder n % size one item each over the first "
                          "ranks, instead of giving it all to one rank",
            "wrong": "each rank sums its own items first .. first + count - 1, and MPI_Reduce "
                     "adds the ranks' sums on rank 0",
        }),
    Exercise(
        "09", "send-recv-reduction", "a reduction written by hand with MPI_Send and MPI_Recv",
        "mpi", 45, contracts.Total(contracts.sum_below, mpi=True),
        concepts="point-to-point messages; MPI_Send, MPI_Recv, tags and MPI_ANY_SOURCE; what "
        "MPI_Reduce does for you",
        n=(100000, 1000000),
        runs=[Run(ranks=3), Run(ranks=5, kind="small"), Run(ranks=2), Run(ranks=1),
              Run(ranks=4)],
        require=(MPI_SENDS, MPI_RECEIVES), forbid=MPI_COLLECTIVE_SUMS, skeleton="missing",
        hints={
            "forbidden": "this exercise is the reduction itself: every rank but 0 sends its "
                         "sum with MPI_Send, and rank 0 adds what MPI_Recv brings, without {call}",
            "missing": "the partial sums travel by MPI_Send (ranks 1..size-1) and MPI_Recv "
                       "(rank 0, size - 1 times)",
            "wrong": "rank 0 must receive one sum from every other rank (size - 1 messages) "
                     "and add its own",
            "deadlock": "a rank that waits in MPI_Recv for a message that no rank sends "
                        "waits for ever: rank 0 receives, the others only send",
            "output": "only rank 0 prints 'total: X', once",
        }),
    Exercise(
        "10", "avoid-deadlock", "avoid a deadlock: the ring exchange", "mpi", 40,
        contracts.Ring(), concepts="blocking sends and message size (eager and rendezvous); "
        "deadlock; MPI_Sendrecv; odd/even ordering; MPI_Isend and MPI_Irecv",
        n=(20000, 200000),
        runs=[Run(ranks=2), Run(ranks=3), Run(ranks=1), Run(ranks=5)],
        skeleton="deadlock",
        hints={
            "deadlock": "a large MPI_Send waits until its receive is posted, and a receive "
                        "waits for a send from exactly its source: send right and receive "
                        "from the left in one MPI_Sendrecv, or post MPI_Irecv and MPI_Isend "
                        "and MPI_Waitall",
            "neighbour": "on a ring of size ranks the left neighbour is (rank - 1 + size) % "
                         "size and the right one (rank + 1) % size",
            "wrong": "receive into a buffer of your own, not the one you are sending from",
        }),
    Exercise(
        "11", "reproducible-fsum", "a reproducible floating-point sum across ranks", "mpi", 45,
        contracts.Workload("fsum"), concepts="floating-point addition is not associative; "
        "MPI_Reduce's order; fixed blocks by global index; MPI_Gatherv",
        n=(50000, 500000),
        runs=[Run(ranks=1), Run(ranks=3), Run(ranks=2), Run(ranks=5, kind="small"),
              Run(ranks=4), Run(ranks=5)],
        # A plain sum, and MPI_SUM on the ranks' sums: at some n the plain sum happens to stay
        # within the method's bound on the first run (1 rank), and the MPI_SUM is seen first.
        skeleton=("fsum-error", "not-reproducible"),
        hints={
            "fsum-error": "a plain sum rounds at every addition, and MPI_SUM adds the ranks' "
                          "sums in an order of its own: sum each block with fsum_block(), "
                          "gather the partials to rank 0 in block order (MPI_Gatherv) and "
                          "combine them there with fsum_combine()",
            "not-reproducible": "the last bits follow the rank count when the ranks' sums are "
                                "added together: gather every block's partial to rank 0 and "
                                "combine them in block order there",
            "wrong": "rank 0 holds only its own blocks until it gathers the others' partials: "
                     "MPI_Gatherv into share->all, then fsum_combine(share->all, "
                     "share->total_blocks)",
        }),
    Exercise(
        "12", "hybrid-binding", "hybrid MPI + OpenMP, and where the threads run", "hybrid", 45,
        contracts.Workload("sum"), concepts="ranks x threads; MPI_THREAD_FUNNELED; binding: "
        "--bind-to, --map-by slot:PE=T, OMP_PLACES and OMP_PROC_BIND; first touch",
        n=(100003, 2000000), tasks=(1, 3),
        runs=[Run(ranks=1, threads=3), Run(ranks=2, threads=2), Run(ranks=3, threads=1),
              Run(ranks=5, threads=1, kind="small"), Run(ranks=2, threads=3)],
        parallel=("sum_task",), info=("binding",), skeleton="wrong",
        hints={
            "one-thread": "sum_task() ran on one thread in each rank: its loop needs `#pragma "
                          "omp parallel for reduction(+ : my_sum)`",
            "wrong": "each rank holds only its share: its threads sum it, then MPI_Reduce adds "
                     "the ranks' sums on rank 0, outside the parallel region",
            "times-workers": "every thread ran the whole loop: `parallel` needs `for`",
            "deadlock": "only the main thread may call MPI (MPI_THREAD_FUNNELED): "
                        "MPI_Reduce goes after the parallel loop, not inside it",
        }),

    # 13 to 18: the halo-exchange ladder, steps towards mpi/heat.c and hybrid/heat.c.  Each is a
    # heat kernel file; its field is compared, bit for bit, with the capstone's serial program's
    # (contracts.HeatField), and a wrong one is named by its first wrong cell.
    Exercise(
        "13", "halo-sendrecv", "a 1-D halo exchange with MPI_Sendrecv", "mpi", 45,
        contracts.HeatField(ny=(13, 61), steps=(3, 9)), concepts="stencils and halos; a 1-D "
        "decomposition in bands of rows; MPI_Sendrecv; MPI_PROC_NULL at the grid's edge",
        n=(11, 61),
        runs=[Run(ranks=3), Run(ranks=(2, 4), kind="wide"), Run(ranks=5, kind="small"),
              Run(ranks=1)],
        skeleton="halo-missing", hints=HALO_HINTS),
    Exercise(
        "14", "halo-overlap", "a non-blocking halo exchange, overlapped with the update",
        "mpi", 40, contracts.HeatField(ny=(13, 61), steps=(3, 9)),
        concepts="MPI_Isend, MPI_Irecv, MPI_Waitall; a buffer belongs to MPI until the wait; "
        "hiding communication behind the interior update",
        n=(11, 61),
        runs=[Run(ranks=3), Run(ranks=5, kind="small"), Run(ranks=1)],
        require=(("MPI_Isend", "MPI_Issend"), ("MPI_Irecv",)), skeleton="missing",
        hints=dict(HALO_HINTS, missing="post the exchange without waiting: MPI_Irecv into both "
                   "halos and MPI_Isend of both edge rows, one request each, then MPI_Waitall "
                   "after the interior update")),
    Exercise(
        "15", "cartesian-grid", "a 2-D Cartesian process grid", "mpi", 45,
        contracts.HeatField(ny=(13, 61), steps=(3, 9), grid2d=True),
        concepts="2-D decomposition and its smaller messages; MPI_Dims_create, MPI_Cart_create, "
        "MPI_Cart_coords, MPI_Cart_shift; MPI_PROC_NULL",
        n=(11, 61),
        runs=[Run(ranks=4), Run(ranks=6, kind="small"), Run(ranks=(3, 5)), Run(ranks=1)],
        require=(("MPI_Cart_create",), ("MPI_Cart_shift",)), skeleton="missing",
        hints=dict(HALO_HINTS, missing="build the process grid with MPI_Dims_create and "
                   "MPI_Cart_create, and take the neighbours from MPI_Cart_shift")),
    Exercise(
        "16", "column-datatype", "a derived datatype for a column halo", "mpi", 30,
        contracts.HeatField(ny=(13, 61), steps=(3, 9), grid2d=True, column_key="column"),
        concepts="memory layout of a 2-D block; MPI_Type_vector (count, blocklength, stride), "
        "MPI_Type_commit, MPI_Type_free; sending one element of a derived type",
        n=(11, 61),
        runs=[Run(ranks=4), Run(ranks=5, kind="small"), Run(ranks=1)],
        skeleton="column", hints=HALO_HINTS),
    Exercise(
        "17", "gather-field", "gathering the field on rank 0 with MPI_Gatherv", "mpi", 40,
        contracts.HeatField(ny=(13, 61), steps=(3, 9), gather=True),
        concepts="collecting a distributed array: MPI_Gather of each block's place, counts and "
        "displacements, MPI_Gatherv; putting the blocks in place; only the root has the field",
        n=(11, 61),
        runs=[Run(ranks=4), Run(ranks=5, kind="small"), Run(ranks=1)],
        skeleton="not-gathered",
        hints=dict(HALO_HINTS, **{
            "not-gathered": "rank {block_rank}'s block never reached its place in the field: "
                            "MPI_Gatherv every rank's cells into `all` (counts[k] cells at "
                            "offsets[k]) and copy each block's rows to field + (first_row + y) "
                            "* nx + first_col",
            "misplaced": "rank {block_rank}'s cell is in another place: offsets[k] is the sum of "
                         "counts[0..k-1], and a row of the field is nx cells long",
            "gather": "send the block's own cells, without its ring: b->u[(y + 1) * (cols + 2) "
                      "+ x + 1] for y < rows, x < cols",
            "crash": "only rank 0 has the field, `all` and the places (NULL elsewhere): every "
                     "copy into them belongs under `if (rank == 0)`",
        })),
    Exercise(
        "18", "hybrid-heat", "hybrid heat: MPI between the blocks, threads inside them",
        "hybrid", 40, contracts.HeatField(ny=(13, 61), steps=(3, 9), grid2d=True),
        concepts="ranks x threads on a stencil; parallel for over the rows of a block; "
        "MPI_THREAD_FUNNELED: MPI only outside parallel regions; num_threads and "
        "OMP_NUM_THREADS",
        n=(11, 61),
        runs=[Run(ranks=2, threads=2), Run(ranks=1, threads=3),
              Run(ranks=3, threads=2, kind="small")],
        parallel=("update",), skeleton="one-thread",
        hints=dict(HALO_HINTS, **{
            "one-thread": "update() ran on one thread in each rank: `#pragma omp parallel for "
                          "schedule(static)` in front of its row loop; exchange() stays outside "
                          "(only the main thread calls MPI)",
            "few-threads": "a num_threads() or if() clause holds threads back: leave the count "
                           "to OMP_NUM_THREADS, which the job script sets per rank",
            "not-updated": "rank {rank}'s row {row} belongs to no thread: a share computed by "
                           "hand drops the remainder (rows % threads); `parallel for` shares "
                           "every row out",
        })),
]

BY_NUMBER = {e.number: e for e in EXERCISES}


def find(text):
    """The exercise that NN, N, NN-name or name names; None if none."""
    text = (text or "").strip().rstrip("/")
    text = os.path.basename(text)
    if text.isdigit():
        return BY_NUMBER.get("%02d" % int(text))
    for e in EXERCISES:
        if text in (e.name, e.slug):
            return e
    return None


EXPECTED = re.compile(r"^\s*\*?\s*Expected:\s*([a-z-]+)\s*(?:\*/)?\s*$", re.M)


def expected_failure(path):
    """The failure key a wrong solution must give: its opening comment's 'Expected: KEY'."""
    with open(path, encoding="utf-8") as fh:
        head = fh.read(4000)
    m = EXPECTED.search(head)
    return m.group(1) if m else None


def cases():
    """(name, number, file, expected, variant) for the tests: every file that exists."""
    found = []
    for e in EXERCISES:
        if os.path.exists(e.student()):
            keys = e.skeleton if isinstance(e.skeleton, tuple) else (e.skeleton,)
            found.append(("%s_skeleton" % e.number, e.number, e.student(), "|".join(keys),
                          e.variant))
        if os.path.exists(e.solution()):
            found.append(("%s_solution" % e.number, e.number, e.solution(), "done", e.variant))
        for path in e.wrong():
            name = os.path.splitext(os.path.basename(path))[0]
            found.append(("%s_wrong_%s" % (e.number, name.replace("-", "_")), e.number, path,
                          expected_failure(path) or "?", e.variant))
    return found


if __name__ == "__main__":
    if sys.argv[1:] == ["cases"]:
        for case in cases():
            print(" ".join(case))
        sys.exit(0)
    sys.stderr.write("usage: exercises.py cases\n")
    sys.exit(2)
