"""The Python registry: every workload, variant, launch shape and size preset that the harness,
the perf benchmark, the tests and the job checks know about.

Why one place: the C programs have their own registry (common/workloads.c), which says how a
program runs.  This one says how to run and check the programs from outside: which arguments to
pass, what the exact answer is (computed here in Python integers, independently of the C code),
which sizes a preset uses, and how each variant is launched.  Adding a workload is one row in
WORKLOADS (CONTRIBUTING.md); meson.build, the tests, the harness and perf loop over the rows.

A row is one way to run a program: square has two, the array map ("square") and the seed's
numbers demo ("seed").  Run as a script it prints what meson.build needs:
    python3 harness/pharness/registry.py programs     the C workloads, one per line
    python3 harness/pharness/registry.py rows         one line per row: NAME PROGRAM CHECK WORK
"""
import sys

VARIANTS = ("serial", "openmp", "mpi", "hybrid")
MPI_VARIANTS = ("mpi", "hybrid")
OMP_VARIANTS = ("openmp", "hybrid")

# What bounds a workload's speed, for the lessons (docs/roofline.md says why).
BOUNDS = {
    "memory": "memory bandwidth: more cores stop helping once memory is saturated",
    "cores": "the cores: every core adds its share, up to the core count",
    "waiting": "waiting: the work only sleeps, so it scales even past the cores",
}


def shape(variant, workers, threads_per_rank=None):
    """(ranks, threads) for `workers` workers of a variant; None when it cannot be split that
    way.  Hybrid takes the most square split (ranks <= threads), or a fixed threads per rank."""
    if variant == "serial":
        return (1, 1) if workers == 1 else None
    if variant == "openmp":
        return 1, workers
    if variant == "mpi":
        return workers, 1
    if threads_per_rank:
        return ((workers // threads_per_rank, threads_per_rank)
                if workers % threads_per_rank == 0 else None)
    ranks = max(d for d in range(1, workers + 1) if workers % d == 0 and d * d <= workers)
    return ranks, workers // ranks


class Workload:
    """One row.

    name         the harness's name for it (bench --workloads, records' "row")
    program      the C workload: its programs are PROGRAM_VARIANT
    mode         the "mode" its programs report in their JSON line
    about        one line for tables and --help
    bound        a key of BOUNDS
    sizes        per preset, the sizes: n, tasks, numbers, delay (and optionally repeat)
    methods      {method: extra program arguments}: runs of one row that must agree with each
                 other or, for a demonstration (demos), need not; None: a single method
    closed_form  size -> the exact answer (a Python int), or None when the program computes
                 its own exact reference (fsum: see pharness/fsum.py)
    check        "exact" (the result equals the closed form, as a decimal string) or "fsum"
                 (bit-identical to serial, within the error bound: pharness/fsum.py)
    tests        the end-to-end test cases (program arguments) run at every worker count
    work         True: the instruction-count test proves the work grows with -n and --tasks
                 (for kernels a compiler could fold into a formula: docs/folding.md)
    n_max        the largest -n the programs accept (the C row's limit; the tests check it)
    takes        the options beyond the shared ones, for the bad-input tests
    """

    def __init__(self, name, program, mode, about, bound, sizes, closed_form, tests, n_max,
                 takes=(), methods=None, demos=(), choices=None, check="exact", work=False):
        self.name, self.program, self.mode, self.about = name, program, mode, about
        self.bound, self.sizes, self.closed_form, self.tests = bound, sizes, closed_form, tests
        self.n_max, self.takes = n_max, set(takes)
        self.methods = methods or {None: []}
        self.demos = set(demos)
        self.choices = choices or {}
        self.check = check
        self.work = work

    def args(self, size, repeat, method=None):
        """The program arguments for one size (and method), --repeat last."""
        repeat = size.get("repeat", repeat)
        if "numbers" in size:
            args = [str(x) for x in size["numbers"]] + ["--delay", repr(float(size["delay"]))]
        else:
            args = ["-n", str(size["n"])]
            if "tasks" in size:
                args += ["--tasks", str(size["tasks"])]
        if method not in self.methods:
            method = next(iter(self.methods))  # the default method
        return args + list(self.methods[method]) + ["--repeat", str(repeat)]

    def describe(self, size):
        if "numbers" in size:
            return "numbers %s, --delay %g s" % (" ".join(map(str, size["numbers"])),
                                                size["delay"])
        text = "n=%s" % format(size["n"], ",")
        if "tasks" in size:
            text += ", tasks=%d" % size["tasks"]
        return text

    def program_name(self, variant):
        return "%s_%s" % (self.program, variant)


def size_of_args(args):
    """The size that program arguments describe (the inverse of Workload.args, for checks)."""
    size, numbers, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a in ("-n", "--tasks", "--delay", "--repeat") and i + 1 < len(args):
            key = {"-n": "n", "--tasks": "tasks", "--delay": "delay", "--repeat": "repeat"}[a]
            size[key] = float(args[i + 1]) if a == "--delay" else int(args[i + 1])
            i += 2
            continue
        if a.startswith("-n") and a[2:].isdigit():
            size["n"] = int(a[2:])
        elif a.isdigit():
            numbers.append(int(a))
        i += 1
    if numbers:
        size["numbers"] = numbers
    return size


def _sum(size):
    n = size.get("n", 10**7)
    return n * (n - 1) // 2


def _square(size):
    n = size["n"]
    return n * (n + 1) * (2 * n + 1) // 6


def _squares_of(size):
    numbers = size.get("numbers") or list(range(1, size.get("tasks", 4) + 1))
    return sum(x * x for x in numbers)


ODD_N = 1000003  # no worker count up to 8 divides it, and it ends in a short block

WORKLOADS = {w.name: w for w in [
    Workload(
        "heavy", "heavy", "tasks", "heavy: the seed's cpu_heavy_task: each task adds 0..n-1 in "
        "registers", "cores",
        sizes={"tiny": {"n": 1000000, "tasks": 4}, "small": {"n": 100000000, "tasks": 4},
               "large": {"n": 1000000000, "tasks": 16}},
        closed_form=_sum, n_max=6074001000, takes={"--tasks", "--split"}, work=True,
        methods={"tasks": [], "data": ["--split", "data"]},
        choices={"--split": ["tasks", "data"]},
        tests=[["-n", str(ODD_N), "--tasks", "3"], ["-n", str(ODD_N), "--split", "data"],
               ["-n", "3", "--tasks", "7"], ["-n", "1", "--split", "data"]]),
    Workload(
        "sum", "sum", "array", "sum: each task adds up the array 0..n-1", "memory",
        sizes={"tiny": {"n": 200000, "tasks": 4}, "small": {"n": 20000000, "tasks": 8},
               "large": {"n": 200000000, "tasks": 8}},
        closed_form=_sum, n_max=6074001000, takes={"--tasks", "--cold-cache"}, work=True,
        tests=[["-n", str(ODD_N), "--tasks", "3"], ["-n", "1"], ["-n", "3"]]),
    Workload(
        "square", "square", "array", "square: squares 1..n and adds the squares", "memory",
        sizes={"tiny": {"n": 200000}, "small": {"n": 20000000}, "large": {"n": 200000000}},
        closed_form=_square, n_max=4294967295,
        takes={"--tasks", "--cold-cache", "--delay", "NUMBERS"},
        tests=[["-n", str(ODD_N)]]),
    Workload(
        "seed", "square", "numbers", "square, numbers mode (the seed's demo): one number per "
        "worker, --delay seconds of simulated work each", "waiting",
        sizes={"tiny": {"numbers": [1, 2, 3, 4], "delay": 0.02},
               "small": {"numbers": [1, 2, 3, 4], "delay": 0.1, "repeat": 3},
               "large": {"numbers": list(range(1, 17)), "delay": 0.1, "repeat": 3}},
        closed_form=_squares_of, n_max=4294967295,
        takes={"--tasks", "--cold-cache", "--delay", "NUMBERS"},
        tests=[["--delay", "0.01", "--tasks", "5"], ["--delay", "0", "0", "7", "4294967295"]]),
    Workload(
        "fsum", "fsum", "array", "fsum: adds n doubles, bit-identical at every worker count "
        "(docs/float.md)", "memory",
        sizes={"tiny": {"n": 200000}, "small": {"n": 20000000}, "large": {"n": 200000000}},
        closed_form=None, n_max=4294967296, takes={"--cold-cache", "--naive", "--data"},
        methods={"reproducible": [], "naive": ["--naive"]}, demos={"naive"},
        choices={"--data": ["random", "cancel"]}, check="fsum",
        tests=[["-n", str(ODD_N)], ["-n", str(ODD_N), "--data", "cancel"], ["-n", "5"]]),
]}


def programs():
    """The C workloads, in registry order, each once."""
    seen = []
    for w in WORKLOADS.values():
        if w.program not in seen:
            seen.append(w.program)
    return seen


def rows_of_program(program):
    return [w for w in WORKLOADS.values() if w.program == program]


PRESETS = {
    "tiny": {"about": "tests and CI: seconds (10-20 s on 2 cores, mostly MPI start-up)",
             "repeat": 5, "timeout": 120},
    "small": {"about": "a laptop: about a minute", "repeat": 20, "timeout": 600},
    "large": {"about": "a cluster node: minutes", "repeat": 10, "timeout": 3600},
}
DEFAULT_PRESET = "small"
# Rows a preset leaves out by default (the seed demo only sleeps: not worth CI's seconds).
PRESET_SKIPS = {"tiny": {"seed"}, "large": {"seed"}}


def preset_rows(preset):
    return [w.name for w in WORKLOADS.values()
            if preset in w.sizes and w.name not in PRESET_SKIPS.get(preset, ())]


if __name__ == "__main__":
    if sys.argv[1:] == ["programs"]:
        print("\n".join(programs()))
        sys.exit(0)
    if sys.argv[1:] == ["rows"]:
        for w in WORKLOADS.values():
            print(w.name, w.program, w.check, "work" if w.work else "-")
        sys.exit(0)
    sys.stderr.write("usage: registry.py programs|rows\n")
    sys.exit(2)
