#!/usr/bin/env python3
"""bench smoke test (meson suite 'bench-smoke'): runs bench.py at a tiny size and checks the FORMAT
of its table, its target lines and its record.  It never judges a number: PASS and MISS both pass.

    smoke.py BENCH_PY BUILD_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

RATIO = re.compile(r"^[a-z0-9_]+: \d+\.\d+ \(\d+\.\d+-\d+\.\d+\) "
                   r"(target (>=|<=) \d+(\.\d+)?: (PASS|MISS)|no target)$")
FSUM = re.compile(r"^fsum reproducible/naive GB/s, (serial|openmp|mpi) \d+: \d+\.\d+ "
                  r"\(\d+\.\d+-\d+\.\d+\) target >= 0\.8: (PASS|MISS)$")
ROW = re.compile(r"^.{52} +\d+  (GB/s|s|ns/elem) +\d+\.\d+  \(\d+\.\d+-\d+\.\d+\)$")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    bench, build = sys.argv[1], sys.argv[2]
    if not os.access(os.path.join(build, "sum_serial"), os.X_OK):
        print("programs not built: skipped")
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="parlab-bench-smoke-") as out:
        proc = subprocess.run([sys.executable, bench, "--smoke", "--build", build,
                               "--results", out], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=280)
        print(proc.stdout)
        if proc.returncode != 0:
            fail("bench.py exited %d: %s" % (proc.returncode, proc.stderr[-600:]))
        lines = proc.stdout.splitlines()
        rows = [l for l in lines if ROW.match(l)]
        ratios = [l for l in lines if RATIO.match(l)]
        fsum_lines = [l for l in lines if FSUM.match(l)]
        for want in ("probe triad", "probe read", "sum serial", "sum openmp", "square openmp",
                     "seed Python sequential", "sum_serial whole process"):
            if not any(r.startswith(want) for r in rows):
                fail("no table row for %r" % want)
        for want in ("sum_openmp_allcores_over_triad", "seed_python_over_sum_serial_process",
                     "seed_python_over_sum_serial_kernel", "size_serial_max_deviation"):
            if not any(r.startswith(want + ":") for r in ratios):
                fail("no target line for %r" % want)
        if os.access(os.path.join(build, "fsum_serial"), os.X_OK):
            # the reproducible sum next to --naive: a target line per variant and worker count
            for want in ("fsum serial reproducible", "fsum serial naive",
                         "fsum openmp reproducible", "fsum openmp naive"):
                if not any(r.startswith(want) for r in rows):
                    fail("no table row for %r" % want)
            for want in ("serial 1", "openmp 1"):
                if not any(l.startswith("fsum reproducible/naive GB/s, %s:" % want)
                           for l in fsum_lines):
                    fail("no fsum target line for %r" % want)
            bad = [l for l in lines if l.startswith("fsum reproducible/naive")
                   and not FSUM.match(l)]
            if bad:
                fail("malformed fsum target line: %r" % bad[0])
        if "numpy" not in proc.stdout:
            fail("neither a numpy row nor a note saying it was skipped")
        if not re.search(r"^targets: \d+ PASS, \d+ MISS", proc.stdout, re.M):
            fail("no targets summary line")
        records = glob.glob(os.path.join(out, "bench-*.jsonl"))
        if len(records) != 1 or not os.path.exists(records[0][:-len(".jsonl")] + ".txt"):
            fail("expected one bench-<date>.jsonl and its .txt in %s" % out)
        kinds = set()
        fsum_recorded = 0
        with open(records[0]) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("schema") != "parlab-bench/1" or "kind" not in rec:
                    fail("record without schema/kind: %s" % line[:200])
                kinds.add(rec["kind"])
                if rec["kind"] == "ratio" and not {"median", "min", "max", "values",
                                                   "commands"} <= set(rec):
                    fail("ratio record lacks fields: %s" % line[:200])
                if rec["kind"] == "ratio" and rec["name"].startswith("fsum_"):
                    fsum_recorded += 1
                    if rec.get("op") != ">=" or rec.get("target") != 0.8 or len(
                            rec.get("commands", [])) != 2:
                        fail("fsum ratio record: %s" % line[:200])
        if fsum_recorded != len(fsum_lines):
            fail("%d fsum target lines printed, %d recorded" % (len(fsum_lines), fsum_recorded))
        if not {"header", "measurement", "summary", "ratio"} <= kinds:
            fail("record kinds %s" % sorted(kinds))
        plots = glob.glob(os.path.join(out, "bench", "*.png")) + glob.glob(
            os.path.join(out, "bench", "*.svg"))
        if "plots:" in proc.stdout and len(plots) < 4:
            fail("plots announced but missing")
    print("PASS (%d table rows, %d target lines, %d fsum target lines)"
          % (len(rows), len(ratios), len(fsum_lines)))


if __name__ == "__main__":
    main()
