"""Shared bits for the harness tests (run each test file with /usr/bin/python3)."""
import os
import sys
import tempfile
import uuid

TESTS = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(TESTS)
SCRIPT = os.path.join(HARNESS, "parlab_harness.py")
FAKE = os.path.join(TESTS, "fake_program.py")
FAKE_WRONG = os.path.join(TESTS, "fake_wrong.py")
FAKE_MPIEXEC = os.path.join(TESTS, "fake_mpiexec.py")
FAKE_FSUM_WRONG = os.path.join(TESTS, "fake_fsum_wrong.py")
sys.path.insert(0, HARNESS)

from pharness import records, registry  # noqa: E402


def fake_build_dir(parent, variants=("serial", "openmp", "mpi", "hybrid")):
    """A build directory whose programs are symlinks to the fake program."""
    build = os.path.join(parent, "build")
    os.makedirs(build, exist_ok=True)
    for w in registry.programs():
        for v in variants:
            os.symlink(FAKE, os.path.join(build, "%s_%s" % (w, v)))
    return build


def make_record(**kw):
    """A valid record with sensible defaults; keyword arguments override fields."""
    workload = kw.get("workload", "sum")
    n = kw.get("n", 1000)
    variant = kw.get("variant", "serial")
    ranks = kw.get("ranks", 1)
    threads = kw.get("threads", 1)
    # the registry row of this workload and mode (the seed's numbers demo, or the array)
    row = next(w for w in registry.rows_of_program(workload)
               if (w.mode == "numbers") == (kw.get("mode") == "numbers"))
    if row.closed_form is None:  # the exact sum the program reports, as hex
        closed = kw.get("expected", "0x1.8p+1")
    else:
        size = {"n": n, "tasks": kw.get("tasks", 4), "numbers": kw.get("numbers")}
        closed = str(row.closed_form(size))
    t = kw.pop("t", 1.0)
    rec = {
        "schema": records.SCHEMA, "kind": "run", "program": {},
        "record_id": kw.pop("record_id", uuid.uuid4().hex),
        "run_id": "run-1", "date": "2025-01-01T00:00:00Z", "label": None, "preset": "tiny",
        "workload": workload, "mode": "array", "variant": variant,
        "workers": ranks * threads, "ranks": ranks, "threads": threads,
        "oversubscribed": False, "n": n, "tasks": 4 if row.per_task else None,
        "numbers": None, "delay": None, "repeat": 5, "warmup": 1,
        "time_min": t * 0.9, "time_median": t, "time_max": t * 1.2,
        "timer_resolution": 1e-9, "bytes": 8 * n * 4, "result": closed, "expected": closed,
        "program_expected": closed, "verified": True, "serial_result": None,
        "agrees_serial": None, "agrees_closed_form": True, "command": ["x"], "env": {},
        "binding": [], "wall_seconds": 0.1,
        "provenance": {"git_commit": None, "git_dirty": None, "host": "h", "cpu_model": "cpu",
                       "cores": 2, "compiler": "gcc", "compiler_version": "12",
                       "cflags": "-O2", "mpi_library": None, "mpi_launcher": None,
                       "omp": None, "slurm": {}},
    }
    rec.update(kw)
    rec["workers"] = rec["ranks"] * rec["threads"]
    return rec


def tempdir():
    return tempfile.TemporaryDirectory(prefix="parlab-harness-test-")
