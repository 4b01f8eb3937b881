#!/usr/bin/python3
"""perf at a tiny size (meson suite 'bench-smoke'): runs `parlab perf --smoke` on the real programs
of a build and checks the FORM of its table, its target lines and its records.  It never judges a
number: PASS and MISS both pass.  The build comes from PARLAB_BUILD (default ./build); skipped
when the build holds no programs."""
import glob
import os
import re
import subprocess
import sys
import unittest

import helpers
from pharness import records, report

BUILD = os.path.abspath(os.environ.get("PARLAB_BUILD", "build"))
BUILT = os.access(os.path.join(BUILD, "sum_serial"), os.X_OK)

RATIO = re.compile(r"^[a-z0-9_]+: \d+\.\d+ \(\d+\.\d+-\d+\.\d+\) "
                   r"(target (>=|<=) \d+(\.\d+)?: (PASS|MISS)|no target)$")
FSUM = re.compile(r"^fsum reproducible/naive GB/s, (serial|openmp|mpi) \d+: \d+\.\d+ "
                  r"\(\d+\.\d+-\d+\.\d+\) target >= 0\.8: (PASS|MISS)$")
ANY_RATIO = re.compile(r"^[^:]+: \d+\.\d+ \(\d+\.\d+-\d+\.\d+\) "
                       r"(target (>=|<=) \d+(\.\d+)?: (PASS|MISS)|no target)$")
ROW = re.compile(r"^.{52} +\d+  (GB/s|s|ns/elem) +\d+\.\d+  \(\d+\.\d+-\d+\.\d+\)$")


@unittest.skipUnless(BUILT, "no parlab programs in %s (build first)" % BUILD)
class PerfSmoke(unittest.TestCase):
    def test_smoke(self):
        with helpers.tempdir() as out:
            proc = subprocess.run([sys.executable, helpers.SCRIPT, "perf", "--smoke", "--build",
                                   BUILD, "--results", out], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=280)
            print(proc.stdout)
            self.assertEqual(proc.returncode, 0, proc.stderr[-1500:])
            self.check_output(proc.stdout)
            self.check_records(out, proc.stdout)

    def check_output(self, text):
        lines = text.splitlines()
        rows = [l for l in lines if ROW.match(l)]
        ratios = [l for l in lines if RATIO.match(l)]
        for want in ("probe triad", "probe read", "sum serial", "sum openmp", "square openmp",
                     "seed Python sequential", "sum_serial whole process", "fsum serial "
                     "reproducible", "fsum serial naive", "fsum openmp reproducible"):
            self.assertTrue(any(r.startswith(want) for r in rows), "no table row for %r" % want)
        for want in ("sum_openmp_allcores_over_triad", "seed_python_over_sum_serial_process",
                     "seed_python_over_sum_serial_kernel", "size_serial_max_deviation",
                     "sum_serial_over_best_one_worker", "square_serial_over_best_one_worker"):
            self.assertTrue(any(r.startswith(want + ":") for r in ratios),
                            "no target line for %r" % want)
        for want in ("serial 1", "openmp 1"):
            self.assertTrue(any(l.startswith("fsum reproducible/naive GB/s, %s:" % want)
                                and FSUM.match(l) for l in lines), "no fsum line %r" % want)
        self.assertIn("numpy", text, "neither a numpy row nor a note saying it was skipped")
        if "numpy rows skipped" not in text:
            self.assertTrue(any(l.startswith("fsum reproducible/numpy float64 a.sum() GB/s")
                                for l in lines), "no fsum-over-numpy target line")
        self.assertRegex(text, r"(?m)^targets: \d+ PASS, \d+ MISS")

    def check_records(self, out, text):
        files = glob.glob(os.path.join(out, "perf-*.jsonl"))
        self.assertEqual(len(files), 1)
        self.assertTrue(os.path.exists(files[0][:-len(".jsonl")] + ".txt"))
        recs = records.load(files[0])  # every record passes the one schema
        kinds = {r["kind"] for r in recs}
        self.assertTrue({"header", "run", "probe", "reference", "ratio"} <= kinds, kinds)
        runs = [r for r in recs if r["kind"] == "run"]
        self.assertTrue(all(r["suite"] == "perf" and r["program"] and r["agrees_closed_form"]
                            for r in runs))
        ratios = [r for r in recs if r["kind"] == "ratio"]
        printed = [l for l in text.splitlines() if ANY_RATIO.match(l)]
        self.assertEqual(len(ratios), len(printed))
        for r in ratios:
            if r["name"].startswith("fsum_reproducible_over_naive"):
                self.assertEqual((r["op"], r["target"], len(r["commands"])), (">=", 0.8, 2))
        # report reads it: its tables, the reference measurements and the targets
        rendered = report.report_text(recs)
        self.assertIn("reference measurements (perf)", rendered)
        self.assertIn("perf targets", rendered)
        for line in printed:
            self.assertIn(line, rendered)
        header = next(r for r in recs if r["kind"] == "header")
        if header["plots"]:
            self.assertGreaterEqual(len(glob.glob(os.path.join(out, "perf-*-plots", "*.png"))),
                                    3)


if __name__ == "__main__":
    if not BUILT:
        print("skip: no parlab programs in %s (build first)" % BUILD)
        sys.exit(77)
    unittest.main(verbosity=2)
