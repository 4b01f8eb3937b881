#!/usr/bin/python3
"""A stand-in for the parlab programs, following the CLI contract, for harness tests.

The program name says what it is: a file or symlink called sum_openmp acts as the OpenMP
sum, and so on.  Times are synthetic (no real work): time = n-proportional work divided by
the workers, so the harness' tables, fits and plots have something sensible to show.
Ranks come from the launcher's environment (OMPI_COMM_WORLD_SIZE / PMI_SIZE); under a
real mpiexec only rank 0 prints.
"""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
from pharness import registry  # noqa: E402


SHARED = [
    {"flag": "-n", "arg": "N", "kind": "whole", "min": 1, "max": 10 ** 12, "shared": True},
    {"flag": "--repeat", "arg": "K", "kind": "whole", "min": 1, "max": 100000, "default": 3,
     "shared": True},
    {"flag": "--json", "kind": "switch", "shared": True},
    {"flag": "--expect-threads", "arg": "T", "kind": "whole", "min": 1, "max": 1000000,
     "shared": True},
    {"flag": "--expect-ranks", "arg": "R", "kind": "whole", "min": 1, "max": 1000000,
     "shared": True},
    {"flag": "--help", "kind": "switch", "shared": True},
    {"flag": "--version", "kind": "switch", "shared": True},
    {"flag": "--describe", "kind": "switch", "shared": True},
]


def own_options(workload):
    """The options of the program's registry rows, as --describe lists them: every flag their
    sizes, methods and test cases pass (a word after it: a choice; a number: a value; nothing:
    a switch), --cold-cache for a memory-bound row, and NUMBERS for a row sized by numbers.  A stand-in: the real list is the C row's."""
    found = {}
    for row in registry.rows_of_program(workload):
        runs = [row.args(size, 1, m) for size in row.sizes.values() for m in row.methods]
        for args in runs + row.tests:
            for flag, value in zip(args, args[1:] + [None]):
                if not flag.startswith("--") or flag in ("--repeat", "--json"):
                    continue
                o = found.setdefault(flag, {"flag": flag, "kind": "switch", "shared": False})
                if value is None or value.startswith("-"):
                    continue
                if value.replace(".", "", 1).isdigit():
                    o.update(kind="seconds" if "." in value or flag == "--delay" else "whole",
                             min=0, max=10 ** 6)
                else:
                    o["kind"] = "choice"
                    o.setdefault("words", [])
                    if value not in o["words"]:
                        o["words"].append(value)
        if row.bound == "memory":  # an array that --cold-cache evicts
            found["--cold-cache"] = {"flag": "--cold-cache", "kind": "switch", "shared": False}
        if any("numbers" in size for size in row.sizes.values()):
            found["NUMBERS"] = {"flag": "NUMBERS", "kind": "numbers", "min": 0,
                                "max": 4294967295, "shared": False}
    return list(found.values())


def describe(workload, variant):
    rows = registry.rows_of_program(workload)
    formula = next((r.closed_form.formula for r in rows if r.closed_form), "exact sum")
    return {"workload": workload, "program": "%s_%s" % (workload, variant), "variant": variant,
            "formula": formula, "options": SHARED + own_options(workload)}


def row_of(workload, numbers_mode):
    """The registry row this program plays: sized by numbers, or by -n."""
    rows = registry.rows_of_program(workload)
    return next((r for r in rows if numbers_mode == any("numbers" in s for s in
                                                        r.sizes.values())), rows[0])


def parse(argv, accepted):
    opts = {"n": None, "tasks": None, "numbers": [], "delay": 1.0, "repeat": 3, "json": False,
            "expect_threads": None, "expect_ranks": None, "naive": False, "data": "random"}
    it = iter(argv)
    for a in it:
        if a.startswith("-") and not a.lstrip("-").isdigit() and a not in accepted:
            sys.stderr.write("fake: unknown option %s\n" % a)
            sys.exit(2)
        if a == "-n":
            opts["n"] = int(next(it))
        elif a == "--tasks":
            opts["tasks"] = int(next(it))
        elif a == "--delay":
            opts["delay"] = float(next(it))
        elif a == "--repeat":
            opts["repeat"] = int(next(it))
        elif a == "--json":
            opts["json"] = True
        elif a == "--naive":
            opts["naive"] = True
        elif a == "--data":
            opts["data"] = next(it)
        elif a == "--expect-threads":
            opts["expect_threads"] = int(next(it))
        elif a == "--expect-ranks":
            opts["expect_ranks"] = int(next(it))
        elif a.lstrip("-").isdigit():
            opts["numbers"].append(int(a))
        elif accepted.get(a, {}).get("kind") == "choice":
            opts[a.lstrip("-")] = next(it)
        elif a in accepted:
            opts[a.lstrip("-")] = True
        else:
            sys.stderr.write("fake: unknown option %s\n" % a)
            sys.exit(2)
    return opts


def fsum_doc(o, workers, wrong):
    """fsum: the exact sum is a made-up double of n; the reproducible result is that sum at
    every worker count (1 ulp off when `wrong`); the naive result moves by a few ulps with
    the worker count, like a real reduction.  FAKE_FSUM_NAIVE_OUT=1: a naive run whose error
    exceeds its bound (while still claiming verified:true)."""
    n = o["n"]
    exact = -(n * 1.2345678901234567) - 1.0 / 3.0
    u = math.ulp(exact)
    if o["naive"]:
        k = (workers * 7) % 5 - 2              # -2..2 ulps, different for 1, 2, 4 workers
        bound = 1e6 * u
        if os.environ.get("FAKE_FSUM_NAIVE_OUT"):
            k = 3_000_000
    else:
        k = 1 if wrong else 0
        bound = 2 * u
    result = exact + k * u
    error = abs(result - exact)
    return {"result": repr(result), "result_hex": result.hex(), "expected": repr(exact),
            "expected_hex": exact.hex(), "method": "naive" if o["naive"] else "reproducible",
            "reproducible": not o["naive"], "data": o["data"], "error": error,
            "error_bound": bound, "sum_abs": abs(exact), "runs_identical": True,
            "verified": True if wrong or os.environ.get("FAKE_FSUM_NAIVE_OUT")
            else error <= bound}


def main(workload=None, variant=None, wrong=False):
    name = os.path.basename(sys.argv[0])
    if workload is None:
        workload, variant = name.split("_", 1)
        variant = variant.split(".")[0]
    desc = describe(workload, variant)
    if sys.argv[1:] == ["--describe"]:
        print(json.dumps(desc))
        return 0
    o = parse(sys.argv[1:], {opt["flag"]: opt for opt in desc["options"]})
    if os.environ.get("FAKE_SLEEP"):  # for the timeout test: hang like a stuck MPI job
        import time
        time.sleep(float(os.environ["FAKE_SLEEP"]))
    threads = int(os.environ.get("OMP_NUM_THREADS", "1")) if variant in ("openmp", "hybrid") else 1
    ranks = int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("PMI_SIZE", "1")))
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0")))
    if variant not in ("mpi", "hybrid"):
        ranks = 1
    if o["expect_threads"] is not None and o["expect_threads"] != threads:
        sys.stderr.write("fake: --expect-threads %d but got %d\n" % (o["expect_threads"], threads))
        return 2
    if o["expect_ranks"] is not None and o["expect_ranks"] != ranks:
        sys.stderr.write("fake: --expect-ranks %d but got %d\n" % (o["expect_ranks"], ranks))
        return 2
    if rank != 0:
        return 0
    row = row_of(workload, o["n"] is None)
    mode = row.mode
    if o["n"] is not None:
        tasks = o["tasks"] if o["tasks"] is not None else 4
    else:
        tasks = len(o["numbers"] or [1, 2, 3, 4])
        o["numbers"] = o["numbers"] or [1, 2, 3, 4]
    if row.closed_form is None:  # the program computes its own exact reference (fsum)
        tasks = 1
        expected = 0
    else:
        expected = row.closed_form({"n": o["n"], "tasks": tasks, "numbers": o["numbers"]})
    result = expected + (1 if wrong else 0)
    workers = ranks * threads
    # FAKE_CORES_PER_HOST: a run spread over several nodes, where the program (which sees every
    # host) counts more usable cores than the harness's own node has.
    cores = int(os.environ.get("FAKE_CORES_PER_HOST", len(os.sched_getaffinity(0))))
    if o["n"] is not None:
        work = 1e-8 * o["n"] * (tasks if row.per_task else 1)
        if os.environ.get("FAKE_FOLDED"):  # a loop the compiler replaced by a formula
            work = 1e-6
        t = work * (0.05 + 0.95 / min(workers, cores)) * (1.3 if workers > cores else 1.0)
        nbytes = 8 * o["n"] * (tasks if row.per_task else 1 if row.closed_form is None else 2)
    else:
        per = -(-len(o["numbers"]) // workers)
        t = o["delay"] * per
        nbytes = 0
    doc = {
        "workload": workload, "variant": variant, "mode": mode, "threads": threads,
        "ranks": ranks, "n": o["n"] if o["n"] is not None else len(o["numbers"]),
        "tasks": tasks, "result": str(result), "expected": str(expected),
        "verified": True if wrong else result == expected, "repeat": o["repeat"], "warmup": 1,
        "time_min": t * 0.97, "time_median": t, "time_max": t * 1.05,
        "times": [t * random.uniform(0.5, 1.5) for _ in range(o["repeat"])]
        if os.environ.get("FAKE_NOISY") else [t] * o["repeat"] if o["repeat"] < 3 else
        [t * 1.05] + [t] * (o["repeat"] - 2) + [t * 0.97],
        "timer_resolution": 1e-9, "bytes": nbytes, "cores": cores,
        "oversubscribed": workers > cores, "host": os.uname().nodename, "cpu_model": "fake cpu",
        "compiler": "fakecc", "compiler_version": "0.0", "cflags": "-O2",
        "mpi_library": "fake MPI" if variant in ("mpi", "hybrid") else None,
        "omp": {"num_threads": os.environ.get("OMP_NUM_THREADS"),
                "proc_bind": os.environ.get("OMP_PROC_BIND"),
                "places": os.environ.get("OMP_PLACES"),
                "wait_policy": os.environ.get("OMP_WAIT_POLICY"), "dynamic": None},
        "version": "fake-0",
    }
    if row.closed_form is None:
        doc.update(fsum_doc(o, workers, wrong))
    if o["json"]:
        print(json.dumps(doc))
    else:
        print("result %d" % result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
