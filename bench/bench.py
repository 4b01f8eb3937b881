#!/usr/bin/env python3
"""bench.py: parlab's kernels next to the memory-bandwidth roof, the seed's Python and numpy.

    python3 bench/bench.py [--build build] [--results results] [--rounds 5] [-n 50000000]

One run measures, on this machine, in rounds (default 5):
  * the bandwidth probe (bench/probe.c: STREAM triad, 24 bytes/element as STREAM counts it, and a
    read-only sum) at 1..cores threads;
  * every parlab variant (sum and square; serial, OpenMP, MPI) at 1..cores workers, over the same
    -n values;
  * numpy's a.sum() over a pre-filled int64 array of the same n (Debian's python3-numpy; skipped,
    and said so, where it is missing);
  * the seed's own Python summation (bench/seed_workload.py), sequential and with Pool.map, next to
    sum_serial on the same work (-n 10^7 --tasks 4), whole process and kernel alone;
  * MPI with twice as many ranks as cores next to as many ranks as cores (oversubscription);
    (a whole-process time is the median of 5 launches after one untimed launch)
  * sum_serial and sum_openmp at growing n (cost per element against size), with --cold-cache,
    and once warm at the smallest n (what the cache does);
  * fsum (results/FLOAT.md), serial / OpenMP / MPI at 1..cores workers: the reproducible sum and
    `--naive` run back to back (interleaved, same -n and --repeat; the order flips every round),
    for the target `fsum reproducible/naive GB/s, <variant> <workers>: ... target >= 0.8`.
Each round runs every measurement once, in the same order, so every ratio is taken from two numbers
measured moments apart; a ratio is printed as the median over rounds with its min-max.

It prints one table, then one line per target: `name: median (min-max) target >= X: PASS/MISS`,
and records everything in results/bench-<date>.jsonl and results/bench-<date>.txt, with plots of
GB/s against workers in results/bench/.  A MISS is reported, never an error: this is a benchmark,
not a test.  Exit status: 0 done (PASS or MISS); 1 a program failed or computed a wrong result;
2 usage error (a missing build, a bad option).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SEED_N, SEED_TASKS = 10**7, 4            # the seed's workload: range(10**7), four times
TIMEOUT = 1800
SCHEMA = "parlab-bench/1"

NUMPY_SCRIPT = r"""
import json, sys, time
import numpy as np
n, repeat = int(sys.argv[1]), int(sys.argv[2])
a = np.arange(n, dtype=np.int64)        # pre-filled before timing, by this process's one thread
expected = n * (n - 1) // 2
a.sum()                                 # untimed warm-up, as parlab's programs do
times, ok = [], True
for _ in range(repeat):
    started = time.perf_counter()
    s = a.sum()
    times.append(time.perf_counter() - started)
    ok = ok and int(s) == expected
times.sort()
print(json.dumps({"numpy": np.__version__, "n": n, "repeat": repeat, "bytes": 8 * n,
                  "time_min": times[0], "time_median": times[len(times) // 2] if len(times) % 2
                  else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2,
                  "time_max": times[-1], "verified": ok}))
"""


class BenchError(Exception):
    pass


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def launch_env():
    """KEY=VALUE lines of common/launch_env.sh: the one MPI launch environment parlab uses."""
    script = os.path.join(REPO, "common", "launch_env.sh")
    out = subprocess.run(["bash", script, "--lines"], capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)


class Runner:
    """Runs one measurement, returns its parsed JSON line; keeps every command it ran."""

    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.cores = args.workers
        self.mpi_env = launch_env()
        self.mpiexec = shutil.which(args.mpiexec) if args.mpiexec else None
        self.failures = []

    def program(self, name):
        return os.path.join(self.build, name)

    def has(self, name):
        return os.access(self.program(name), os.X_OK)

    def _run(self, argv, env_extra, unset=()):
        env = dict(os.environ)
        for key in unset:
            env.pop(key, None)
        env.update(env_extra)
        started = time.perf_counter()
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=TIMEOUT)
        wall = time.perf_counter() - started
        shown = " ".join("%s=%s" % kv for kv in sorted(env_extra.items()))
        command = (shown + " " if shown else "") + " ".join(argv)
        if proc.returncode != 0:
            raise BenchError("%s: exit %d: %s" % (command, proc.returncode,
                                                  proc.stderr.strip()[-400:]))
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        if not lines:
            raise BenchError("%s: no JSON line on stdout" % command)
        return [json.loads(l) for l in lines], wall, command

    def omp_env(self, threads):
        # The same placement for the probe and every OpenMP program: one thread per core.
        return {"OMP_NUM_THREADS": str(threads), "OMP_PROC_BIND": "true", "OMP_PLACES": "cores"}

    def parlab(self, name, variant, workers, prog_args):
        """One run of a parlab program; returns (json, wall seconds, command)."""
        if variant == "mpi":
            env = dict(self.mpi_env, OMP_NUM_THREADS="1")
            argv = [self.mpiexec, "-n", str(workers), self.program(name)] + prog_args + [
                "--expect-ranks", str(workers), "--json"]
        else:
            env = self.omp_env(workers)
            argv = [self.program(name)] + prog_args + ["--json"]
            if variant == "openmp":
                argv += ["--expect-threads", str(workers)]
        (rec,), wall, command = self._run(argv, env)
        if not rec.get("verified"):
            raise BenchError("%s: wrong result %s (expected %s)" % (command, rec.get("result"),
                                                                  rec.get("expected")))
        return rec, wall, command

    def probe(self, threads, n, repeat):
        argv = [self.program("bench/probe"), "-n", str(n), "--repeat", str(repeat)]
        recs, wall, command = self._run(argv, self.omp_env(threads))
        for rec in recs:
            if rec.get("check") != "ok":
                raise BenchError("%s: the probe's %s kernel computed a wrong value"
                                 % (command, rec.get("probe")))
        return {rec["probe"]: rec for rec in recs}, command

    def numpy_sum(self, n, repeat):
        # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow a current numpy (see the env notes); unset
        # both for this command alone.  a.sum() on int64 does not call BLAS in any case.
        argv = [self.args.python, "-c", NUMPY_SCRIPT, str(n), str(repeat)]
        (rec,), wall, command = self._run(argv, {}, unset=("OPENBLAS_CORETYPE",
                                                           "OPENBLAS_L2_SIZE"))
        if not rec.get("verified"):
            raise BenchError("numpy a.sum() gave a wrong result")
        return rec, "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE %s -c <numpy a.sum() script> %d %d" % (
            self.args.python, n, repeat)

    def seed_python(self, mode):
        argv = [self.args.python, os.path.join(HERE, "seed_workload.py"), mode]
        (rec,), wall, command = self._run(argv, {})
        if not rec.get("results_ok"):
            raise BenchError("the seed's Python gave a wrong result")
        return rec, command


def has_numpy(python):
    proc = subprocess.run([python, "-c", "import numpy"], capture_output=True,
                          stdin=subprocess.DEVNULL)
    return proc.returncode == 0


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "count": len(values)}


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


def measure_round(run, col, args, numpy_ok, records, round_no):
    cores = args.workers
    n = args.n
    sum_args = ["-n", str(n), "--tasks", str(args.tasks), "--repeat", str(args.repeat)]
    square_args = ["-n", str(n), "--repeat", str(args.repeat)]

    def program(workload, variant, workers, prog_args, key, label):
        name = "%s_%s" % (workload, variant)
        rec, wall, command = run.parlab(name, variant, workers, prog_args)
        col.add(key, gbs(rec), unit="GB/s", label=label, workers=workers, command=command,
                workload=workload, variant=variant)
        records.append({"kind": "measurement", "round": round_no, "key": key, "wall": wall,
                        "program": rec, "command": command})
        return rec, wall

    for workers in range(1, cores + 1):
        probes, command = run.probe(workers, n, args.repeat)
        for kernel, rec in probes.items():
            key = "probe_%s_w%d" % (kernel, workers)
            col.add(key, rec["gbs_median"], unit="GB/s", workers=workers, command=command,
                    workload="probe", variant=kernel,
                    label="probe %s (%s)" % (kernel, "24 B/elem, STREAM count" if kernel == "triad"
                                             else "8 B/elem read"))
            records.append({"kind": "measurement", "round": round_no, "key": key, "probe": rec,
                            "command": command})
        for workload, wargs in (("sum", sum_args), ("square", square_args)):
            if workers == 1:
                program(workload, "serial", 1, wargs, "%s_serial_w1" % workload,
                        "%s serial" % workload)
            program(workload, "openmp", workers, wargs, "%s_openmp_w%d" % (workload, workers),
                    "%s openmp" % workload)
            if run.mpiexec and run.has("%s_mpi" % workload):
                program(workload, "mpi", workers, wargs, "%s_mpi_w%d" % (workload, workers),
                        "%s mpi" % workload)

    if numpy_ok:
        rec, command = run.numpy_sum(n, args.repeat)
        col.add("numpy_sum_w1", gbs(rec), unit="GB/s", workers=1, command=command,
                label="numpy %s a.sum() int64" % rec["numpy"], workload="sum", variant="numpy")
        records.append({"kind": "measurement", "round": round_no, "key": "numpy_sum_w1",
                        "numpy": rec, "command": command})

    # The seed's workload: 4 tasks over range(10**7).
    for mode, key, workers in (("sequential", "seed_python_sequential", 1),
                               ("pool", "seed_python_pool", cores)):
        rec, command = run.seed_python(mode)
        col.add(key, rec["seconds"], unit="s", workers=workers, command=command,
                label="seed Python %s (4 x range(10**7))" % ("sequential" if mode == "sequential"
                                                             else "Pool.map"))
        records.append({"kind": "measurement", "round": round_no, "key": key, "python": rec,
                        "command": command})
    seed_args = ["-n", str(SEED_N), "--tasks", str(SEED_TASKS)]
    rec, wall, command = whole_process(run, "sum_serial", "serial", 1, seed_args + ["--repeat", "1"])
    col.add("seed_c_process_gbs", gbs(rec), unit="GB/s", workers=1, command=command,
            label="sum serial, seed workload", workload="sum", variant="serial")
    col.add("sum_serial_seed_process", wall, unit="s", workers=1, command=command,
            label="sum_serial whole process (-n 10^7 --tasks 4 --repeat 1)")
    records.append({"kind": "measurement", "round": round_no, "key": "sum_serial_seed_process",
                    "wall": wall, "program": rec, "command": command})
    rec, wall = program("sum", "serial", 1, seed_args + ["--repeat", str(args.repeat)],
                        "seed_c_kernel_gbs", "sum serial, seed workload")
    col.add("sum_serial_seed_kernel", rec["time_median"], unit="s", workers=1,
            command=col.meta["seed_c_kernel_gbs"]["command"],
            label="sum_serial kernel only (-n 10^7 --tasks 4)")

    # Oversubscription: twice as many ranks as cores, against as many as cores; whole process.
    if run.mpiexec and run.has("sum_mpi"):
        over_args = ["-n", str(n), "--tasks", str(args.tasks), "--repeat", "1"]
        for ranks in (cores, 2 * cores):
            key = "sum_mpi_process_r%d" % ranks
            rec, wall, command = whole_process(run, "sum_mpi", "mpi", ranks, over_args)
            col.add(key, wall, unit="s", workers=ranks, command=command,
                    label="sum_mpi whole process, %d ranks%s" % (
                        ranks, " (oversubscribed)" if ranks > cores else ""))
            records.append({"kind": "measurement", "round": round_no, "key": key, "wall": wall,
                            "program": rec, "command": command})


PROCESS_LAUNCHES = 5


def whole_process(run, name, variant, workers, prog_args):
    """A whole process's wall time, start-up included: one untimed launch, then the median of
    PROCESS_LAUNCHES timed ones.  Why not one launch: the first process after a pause was slow
    here (0.2 s against 0.04 s for sum_serial -n 10^7 --tasks 4), and a single launch per round
    let that decide the seed's whole-process ratio.  Returns the median launch's (json, wall,
    command); "walls" in the json lists every timed launch."""
    run.parlab(name, variant, workers, prog_args)
    launches = sorted((run.parlab(name, variant, workers, prog_args)
                       for _ in range(PROCESS_LAUNCHES)), key=lambda launch: launch[1])
    rec, wall, command = launches[len(launches) // 2]
    rec = dict(rec, walls=[launch[1] for launch in launches])
    return rec, wall, command


FSUM_METHODS = ("reproducible", "naive")


def fsum_variants(run):
    """fsum variants to measure: serial, openmp, mpi, each where its program is built."""
    out = []
    for variant in ("serial", "openmp", "mpi"):
        if run.has("fsum_" + variant) and (variant != "mpi" or run.mpiexec):
            out.append(variant)
    return out


def measure_fsum(run, col, args, records, round_no):
    """fsum, reproducible next to --naive: for each variant and worker count the two methods
    run back to back (interleaved, same -n and --repeat), and the order flips every round so
    neither method always runs first.  GB/s = 8n / median time, as the program counts it."""
    fsum_args = ["-n", str(args.n), "--repeat", str(args.repeat)]
    order = FSUM_METHODS if round_no % 2 else FSUM_METHODS[::-1]
    for variant in fsum_variants(run):
        for workers in ([1] if variant == "serial" else range(1, args.workers + 1)):
            for method in order:
                prog_args = fsum_args + (["--naive"] if method == "naive" else [])
                rec, wall, command = run.parlab("fsum_" + variant, variant, workers, prog_args)
                if rec.get("method") != method:
                    raise BenchError("%s: reported method %r" % (command, rec.get("method")))
                key = "fsum_%s_%s_w%d" % (variant, method, workers)
                col.add(key, gbs(rec), unit="GB/s", workers=workers, command=command,
                        workload="fsum", variant=variant, method=method,
                        label="fsum %s %s" % (variant, method))
                records.append({"kind": "measurement", "round": round_no, "key": key,
                                "wall": wall, "program": rec, "command": command})


def measure_sizes(run, col, args, records, round_no):
    """Cost per element against n: sum_serial and sum_openmp at all cores, kernel time only.

    The target rows run with --cold-cache: every run reads its array from memory, as STREAM
    requires (arrays of 4x the last-level cache), also at the n whose array would fit in the cache.
    One warm-cache row at the smallest n shows what the cache alone does (no target)."""
    for size in args.sizes:
        for variant, workers in (("serial", 1), ("openmp", args.workers)):
            warm_too = size == min(args.sizes)
            for cold in (True, False) if warm_too else (True,):
                prog_args = ["-n", str(size), "--tasks", "1", "--repeat", str(args.repeat)]
                prog_args += ["--cold-cache"] if cold else []
                rec, wall, command = run.parlab("sum_" + variant, variant, workers, prog_args)
                key = "size_%s_n%d%s" % (variant, size, "" if cold else "_warm")
                col.add(key, rec["time_median"] / size * 1e9, unit="ns/elem", workers=workers,
                        command=command, label="sum %s, n=%s, %s cache"
                        % (variant, fmt_n(size), "cold" if cold else "warm"))
                records.append({"kind": "measurement", "round": round_no, "key": key,
                                "wall": wall, "program": rec, "command": command})


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
    specs.append(("mpi_oversubscribed_over_allcores", "sum_mpi_process_r%d" % (2 * cores),
                  "sum_mpi_process_r%d" % cores, "<=", 2.5,
                  "sum_mpi whole process: %d ranks on %d cores over %d ranks"
                  % (2 * cores, cores, cores)))
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
        scale = target if op is None and target else 1.0   # informative lines: a unit factor
        values = [a / b * scale for a, b in pairs if b > 0]
        if op is None:
            target = None
        st = stats(values)
        ok = None if op is None else (st["median"] >= target if op == ">=" else
                                      st["median"] <= target)
        out.append({"name": name, "label": label or name, "numerator": num,
                    "denominator": den, "op": op,
                    "target": target, "what": what, "values": values, **st, "pass": ok,
                    "commands": [col.meta[num]["command"], col.meta[den]["command"]]})
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
                    % (variant, sizes), "values": per_round, **stats(per_round),
                    "median": of_medians, "pass": of_medians <= 0.2, "commands": commands})
        out.append({"name": "size_%s_max_deviation_per_round" % variant, "op": None,
                    "target": None, "what": "sum %s, --cold-cache, n = %s: the worst deviation "
                    "within each round, median over rounds (no target)" % (variant, sizes),
                    "values": per_round, **stats(per_round), "pass": None,
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
        st = stats(values)
        digits = 4 if meta["unit"] in ("s", "ns/elem") else 2
        lines.append("%-52s %7d  %-8s %10.*f  (%.*f-%.*f)" % (
            meta["label"][:52], meta["workers"], meta["unit"], digits, st["median"], digits,
            st["min"], digits, st["max"]))
    return lines


def ratio_line(r):
    name = r.get("label") or r["name"]
    if r["op"] is None:
        return "%s: %.3f (%.3f-%.3f) no target" % (name, r["median"], r["min"], r["max"])
    return "%s: %.3f (%.3f-%.3f) target %s %s: %s" % (
        name, r["median"], r["min"], r["max"], r["op"], r["target"],
        "PASS" if r["pass"] else "MISS")


def write_plots(col, args, outdir, stamp):
    """GB/s against workers, one figure per workload, with the triad and read probes as roofs."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return [], "gnuplot not installed: no plots"
    os.makedirs(outdir, exist_ok=True)
    made = []
    series = {"sum": [("sum_openmp", "sum OpenMP"), ("sum_mpi", "sum MPI"),
                      ("sum_serial", "sum serial"), ("numpy_sum", "numpy a.sum()")],
              "square": [("square_openmp", "square OpenMP"), ("square_mpi", "square MPI"),
                         ("square_serial", "square serial")],
              "fsum": [("fsum_openmp_reproducible", "fsum OpenMP reproducible"),
                       ("fsum_openmp_naive", "fsum OpenMP naive"),
                       ("fsum_mpi_reproducible", "fsum MPI reproducible"),
                       ("fsum_mpi_naive", "fsum MPI naive"),
                       ("fsum_serial_reproducible", "fsum serial reproducible"),
                       ("fsum_serial_naive", "fsum serial naive")]}
    roofs = [("probe_triad", "probe: triad (roof)"), ("probe_read", "probe: read-only sum")]
    for workload, lines in series.items():
        cols = roofs + lines
        data = ["# workers " + " ".join("%s_med %s_min %s_max" % (k, k, k) for k, _ in cols)]
        for w in range(1, args.workers + 1):
            row = [str(w)]
            for key, _ in cols:
                vals = col.values.get("%s_w%d" % (key, w))
                row += (["%.3f" % statistics.median(vals), "%.3f" % min(vals), "%.3f" % max(vals)]
                        if vals else ["NaN"] * 3)
            data.append(" ".join(row))
        base = os.path.join(outdir, "%s-gbs-vs-workers" % workload)
        with open(base + ".dat", "w") as f:
            f.write("\n".join(data) + "\n")
        plots = []
        for i, (key, title) in enumerate(cols):
            c = 2 + 3 * i
            style = "yerrorlines lw 2 pt 7 lc %d" % (i + 1)
            if key.startswith("probe"):
                style += " dashtype 2"
            plots.append("'%s' using 1:%d:%d:%d title '%s' with %s"
                         % (base + ".dat", c, c + 1, c + 2, title, style))
        plot_cmd = ", ".join(plots)
        for term, ext in (("pngcairo size 900,600 noenhanced", "png"),
                          ("svg size 900,600 noenhanced", "svg")):
            script = "\n".join([
                "set terminal %s" % term,
                "set output '%s.%s'" % (base, ext),
                "set title '%s: GB/s against workers, probe as the roof (%s, %s)'" % (
                    workload, platform.node(), stamp),
                "set xlabel 'workers (threads or ranks)'", "set ylabel 'GB/s'",
                "set xrange [0.5:%g]" % (args.workers + 0.5), "set xtics 1", "set yrange [0:*]",
                "set key bottom right", "set grid",
                "plot " + plot_cmd, ""])
            proc = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
            if proc.returncode != 0:
                return made, "gnuplot failed: " + proc.stderr.strip()[-300:]
            made.append("%s.%s" % (base, ext))
    return made, None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="For a -march=native build: meson setup build-native "
                                "-Dnative=true && meson compile -C build-native && "
                                "python3 bench/bench.py --build build-native")
    p.add_argument("--build", default=os.path.join(REPO, "build"),
                   help="Meson build directory with the programs (default: build)")
    p.add_argument("--results", default=os.path.join(REPO, "results"),
                   help="where bench-<date>.jsonl/.txt and bench/ plots go (default: results)")
    p.add_argument("-n", type=int, default=50_000_000,
                   help="values per array for the bandwidth rows (default 5e7 = 400 MB)")
    p.add_argument("--tasks", type=int, default=4, help="sum tasks per timed run (default 4)")
    p.add_argument("--repeat", type=int, default=5,
                   help="timed runs inside each program (default 5; median is used)")
    p.add_argument("--rounds", type=int, default=5,
                   help="rounds of every measurement; ratios are medians over them (>= 5)")
    p.add_argument("--sizes", default="1000000,10000000,100000000,1000000000",
                   help="n for the cost-against-size rows (comma-separated; '' to skip)")
    p.add_argument("--workers", type=int, default=usable_cores(),
                   help="largest worker count (default: usable cores)")
    p.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                   else sys.executable, help="Python for the seed and numpy (default: Debian's)")
    p.add_argument("--mpiexec", default="mpiexec.openmpi", help="MPI launcher ('' for no MPI)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes and 2 rounds: checks that the bench runs, not the machine")
    args = p.parse_args(argv)
    if args.smoke:
        args.n, args.rounds, args.repeat, args.tasks = 200_000, 2, 2, 2
        args.sizes = "100000,400000"
    elif args.rounds < 5:
        p.error("--rounds: at least 5 (each ratio is a median over rounds)")
    try:
        args.sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error("--sizes: expected comma-separated whole numbers")
    if args.n < 1000 or args.workers < 1 or args.repeat < 1 or args.tasks < 1:
        p.error("-n >= 1000, --workers, --repeat and --tasks >= 1")
    return args


def memory_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run = Runner(args)
    for name in ("sum_serial", "sum_openmp", "square_serial", "square_openmp", "bench/probe"):
        if not run.has(name):
            print("bench: --build: %s not found; build first: meson setup %s && meson compile -C %s"
                  % (run.program(name), args.build, args.build), file=sys.stderr)
            return 2
    notes = []
    if not run.mpiexec or not run.has("sum_mpi"):
        notes.append("MPI rows skipped: no %s or no sum_mpi in the build" % (args.mpiexec or
                                                                            "launcher"))
        run.mpiexec = None
    numpy_ok = has_numpy(args.python)
    if not numpy_ok:
        notes.append("numpy rows skipped: %s cannot import numpy (apt-get install python3-numpy)"
                     % args.python)
    # The largest sizes need 8 bytes per value (sum): skip what the free memory cannot hold.
    avail = memory_bytes()
    kept = [s for s in args.sizes if 8 * s <= 0.6 * avail]
    for s in args.sizes:
        if s not in kept:
            notes.append("size n=%s skipped: needs %.1f GB, %.1f GB available"
                         % (fmt_n(s), 8 * s / 1e9, avail / 1e9))
    args.sizes = kept
    if args.workers > usable_cores():
        notes.append("--workers %d > %d usable cores: oversubscribed rows are not bandwidth "
                     "results" % (args.workers, usable_cores()))

    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    run_id = "bench-" + stamp
    col = Collector()
    records = []
    started = time.time()
    try:
        for r in range(1, args.rounds + 1):
            print("round %d/%d ..." % (r, args.rounds), file=sys.stderr, flush=True)
            measure_round(run, col, args, numpy_ok, records, r)
            measure_sizes(run, col, args, records, r)
            measure_fsum(run, col, args, records, r)
    except (BenchError, subprocess.TimeoutExpired, OSError) as err:
        print("bench: %s" % err, file=sys.stderr)
        return 1
    elapsed = time.time() - started

    first_program = next((rec["program"] for rec in records if "program" in rec), {})
    provenance = {"host": platform.node(), "cores": usable_cores(), "workers": args.workers,
                  "cpu_model": first_program.get("cpu_model"),
                  "compiler": "%s %s" % (first_program.get("compiler"),
                                         first_program.get("compiler_version")),
                  "cflags": first_program.get("cflags"), "build": os.path.abspath(args.build),
                  "python": args.python, "mpiexec": run.mpiexec, "n": args.n,
                  "tasks": args.tasks, "repeat": args.repeat, "rounds": args.rounds,
                  "sizes": args.sizes, "smoke": args.smoke, "seconds": round(elapsed, 1),
                  "command": " ".join([os.path.relpath(__file__, os.getcwd())] +
                                      (sys.argv[1:] if argv is None else argv))}
    header = ["parlab bench %s: %s, %d cores (%s), %s, cflags '%s'" % (
                  run_id, provenance["host"], provenance["cores"], provenance["cpu_model"],
                  provenance["compiler"], provenance["cflags"]),
              "n=%d values (%.0f MB per array), sum --tasks %d, --repeat %d per program, "
              "%d rounds; medians over rounds (min-max)" % (
                  args.n, args.n * 8 / 1e6, args.tasks, args.repeat, args.rounds),
              "GB/s = bytes counted by the program / its median time; triad counts 24 B/element "
              "(STREAM's count, write-allocate not counted); square counts 16 B/element"]
    header += ["note: " + n for n in notes]
    lines = table_lines(col, header)
    ratios = (compute_ratios(col, ratio_specs(args, col)) + size_ratios(col, args)
              + compute_ratios(col, fsum_ratio_specs(args, col)))
    lines.append("")
    lines.append("ratios (median over %d rounds, min-max):" % args.rounds)
    lines += [ratio_line(r) for r in ratios]
    passed = sum(1 for r in ratios if r["pass"] is True)
    missed = sum(1 for r in ratios if r["pass"] is False)
    lines.append("targets: %d PASS, %d MISS (a MISS is a finding, not a failure)" % (passed, missed))
    print("\n".join(lines))

    os.makedirs(args.results, exist_ok=True)
    jsonl = os.path.join(args.results, run_id + ".jsonl")
    plots, plot_note = write_plots(col, args, os.path.join(args.results, "bench"), stamp)
    with open(jsonl, "a") as f:
        def put(rec):
            f.write(json.dumps(dict({"schema": SCHEMA, "run_id": run_id}, **rec)) + "\n")
        put({"kind": "header", "provenance": provenance, "notes": notes, "plots": plots})
        for rec in records:
            put(rec)
        for key, values in col.values.items():
            put({"kind": "summary", "key": key, **col.meta[key], "values": values,
                 **stats(values)})
        for r in ratios:
            put({"kind": "ratio", **r})
    with open(os.path.join(args.results, run_id + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("recorded: %s (+ .txt)%s" % (os.path.relpath(jsonl), "; plots: " + ", ".join(
        os.path.relpath(p) for p in plots) if plots else "; " + (plot_note or "no plots")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
