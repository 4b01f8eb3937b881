"""`perf`: parlab's kernels next to the memory-bandwidth roof, the seed's Python and numpy.

    ./parlab perf [--build build] [--results results] [--rounds 6] [-n 50000000] [--smoke]

One run measures, on this machine, in rounds (default 6):
  * the bandwidth probe (harness/probe.c: STREAM triad, 24 bytes/element as STREAM counts it, and
    a read-only sum) at 1..cores threads;
  * every row of the registry sized by -n (registry.py), serial at 1 worker: a memory-bound
    row in GB/s over the same -n values, OpenMP and MPI at 1..cores; any other row in seconds,
    OpenMP, MPI and hybrid at 1 worker and at all cores (serial must be within 5% of the best
    variant at 1 worker: the baseline of every speedup); a row's methods (fsum: the reproducible sum and
    `--naive`) back to back, in an order that flips every round;
  * numpy's a.sum() over a pre-filled int64 array of the same n, and over float64 next to fsum
    (Debian's python3-numpy; skipped, and said so, where it is missing);
  * the seed's own Python summation (harness/seed_workload.py), sequential and with Pool.map,
    next to sum_serial on the same work (-n 10^7 --tasks 4), whole process and kernel alone;
  * MPI with twice as many ranks as cores next to as many ranks as cores (oversubscription);
    (a whole-process time is the median of 5 launches after one untimed launch)
  * sum_serial and sum_openmp at growing n (cost per element against size), with --cold-cache,
    and once warm at the smallest n (what the cache does);
  * sum_mpi at all cores with and without the launcher's hang watcher (pharness/launch.py),
    and a second run without it for the noise, back to back (the order rotates every round);
  * heat_mpi at all cores with the blocking halo exchange and with --overlap, back to back, on
    grids of side 64 to 1024: the ratio, and the blocking run's exchange share, per side.
Each round runs every measurement once, in the same order, so every ratio is taken from two
numbers measured moments apart; a ratio is printed as the median over rounds with its 95%
confidence interval (docs/timing.md).

Every program run goes through the harness's one launcher (pharness/launch.py: the MPI launcher
that matches the library the build links, its environment, a timeout that ends every rank) and is
checked and recorded like a bench run (pharness/bench.py).  The probe, numpy, the seed's Python
and the ratios are records of the same schema, told apart by "kind" (results/README.md), in
RESULTS/perf-<date>.jsonl, with the printed table in .txt and the plots in perf-<date>-plots/.
A MISS is reported, never an error: this is a benchmark, not a test.  Exit status: 0 done (PASS
or MISS); 1 a program failed or computed a wrong result; 2 usage error.
"""
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

from . import bench, launch, plots, provenance, records, registry, report, stats

HARNESS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED_N, SEED_TASKS = 10**7, 4            # the seed's workload: range(10**7), four times
TIMEOUT = 1800
PROCESS_LAUNCHES = 5
PROBE = os.path.join("harness", "probe")  # in the build directory

NUMPY_SCRIPT = r"""
import json, sys, time
import numpy as np
n, repeat, dtype = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if dtype == "int64":
    a = np.arange(n, dtype=np.int64)    # pre-filled before timing, by this process's one thread
    expected = n * (n - 1) // 2
else:                                   # both signs, magnitudes 2^-32..2^32, as fsum's data
    rng = np.random.default_rng(1)
    a = np.ldexp(rng.uniform(1, 2, n), rng.integers(-32, 32, n)) * rng.choice([-1.0, 1.0], n)
    expected = None
a.sum()                                 # untimed warm-up, as parlab's programs do
times, ok = [], True
for _ in range(repeat):
    started = time.perf_counter()
    s = a.sum()
    times.append(time.perf_counter() - started)
    ok = ok and (expected is None or int(s) == expected)
times.sort()
print(json.dumps({"numpy": np.__version__, "dtype": dtype, "n": n, "repeat": repeat,
                  "bytes": 8 * n, "time_min": times[0], "time_median": times[len(times) // 2]
                  if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2,
                  "time_max": times[-1], "verified": ok}))
"""


class PerfError(Exception):
    """A measurement that failed or computed a wrong answer: exit status 1."""


class Collector:
    """Every measurement of the run, by key, one value per round; and the commands behind them."""

    def __init__(self):
        self.values = {}     # key -> list of values (one per round)
        self.meta = {}       # key -> dict (unit, label, workers, command, ...)

    def add(self, key, value, **meta):
        self.values.setdefault(key, []).append(value)
        self.meta.setdefault(key, {}).update(meta)


def gbs(rec):
    return rec["bytes"] / rec["time_median"] / 1e9


def _command(argv, env):
    shown = " ".join("%s=%s" % kv for kv in sorted(env.items()))
    return (shown + " " if shown else "") + " ".join(argv)


class Runner:
    """Runs one measurement through the shared launcher and records it at once (a killed run
    keeps what it measured)."""

    def __init__(self, args, results_file, ctx):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.cores = args.workers
        self.results_file = results_file
        self.ctx = ctx
        self.launcher = ctx["launcher"]
        self.flavor = launch.launcher_flavor(ctx["launcher_version"])

    def program(self, name):
        return os.path.join(self.build, name)

    def has(self, name):
        return os.access(self.program(name), os.X_OK)

    def record(self, rec, round_no, key):
        rec.update(suite="perf", round=round_no, key=key)
        records.append(self.results_file, rec)

    def _reference_record(self, kind, program_json, command, env, **fields):
        rec = {"schema": records.SCHEMA, "kind": kind, "record_id": bench.new_id(),
               "run_id": self.ctx["run_id"], "date": bench.now(), "command": command,
               "env": env, "provenance": self.ctx["host_prov"], "program": program_json}
        rec.update(fields)
        return rec

    def parlab(self, row, variant, workers, size, round_no, key, method=None, extra=(),
               watch=True):
        """One checked run of a parlab program; returns its run record.  watch=False: an MPI
        run without the launcher's hang watcher (only to measure what the watcher costs)."""
        row = registry.WORKLOADS[row]
        ranks, threads = registry.shape(variant, workers)
        job = bench.Job(row.name, variant, ranks, threads, provenance.usable_cores(), method)
        binary = self.program(row.program_name(variant))
        argv, env = launch.build_launch(variant, binary,
                                        row.args(size, self.args.repeat, method) + list(extra),
                                        ranks, threads, job.oversubscribed,
                                        launcher=self.launcher, flavor=self.flavor)
        rc, so, se, wall = launch.run(argv, env, TIMEOUT, watch=binary
                                      if watch and variant in registry.MPI_VARIANTS else None)
        try:
            pj = launch.parse_json_line(so, se, rc)
        except launch.LaunchError as exc:
            raise PerfError("%s: %s" % (_command(argv, env), exc))
        closed = row.closed_form(size) if row.closed_form else None
        problems = bench.check_shape(job, pj) + bench.check_answer(job, pj, closed, None)
        if rc != 0 or problems:
            raise PerfError("%s: %s" % (_command(argv, env), "; ".join(
                problems or [launch.describe_exit(rc) + ": " + launch.tail(se)])))
        rec = bench.make_record(job, pj, size, closed, None, argv, env, se, wall, self.ctx,
                                stdout_text=so)
        rec["command_line"] = _command(argv, env)
        return rec

    def probe(self, threads, round_no):
        argv = [self.program(PROBE), "-n", str(self.args.n), "--repeat", str(self.args.repeat)]
        env = {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}
        rc, so, se, _ = launch.run(argv, env, TIMEOUT)
        command = _command(argv, env)
        if rc != 0:
            raise PerfError("%s: %s: %s" % (command, launch.describe_exit(rc), launch.tail(se)))
        out = {}
        for line in so.splitlines():
            if not line.startswith("{"):
                continue
            p = json.loads(line)
            if p.get("check") != "ok":
                raise PerfError("%s: the probe's %s kernel computed a wrong value"
                                % (command, p.get("probe")))
            key = "probe_%s_w%d" % (p["probe"], threads)
            rec = self._reference_record("probe", p, command, env, probe=p["probe"],
                                         threads=threads, workers=threads, n=p["n"],
                                         bytes=p["bytes"], time_min=p["time_min"],
                                         time_median=p["time_median"], time_max=p["time_max"])
            self.record(rec, round_no, key)
            out[p["probe"]] = (p, command)
        return out

    def numpy_sum(self, n, dtype, workload, round_no, key):
        """numpy's a.sum() over n values of dtype, next to the parlab workload's."""
        # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow a current numpy (docs/performance.md); unset
        # both for this command alone.  a.sum() does not call BLAS in any case.
        argv = [self.args.python, "-c", NUMPY_SCRIPT, str(n), str(self.args.repeat), dtype]
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        p = _run_json(argv, env)
        if not p.get("verified"):
            raise PerfError("numpy a.sum() gave a wrong result")
        command = ("env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE %s -c <numpy a.sum() script> "
                   "%d %d %s" % (self.args.python, n, self.args.repeat, dtype))
        rec = self._reference_record("reference", p, command, {}, name="numpy_sum_" + dtype,
                                     workload=workload,
                                     workers=1, n=n, bytes=p["bytes"], time_min=p["time_min"],
                                     time_median=p["time_median"], time_max=p["time_max"])
        self.record(rec, round_no, key)
        return p, command

    def seed_python(self, mode, round_no, key):
        argv = [self.args.python, os.path.join(HARNESS, "seed_workload.py"), mode]
        p = _run_json(argv, dict(os.environ))
        if not p.get("results_ok"):
            raise PerfError("the seed's Python gave a wrong result")
        command = " ".join(argv)
        t = p["seconds"]
        rec = self._reference_record("reference", p, command, {}, name="seed_python_" + mode,
                                     workload="sum", workers=1, n=p.get("n"), time_min=t,
                                     time_median=t, time_max=t)
        self.record(rec, round_no, key)
        return p, command


def _run_json(argv, env):
    try:
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PerfError("%s: timed out after %d s" % (" ".join(argv[:2]), TIMEOUT))
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or len(lines) != 1:
        raise PerfError("%s: %s: %s" % (" ".join(argv[:2]), launch.describe_exit(proc.returncode),
                                        launch.tail(proc.stderr)))
    return json.loads(lines[0])


def has_numpy(python):
    proc = subprocess.run([python, "-c", "import numpy"], capture_output=True,
                          stdin=subprocess.DEVNULL)
    return proc.returncode == 0


def row_size(row, args):
    """A row's size in perf: -n values (and --tasks where the row takes tasks); a row bound by
    the cores gets whole tasks, a multiple of the cores, so that a perfect run takes
    tasks / workers rounds; a grid row, its preset's size."""
    if any(key in size for size in row.sizes.values() for key in registry.GRID_KEYS):
        # A grid (heat): -n is its side, not an array length.  Its two fields together at least
        # twice the last-level cache, so that its GB/s and efficiency are memory's, not the
        # cache's; few steps, since each one streams both fields once.
        if args.smoke:
            return dict(row.sizes["tiny"])
        side = 1024
        while 2 * 8 * side * side < 2 * last_level_cache() and side < GRID_SIDE_MAX:
            side *= 2
        return {"n": side, "steps": GRID_STEPS, "r": 0.25}
    if row.bound == "cores":
        return {"n": args.heavy_n, "tasks": 2 * args.workers}
    size = {"n": args.n}
    if row.per_task:
        size["tasks"] = args.tasks
    return size


GRID_STEPS = 10
# Two fields of 256 MiB at most: more than any one core's last-level cache on current CPUs (a VM
# may report its host's whole L3), and a perf run stays within minutes (docs/heat.md says what a
# larger grid cost).
GRID_SIDE_MAX = 4096


def last_level_cache():
    """Bytes of the largest CPU cache: the kernel's (sysfs), else the C library's (getconf, from
    the CPU itself: a VM may show no sysfs cache), else 32 MiB."""
    sizes = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for index in (os.listdir(base) if os.path.isdir(base) else []):
        try:
            with open(os.path.join(base, index, "size")) as fh:
                text = fh.read().strip()
            sizes.append(int(text[:-1]) << {"K": 10, "M": 20}.get(text[-1], 0)
                         if text[-1] in "KM" else int(text))
        except (OSError, ValueError, IndexError):
            pass
    if not sizes:
        try:
            out = subprocess.run(["getconf", "-a"], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in ("LEVEL2_CACHE_SIZE", "LEVEL3_CACHE_SIZE",
                                                "LEVEL4_CACHE_SIZE") and parts[1].isdigit():
                sizes.append(int(parts[1]))
    return max([s for s in sizes if s > 0] or [32 << 20])


def perf_rows():
    """The registry's rows that perf measures: every row sized by -n (the seed's numbers demo
    only sleeps)."""
    return [w for w in registry.WORKLOADS.values() if all("n" in s for s in w.sizes.values())]


def measure_rows(run, col, args, round_no):
    """Every row of the registry, where its program is built, serial at 1 worker and: a
    memory-bound row in GB/s, OpenMP and MPI at 1..cores (the bandwidth curve under the
    probe's roof); any other row in seconds, OpenMP, MPI and hybrid at 1 worker and at all
    cores (the parallel efficiency).  The one-worker runs are what serial is held against: no
    variant at one worker may beat it (one_worker_ratios).  A row's methods run back to back
    (same size), and their order flips every round so that neither always runs first."""
    cores = args.workers
    for row in perf_rows():
        size = row_size(row, args)
        methods = list(row.methods)
        order = methods if round_no % 2 else methods[::-1]
        memory = row.bound == "memory"
        ones = [cores] if args.smoke else sorted({1, cores})  # --smoke: the form, not 1-worker
        sweep = (("openmp", range(1, cores + 1)), ("mpi", range(1, cores + 1))) if memory \
            else (("openmp", ones), ("mpi", ones), ("hybrid", ones))
        for variant, counts in (("serial", [1]),) + sweep:
            if not run.has(row.program_name(variant)) or \
                    (variant in registry.MPI_VARIANTS and not run.launcher):
                continue
            for workers in counts:
                for method in order:
                    key = "%s_%s%s_w%d" % (row.name, variant, "_" + method if method else "",
                                           workers)
                    rec = run.parlab(row.name, variant, workers, size, round_no, key,
                                     method=method)
                    run.record(rec, round_no, key)
                    label = "%s %s%s" % (row.name, variant, " " + method if method else "")
                    if not memory:
                        label += ", %d tasks" % size["tasks"]
                    col.add(key, gbs(rec) if memory else rec["time_median"],
                            unit="GB/s" if memory else "s", label=label, workers=workers,
                            command=rec["command_line"], workload=row.name, variant=variant,
                            method=method)


def measure_round(run, col, args, numpy_ok, round_no):
    cores = args.workers

    def program(row, variant, workers, size, key, label, **kw):
        rec = run.parlab(row, variant, workers, size, round_no, key, **kw)
        run.record(rec, round_no, key)
        col.add(key, gbs(rec), unit="GB/s", label=label, workers=workers,
                command=rec["command_line"], workload=row, variant=variant)
        return rec

    for workers in range(1, cores + 1):
        for kernel, (p, command) in run.probe(workers, round_no).items():
            col.add("probe_%s_w%d" % (kernel, workers), p["gbs_median"], unit="GB/s",
                    workers=workers, command=command, workload="probe", variant=kernel,
                    label="probe %s (%s)" % (kernel, "24 B/elem, STREAM count"
                                             if kernel == "triad" else "8 B/elem read"))
    measure_rows(run, col, args, round_no)

    if numpy_ok:
        p, command = run.numpy_sum(args.n, "int64", "sum", round_no, "numpy_sum_w1")
        col.add("numpy_sum_w1", gbs(p), unit="GB/s", workers=1, command=command,
                label="numpy %s a.sum() int64" % p["numpy"], workload="sum", variant="numpy")

    # The seed's workload: 4 tasks over range(10**7).
    for mode, key, workers in (("sequential", "seed_python_sequential", 1),
                               ("pool", "seed_python_pool", cores)):
        p, command = run.seed_python(mode, round_no, key)
        col.add(key, p["seconds"], unit="s", workers=workers, command=command,
                label="seed Python %s (4 x range(10**7))" % ("sequential" if mode == "sequential"
                                                             else "Pool.map"))
    seed = {"n": SEED_N, "tasks": SEED_TASKS}
    rec = whole_process(run, "sum", "serial", 1, dict(seed, repeat=1), round_no,
                        "sum_serial_seed_process")
    col.add("sum_serial_seed_process", rec["wall_seconds"], unit="s", workers=1,
            command=rec["command_line"],
            label="sum_serial whole process (-n 10^7 --tasks 4 --repeat 1)")
    rec = program("sum", "serial", 1, seed, "seed_c_kernel_gbs", "sum serial, seed workload")
    col.add("sum_serial_seed_kernel", rec["time_median"], unit="s", workers=1,
            command=rec["command_line"], label="sum_serial kernel only (-n 10^7 --tasks 4)")

    # Oversubscription: twice as many ranks as cores, against as many as cores; whole process.
    if run.launcher and run.has("sum_mpi"):
        for ranks in (cores, 2 * cores):
            key = "sum_mpi_process_r%d" % ranks
            rec = whole_process(run, "sum", "mpi", ranks,
                                dict(row_size(registry.WORKLOADS["sum"], args), repeat=1),
                                round_no, key)
            col.add(key, rec["wall_seconds"], unit="s", workers=ranks,
                    command=rec["command_line"], label="sum_mpi whole process, %d ranks%s" % (
                        ranks, " (oversubscribed)" if ranks > cores else ""))


def whole_process(run, row, variant, workers, size, round_no, key):
    """A whole process's wall time, start-up included: one untimed launch, then the median of
    PROCESS_LAUNCHES timed ones.  Why not one launch: the first process after a pause was slow
    here (0.2 s against 0.04 s for sum_serial -n 10^7 --tasks 4), and a single launch per round
    let that decide the seed's whole-process ratio.  Records the median launch, with every
    timed launch's wall time in "walls"."""
    run.parlab(row, variant, workers, size, round_no, key)
    launches = sorted((run.parlab(row, variant, workers, size, round_no, key)
                       for _ in range(PROCESS_LAUNCHES)), key=lambda r: r["wall_seconds"])
    rec = launches[len(launches) // 2]
    rec["walls"] = [r["wall_seconds"] for r in launches]
    run.record(rec, round_no, key)
    return rec


def measure_numpy_float(run, col, args, numpy_ok, round_no):
    """numpy's float64 a.sum() (pairwise, not reproducible), once per round, next to fsum."""
    if numpy_ok:
        p, command = run.numpy_sum(args.n, "float64", "fsum", round_no, "numpy_fsum_w1")
        col.add("numpy_fsum_w1", gbs(p), unit="GB/s", workers=1, command=command,
                label="numpy %s a.sum() float64" % p["numpy"], workload="fsum",
                variant="numpy")


def measure_heavy(run, col, args, round_no):
    """The compute-bound twin (the seed's cpu_heavy_task), beyond its row's runs
    (measure_rows): 3 tasks on 2 workers, which must take two rounds (the imbalance); and the
    seed's own size (-n 10^7 --tasks 4) for the kernel against the seed's Python.  Kernel time
    only."""
    if not run.has("heavy_serial"):
        return
    cores = args.workers

    def time_of(key, variant, workers, size, label):
        rec = run.parlab("heavy", variant, workers, size, round_no, key)
        run.record(rec, round_no, key)
        col.add(key, rec["time_median"], unit="s", workers=workers,
                command=rec["command_line"], label=label)
        return rec

    if cores == 2:
        odd = {"n": args.heavy_n, "tasks": 3}
        time_of("heavy_serial_tasks3", "serial", 1, odd, "heavy serial, 3 tasks")
        time_of("heavy_openmp_tasks3_w2", "openmp", 2, odd, "heavy openmp, 3 tasks, 2 threads")
    time_of("heavy_serial_seed", "serial", 1, {"n": SEED_N, "tasks": SEED_TASKS},
            "heavy_serial kernel (-n 10^7 --tasks 4)")


def measure_sizes(run, col, args, round_no):
    """Cost per element against n: sum_serial and sum_openmp at all cores, kernel time only.

    The target rows run with --cold-cache: every run reads its array from memory, as STREAM
    requires (arrays of 4x the last-level cache), also at the n whose array would fit in the cache.
    One warm-cache row at the smallest n shows what the cache alone does (no target)."""
    for size in args.sizes:
        for variant, workers in (("serial", 1), ("openmp", args.workers)):
            warm_too = size == min(args.sizes)
            for cold in (True, False) if warm_too else (True,):
                key = "size_%s_n%d%s" % (variant, size, "" if cold else "_warm")
                rec = run.parlab("sum", variant, workers, {"n": size, "tasks": 1}, round_no,
                                 key, extra=["--cold-cache"] if cold else [])
                run.record(rec, round_no, key)
                col.add(key, rec["time_median"] / size * 1e9, unit="ns/elem", workers=workers,
                        command=rec["command_line"], label="sum %s, n=%s, %s cache"
                        % (variant, fmt_n(size), "cold" if cold else "warm"))


OVERLAP_SIDES = (64, 128, 256, 512, 1024)    # heat's grid sides for the overlap ratio
OVERLAP_STEPS = 100


def measure_overlap(run, col, args, round_no):
    """heat_mpi at all cores, the blocking halo exchange and --overlap back to back (the order
    flips every round), on square grids from sides where the exchange takes most of the time to
    sides where the cells do: somewhere between, the two costs are comparable, and there
    overlapping them can pay most.  Per side: both times, and the blocking run's exchange share
    (the slowest rank's, docs/heat.md)."""
    if "heat" not in registry.WORKLOADS or not run.has("heat_mpi") or not run.launcher:
        return
    cores = args.workers
    methods = ["blocking", "overlap"] if round_no % 2 else ["overlap", "blocking"]
    for side in (OVERLAP_SIDES[1:2] if args.smoke else OVERLAP_SIDES):
        size = {"n": side, "steps": OVERLAP_STEPS, "r": 0.25}
        for method in methods:
            key = "heat_mpi_%s_n%d" % (method, side)
            rec = run.parlab("heat", "mpi", cores, size, round_no, key, method=method)
            run.record(rec, round_no, key)
            col.add(key, rec["time_median"], unit="s", workers=cores,
                    label="heat mpi %s, %d x %d, %d steps" % (method, side, side, OVERLAP_STEPS),
                    command=rec["command_line"], workload="heat", variant="mpi", method=method)
            if method == "blocking":
                col.add("heat_mpi_exchange_share_n%d" % side,
                        rec["program"]["exchange_share_max"], unit="share", workers=cores,
                        label="heat mpi blocking %d x %d: exchange share" % (side, side),
                        command=rec["command_line"], workload="heat", variant="mpi",
                        method=method)


def overlap_ratio_specs(args, col):
    """The --overlap ratio per grid side: blocking time over overlap time (above 1, overlap is
    faster), no target: reported whichever way it goes (docs/heat.md)."""
    specs = []
    for side in OVERLAP_SIDES:
        blocking, overlap = ("heat_mpi_%s_n%d" % (m, side) for m in ("blocking", "overlap"))
        if blocking in col.values and overlap in col.values:
            specs.append(("heat_overlap_speedup_n%d" % side, blocking, overlap, None, None,
                          "heat_mpi at %d ranks, %d x %d cells, %d steps: the blocking "
                          "exchange's time over --overlap's, back to back (above 1: overlap is "
                          "faster; no target)" % (args.workers, side, side, OVERLAP_STEPS)))
    return specs


def measure_watcher(run, col, args, round_no):
    """What the hang watcher costs inside a timed MPI run (issue: it watches every timed MPI run
    of bench and perf): sum_mpi at all cores with it, without it, and without it again (the
    noise), back to back; the order rotates every round.  Kernel time, as bench records it."""
    if not (run.launcher and run.has("sum_mpi")):
        return
    workers, size = args.workers, {"n": args.n, "tasks": args.tasks}
    runs = [("on", True), ("off", False), ("off2", False)]
    shift = (round_no - 1) % len(runs)
    for name, watched in runs[shift:] + runs[:shift]:
        key = "watcher_%s_sum_mpi_w%d" % (name, workers)
        rec = run.parlab("sum", "mpi", workers, size, round_no, key, watch=watched)
        run.record(rec, round_no, key)
        col.add(key, rec["time_median"], unit="s", workers=workers, command=rec["command_line"]
                + ("" if watched else "   (launch.run without watch: no hang watcher)"),
                label="sum mpi kernel, %s" % ("hang watcher on" if watched else
                                              "no hang watcher" + (" (again)" if name == "off2"
                                                                   else "")))


def fmt_n(n):
    exp = len(str(n)) - 1
    return "10^%d" % exp if n == 10**exp else str(n)


# ---- ratios: (name, numerator key, denominator key, op, target, what) ------------------------
def ratio_specs(args, col):
    cores = args.workers
    specs = [("sum_openmp_allcores_over_triad", "sum_openmp_w%d" % cores,
              "probe_triad_w%d" % cores, ">=", 1.0,
              "sum, OpenMP at all cores: GB/s over the triad probe's at the same threads")]
    specs.append(("sum_serial_over_triad_w1", "sum_serial_w1", "probe_triad_w1", ">=", 0.9,
                  "sum, serial: GB/s over the triad probe's at 1 thread"))
    for w in range(1, cores + 1):
        specs.append(("sum_openmp_over_triad_w%d" % w, "sum_openmp_w%d" % w,
                      "probe_triad_w%d" % w, ">=", 0.9,
                      "sum, OpenMP at %d threads over the triad probe's at %d" % (w, w)))
    for w in range(1, cores + 1):
        specs.append(("sum_mpi_over_triad_w%d" % w, "sum_mpi_w%d" % w, "probe_triad_w%d" % w,
                      ">=", 0.9, "sum, MPI at %d ranks over the triad probe's at %d threads"
                      % (w, w)))
    specs.append(("sum_mpi_over_openmp_allcores", "sum_mpi_w%d" % cores,
                  "sum_openmp_w%d" % cores, ">=", 0.9,
                  "sum, MPI at all cores: GB/s over OpenMP's"))
    specs.append(("square_serial_over_triad_w1", "square_serial_w1", "probe_triad_w1", ">=",
                  0.9, "square map, serial: bytes moved per second over the triad probe's"))
    for w in range(1, cores + 1):
        specs.append(("square_openmp_over_triad_w%d" % w, "square_openmp_w%d" % w,
                      "probe_triad_w%d" % w, ">=", 0.9,
                      "square map, OpenMP at %d threads over the triad probe's" % w))
    specs.append(("square_mpi_over_triad_allcores", "square_mpi_w%d" % cores,
                  "probe_triad_w%d" % cores, ">=", 0.9,
                  "square map, MPI at all cores over the triad probe's"))
    # Informative: the same square ratio with the bytes the memory really moves (a write first
    # reads its cache line: square 24 B/element, triad 32 B/element).
    specs.append(("square_openmp_allcores_over_triad_write_allocate", "square_openmp_w%d" % cores,
                  "probe_triad_w%d" % cores, None, (24 / 16) / (32 / 24),
                  "square map at all cores over the triad, both counting write-allocate traffic"))
    specs.append(("sum_serial_over_numpy", "sum_serial_w1", "numpy_sum_w1", ">=", 1.0,
                  "serial C sum kernel over numpy's a.sum() on the same n (GB/s)"))
    specs.append(("sum_openmp_allcores_over_numpy", "sum_openmp_w%d" % cores, "numpy_sum_w1",
                  ">=", 1.8, "OpenMP sum at all cores over numpy's a.sum()"))
    specs.append(("seed_python_over_sum_serial_process", "seed_python_sequential",
                  "sum_serial_seed_process", ">=", 20.0,
                  "the seed's sequential Python time over sum_serial's whole process"))
    specs.append(("seed_python_over_sum_serial_kernel", "seed_python_sequential",
                  "sum_serial_seed_kernel", ">=", 80.0,
                  "the seed's sequential Python time over sum_serial's kernel time"))
    specs.append(("seed_pool_over_sum_serial_process", "seed_python_pool",
                  "sum_serial_seed_process", None, None,
                  "the seed's Pool.map time over sum_serial's whole process (no target)"))
    for variant in ("serial", "openmp"):
        if args.sizes:
            cold = "size_%s_n%d" % (variant, min(args.sizes))
            specs.append(("size_%s_cold_over_warm_n%d" % (variant, min(args.sizes)), cold,
                          cold + "_warm", None, None,
                          "sum %s at n=%s: time per element with --cold-cache over a warm cache "
                          "(what the cache alone gives; no target)"
                          % (variant, fmt_n(min(args.sizes)))))
    # heat: a stencil, bound by memory like sum (16 B per cell update: docs/heat.md)
    specs.append(("heat_serial_over_triad_w1", "heat_serial_blocking_w1", "probe_triad_w1",
                  None, None, "heat, serial: GB/s of its cell updates over the triad probe's at "
                  "1 thread (no target)"))
    for variant in ("openmp", "mpi"):
        specs.append(("heat_%s_efficiency_over_serial_allcores" % variant,
                      "heat_%s_blocking_w%d" % (variant, cores), "heat_serial_blocking_w1",
                      None, 1.0 / cores, "heat, %s at all %d cores: GB/s over serial's, / cores "
                      "(parallel efficiency; no target)" % (variant, cores)))
    # heavy: bound by the cores, so every core adds its share (efficiency = speedup / cores)
    for variant in ("openmp", "mpi", "hybrid"):
        specs.append(("heavy_%s_efficiency_allcores" % variant, "heavy_serial_w1",
                      "heavy_%s_w%d" % (variant, cores), ">=", 0.95,
                      "heavy (whole tasks, %d of them), %s at all %d cores: speedup over serial "
                      "/ cores (parallel efficiency)" % (2 * cores, variant, cores)))
    specs.append(("heavy_imbalance_3tasks_2workers", "heavy_serial_tasks3",
                  "heavy_openmp_tasks3_w2", None, None,
                  "heavy, 3 tasks: speedup of 2 threads over serial; 3 tasks take two rounds, "
                  "so about 1.5, not 2 (no target: the imbalance, not a slowdown)"))
    specs.append(("seed_python_over_heavy_serial_kernel", "seed_python_sequential",
                  "heavy_serial_seed", ">=", 100.0,
                  "the seed's sequential Python time over heavy_serial's kernel time, same work"))
    specs.append(("mpi_oversubscribed_over_allcores", "sum_mpi_process_r%d" % (2 * cores),
                  "sum_mpi_process_r%d" % cores, "<=", 2.5,
                  "sum_mpi whole process: %d ranks on %d cores over %d ranks"
                  % (2 * cores, cores, cores)))
    # The hang watcher must cost nothing measurable: its ratio next to the noise's.
    watched, unwatched = ("watcher_%s_sum_mpi_w%d" % (w, cores) for w in ("on", "off"))
    specs.append(("mpi_hang_watcher_cost", watched, unwatched, "<=", 1.02,
                  "sum_mpi kernel time at %d ranks with the launcher's hang watcher over "
                  "without it, back to back" % cores))
    specs.append(("mpi_hang_watcher_noise", "watcher_off2_sum_mpi_w%d" % cores, unwatched, None,
                  None, "sum_mpi kernel time at %d ranks, two runs without the hang watcher: "
                  "the noise the cost is judged against (no target)" % cores))
    return [s for s in specs if s[1] in col.values and s[2] in col.values]


def fsum_ratio_specs(args, col):
    """The issue's target: the reproducible sum at >= 0.8 x the naive sum's GB/s, per variant
    and worker count; each value pairs the two runs of one round (measured back to back).
    (name, label, numerator key, denominator key, op, target, what)"""
    specs = []
    for variant in ("serial", "openmp", "mpi"):
        for w in ([1] if variant == "serial" else range(1, args.workers + 1)):
            num = "fsum_%s_reproducible_w%d" % (variant, w)
            den = "fsum_%s_naive_w%d" % (variant, w)
            if num in col.values and den in col.values:
                specs.append(("fsum_reproducible_over_naive_%s_w%d" % (variant, w),
                              "fsum reproducible/naive GB/s, %s %d" % (variant, w), num, den,
                              ">=", 0.8, "fsum %s at %d worker(s): the reproducible sum's GB/s "
                              "over the naive sum's, measured back to back" % (variant, w)))
    if "fsum_serial_reproducible_w1" in col.values and "numpy_fsum_w1" in col.values:
        specs.append(("fsum_serial_reproducible_over_numpy_float64",
                      "fsum reproducible/numpy float64 a.sum() GB/s, serial 1",
                      "fsum_serial_reproducible_w1", "numpy_fsum_w1", ">=", 1.0,
                      "fsum serial, the reproducible sum's GB/s over numpy's float64 a.sum() "
                      "(pairwise, not reproducible) on the same n"))
    return specs


def compute_ratios(col, specs):
    out = []
    for spec in specs:
        label = None
        if len(spec) == 7:        # with a printed label (the fsum targets)
            name, label, num, den, op, target, what = spec
        else:
            name, num, den, op, target, what = spec
        pairs = list(zip(col.values[num], col.values[den]))
        if name.endswith("_efficiency_allcores"):
            cores = col.meta[den]["workers"]
            pairs = [(a / cores, b) for a, b in pairs]  # speedup / cores
        scale = target if op is None and target else 1.0   # informative lines: a unit factor
        values = [a / b * scale for a, b in pairs if b > 0]
        if op is None:
            target = None
        st = stats.summary(values)
        ok = None if op is None else (st["median"] >= target if op == ">=" else
                                      st["median"] <= target)
        out.append({"name": name, "label": label or name, "numerator": num,
                    "denominator": den, "op": op,
                    "target": target, "what": what, "values": values, **st, "pass": ok,
                    "commands": [col.meta[num]["command"], col.meta[den]["command"]]})
    return out


SERIAL_OVER_BEST_ONE_WORKER = 0.95


def one_worker_ratios(col):
    """Per row and method: serial's speed over the fastest variant's at one worker, round by
    round (GB/s over GB/s, or time over time inverted).  The serial program is every speedup's
    reference in the lesson: a variant at one worker that beats it would mean a slow serial
    kernel, or a baseline that flatters (docs/timing.md)."""
    out = []
    for key in sorted(k for k in col.values if k.endswith("_w1") and
                      col.meta[k].get("variant") == "serial"):
        meta = col.meta[key]
        others = [key.replace("_serial", "_" + v, 1) for v in ("openmp", "mpi", "hybrid")]
        others = [k for k in others if k in col.values]
        if not others:
            continue
        faster_is_more = meta["unit"] == "GB/s"
        values = []
        for r, own in enumerate(col.values[key]):
            each = [col.values[k][r] for k in others]
            values.append(own / max(each) if faster_is_more else min(each) / own)
        st = stats.summary(values)
        what = "%s: serial's %s over the best of %s at 1 worker, per round" % (
            meta["label"].replace(" serial", "", 1), "GB/s" if faster_is_more else
            "speed", ", ".join(col.meta[k]["variant"] for k in others))
        out.append({"name": key[:-len("_w1")].replace("_serial", "", 1) +
                    "_serial_over_best_one_worker", "op": ">=",
                    "target": SERIAL_OVER_BEST_ONE_WORKER, "what": what, "values": values, **st,
                    "pass": st["median"] >= SERIAL_OVER_BEST_ONE_WORKER,
                    "commands": [meta["command"]] + [col.meta[k]["command"] for k in others]})
    return out


def worst_deviation(values):
    """The largest |value / median(values) - 1|."""
    mid = statistics.median(values)
    return max(abs(v / mid - 1) for v in values)


def size_ratios(col, args):
    """Per variant, the target: each size's median ns/element (over rounds) against the median of
    those, the worst deviation.  Its min-max is the same deviation within single rounds, where one
    noisy run of eight decides; that per-round statistic is also printed on its own line."""
    out = []
    if len(args.sizes) < 2:
        return out
    for variant in ("serial", "openmp"):
        keys = ["size_%s_n%d" % (variant, s) for s in args.sizes]
        if not all(k in col.values for k in keys):
            continue
        rounds = len(col.values[keys[0]])
        per_round = [worst_deviation([col.values[k][r] for k in keys]) for r in range(rounds)]
        of_medians = worst_deviation([statistics.median(col.values[k]) for k in keys])
        sizes = ", ".join(fmt_n(s) for s in args.sizes)
        commands = [col.meta[k]["command"] for k in keys]
        out.append({"name": "size_%s_max_deviation" % variant, "op": "<=", "target": 0.2,
                    "what": "sum %s, --cold-cache, n = %s: worst |median time per element at one n"
                    " / median over all n - 1| (min-max: the same within single rounds)"
                    % (variant, sizes), "values": per_round, **stats.summary(per_round),
                    "median": of_medians, "pass": of_medians <= 0.2, "commands": commands})
        out.append({"name": "size_%s_max_deviation_per_round" % variant, "op": None,
                    "target": None, "what": "sum %s, --cold-cache, n = %s: the worst deviation "
                    "within each round, median over rounds (no target)" % (variant, sizes),
                    "values": per_round, **stats.summary(per_round), "pass": None,
                    "commands": commands})
    return out


# ---- output -----------------------------------------------------------------------------------
def table_lines(col, header):
    lines = list(header)
    lines.append("%-52s %7s  %-8s %10s  %s" % ("measurement", "workers", "unit", "median",
                                              "(min-max)"))
    for key, values in col.values.items():
        meta = col.meta[key]
        if key.startswith("seed_c_"):
            continue
        st = stats.summary(values)
        digits = 4 if meta["unit"] in ("s", "ns/elem") else 2
        lines.append("%-52s %7d  %-8s %10.*f  (%.*f-%.*f)" % (
            meta["label"][:52], meta["workers"], meta["unit"], digits, st["median"], digits,
            st["min"], digits, st["max"]))
    return lines


ratio_line = report.ratio_line


def memory_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def prepare(args):
    """Checks the options and the build; returns notes (or raises bench.UsageError)."""
    if args.smoke:
        args.n, args.rounds, args.repeat, args.tasks = 200_000, 1, 2, 2
        args.sizes = [100000, 400000]
        args.heavy_n = 1_000_000
    elif args.rounds < 6:
        raise bench.UsageError("--rounds: at least 6 (each ratio is a median over rounds, "
                               "with its 95% confidence interval)")
    if args.n < 1000:
        raise bench.UsageError("-n: at least 1000")
    if args.workers is None:
        args.workers = provenance.usable_cores()
    for name in ("sum_serial", "sum_openmp", "square_serial", "square_openmp", PROBE):
        if not os.access(os.path.join(args.build, name), os.X_OK):
            raise bench.UsageError("--build: %s not found; build first: meson setup %s && "
                                   "meson compile -C %s"
                                   % (os.path.join(args.build, name), args.build, args.build))
    notes = []
    # The largest sizes need 8 bytes per value (sum): skip what the free memory cannot hold.
    avail = memory_bytes()
    kept = [s for s in args.sizes if 8 * s <= 0.6 * avail]
    for s in args.sizes:
        if s not in kept:
            notes.append("size n=%s skipped: needs %.1f GB, %.1f GB available"
                         % (fmt_n(s), 8 * s / 1e9, avail / 1e9))
    args.sizes = kept
    heat = registry.WORKLOADS.get("heat")
    if heat and not args.smoke:
        size = row_size(heat, args)
        fields, cache = 16 * size["n"] ** 2 / 2 ** 20, last_level_cache() / 2 ** 20
        notes.append("heat: %d x %d cells, %d steps: its two fields (%.0f MiB) are %s the "
                     "last-level cache the machine reports (%.0f MiB)%s" % (
                         size["n"], size["n"], size["steps"], fields,
                         "at least twice" if fields >= 2 * cache else "less than twice", cache,
                         "" if fields >= 2 * cache else "; capped at %d x %d (a VM may report "
                         "its host's whole cache)" % (GRID_SIDE_MAX, GRID_SIDE_MAX)))
    if args.workers > provenance.usable_cores():
        notes.append("--workers %d > %d usable cores: oversubscribed rows are not bandwidth "
                     "results" % (args.workers, provenance.usable_cores()))
    return notes


def run_perf(args, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    notes = prepare(args)
    launcher, launcher_ver = bench.mpi_launcher(args.mpiexec, [os.path.join(args.build, "sum_mpi")],
                                                required=False)
    if not launcher:
        notes.append("MPI rows skipped: no sum_mpi in the build, or no matching MPI launcher")
    numpy_ok = has_numpy(args.python)
    if not numpy_ok:
        notes.append("numpy rows skipped: %s cannot import numpy (apt-get install python3-numpy)"
                     % args.python)
    load = provenance.load_warning()
    if load:
        notes.append(load)

    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    run_id = "perf-" + stamp
    os.makedirs(args.results, exist_ok=True)
    jsonl = os.path.join(args.results, run_id + ".jsonl")
    ctx = {"run_id": run_id, "suite": "perf", "label": args.label, "preset": None,
           "host_prov": provenance.host_provenance(launch.REPO_ROOT), "launcher": launcher,
           "launcher_version": launcher_ver, "bind": True}
    run = Runner(args, jsonl, ctx)
    col = Collector()
    started = time.time()
    try:
        for r in range(1, args.rounds + 1):
            stderr.write("round %d/%d ...\n" % (r, args.rounds))
            stderr.flush()
            measure_round(run, col, args, numpy_ok, r)
            measure_sizes(run, col, args, r)
            measure_numpy_float(run, col, args, numpy_ok, r)
            measure_heavy(run, col, args, r)
            measure_watcher(run, col, args, r)
            measure_overlap(run, col, args, r)
    except (PerfError, launch.LaunchError) as err:
        stderr.write("parlab perf: %s\nparlab perf: the measurements so far are in %s\n"
                     % (err, jsonl))
        return 1
    elapsed = time.time() - started

    host = ctx["host_prov"]
    first = next(iter(records.load(jsonl, kinds=("run",))), None)
    prog = first["provenance"] if first else {}
    header = ["parlab perf %s: %s, %d cores (%s), %s %s, cflags '%s'" % (
                  run_id, host["host"], host["cores"], host.get("cpu_model"),
                  prog.get("compiler"), prog.get("compiler_version"), prog.get("cflags")),
              "n=%d values (%.0f MB per array), sum --tasks %d, --repeat %d per program, "
              "%d rounds; medians over rounds (min-max)" % (
                  args.n, args.n * 8 / 1e6, args.tasks, args.repeat, args.rounds),
              "GB/s = bytes counted by the program / its median time; triad counts 24 B/element "
              "(STREAM's count, write-allocate not counted); square counts 16 B/element"]
    header += ["note: " + n for n in notes]
    lines = table_lines(col, header)
    ratios = (compute_ratios(col, ratio_specs(args, col)) + size_ratios(col, args)
              + one_worker_ratios(col)
              + compute_ratios(col, fsum_ratio_specs(args, col))
              + compute_ratios(col, overlap_ratio_specs(args, col)))
    lines.append("")
    lines.append("ratios (median over %d rounds, %s):" % (
        args.rounds, "min-max" if args.rounds < 6 else "its 95% confidence interval"))
    lines += [ratio_line(r) for r in ratios]
    passed = sum(1 for r in ratios if r["pass"] is True)
    missed = sum(1 for r in ratios if r["pass"] is False)
    lines.append("targets: %d PASS, %d MISS (a MISS is a finding, not a failure)" % (passed, missed))
    stdout.write("\n".join(lines) + "\n")

    plot_dir = os.path.join(args.results, run_id + "-plots")
    try:
        made = plots.perf_plots(col.values, col.meta, args.workers, plot_dir,
                                "%s, %s" % (host["host"], stamp))
        plot_note = None
    except plots.PlotError as exc:
        made, plot_note = [], "no plots: %s" % exc
    for r in ratios:
        rec = {"schema": records.SCHEMA, "kind": "ratio", "record_id": bench.new_id(),
               "run_id": run_id, "date": bench.now(), "suite": "perf"}
        rec.update({k: r.get(k) for k in ("name", "label", "what", "numerator", "denominator",
                                          "op", "target", "values", "median", "min", "max",
                                          "pass", "commands")})
        records.append(jsonl, rec)
    records.append(jsonl, {"schema": records.SCHEMA, "kind": "header", "record_id": bench.new_id(),
                           "run_id": run_id, "date": bench.now(), "suite": "perf",
                           "provenance": host, "notes": notes, "plots": made,
                           "options": {"n": args.n, "tasks": args.tasks, "repeat": args.repeat,
                                       "rounds": args.rounds, "sizes": args.sizes,
                                       "workers": args.workers, "smoke": args.smoke,
                                       "build": os.path.abspath(args.build),
                                       "seconds": round(elapsed, 1)}})
    text = os.path.join(args.results, run_id + ".txt")
    with open(text, "w") as f:
        f.write("\n".join(lines) + "\n")
    stdout.write("recorded: %s (+ .txt)%s\n" % (os.path.relpath(jsonl), "; plots: " + ", ".join(
        os.path.relpath(p) for p in made) if made else "; " + (plot_note or "no plots")))
    return 0
