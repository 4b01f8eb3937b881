#!/usr/bin/python3
"""count-tests: the closing lines of ./parlab test (the 10 slowest tests, the total time, and last
the line CI reads), from meson's test logs, and its exit status."""
import io
import json
import os
import unittest

import helpers
from pharness import testlog


def log(d, name, results, durations=None):
    path = os.path.join(d, name)
    with open(path, "w") as fh:
        for i, r in enumerate(results):
            line = {"name": "parlab:suite / t%d" % i, "result": r}
            if durations:
                line["duration"] = durations[i]
            fh.write(json.dumps(line) + "\n")
    return path


class CountTests(unittest.TestCase):
    def run_main(self, paths, elapsed=None):
        out = io.StringIO()
        rc = testlog.main(paths, out=out, elapsed=elapsed)
        return rc, out.getvalue().splitlines(True)[-1] if out.getvalue() else ""

    def test_counts_over_several_logs(self):
        with helpers.tempdir() as d:
            a = log(d, "a.json", ["OK", "OK", "SKIP", "EXPECTEDFAIL"])
            b = log(d, "b.json", ["OK", "FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"])
            rc, out = self.run_main([a, b])
        self.assertEqual(out, "4 passed, 4 failed, 1 skipped\n")
        self.assertEqual(rc, 1)

    def test_all_passed(self):
        with helpers.tempdir() as d:
            rc, out = self.run_main([log(d, "a.json", ["OK", "SKIP"])])
        self.assertEqual((rc, out), (0, "1 passed, 0 failed, 1 skipped\n"))

    def test_nothing_ran_is_a_failure(self):
        with helpers.tempdir() as d:
            rc, out = self.run_main([log(d, "a.json", ["SKIP"])])
        self.assertEqual((rc, out), (1, "0 passed, 0 failed, 1 skipped\n"))

    def test_unreadable_log(self):
        with helpers.tempdir() as d:
            path = os.path.join(d, "bad.json")
            with open(path, "w") as fh:
                fh.write("not json\n")
            rc, out = self.run_main([path, os.path.join(d, "missing.json")])
        self.assertEqual((rc, out), (2, ""))


class SlowestAndTotal(unittest.TestCase):
    def test_ten_slowest_then_total_then_count_last(self):
        with helpers.tempdir() as d:
            os.makedirs(os.path.join(d, "build-a", "meson-logs"))
            os.makedirs(os.path.join(d, "build-b", "meson-logs"))
            a = log(os.path.join(d, "build-a", "meson-logs"), "testlog.json",
                    ["OK"] * 8, [float(i) for i in range(8)])
            b = log(os.path.join(d, "build-b", "meson-logs"), "testlog.json",
                    ["OK", "FAIL", "SKIP", "OK"], [100.0, 50.5, 0.0, 3.0])
            out = io.StringIO()
            rc = testlog.main([a, b], out=out, elapsed=754)
        lines = out.getvalue().splitlines()
        self.assertEqual(rc, 1)
        self.assertEqual(lines[0], "the 10 slowest tests:")
        self.assertEqual(len(lines), 1 + 10 + 3 + 2)     # slowest, the failure, total, count
        self.assertIn("100.0 s", lines[1])
        self.assertIn("build-b", lines[1])
        self.assertIn("suite / t0", lines[1])
        self.assertIn("50.5 s", lines[2])
        self.assertIn("(FAIL)", lines[2])
        durations = [float(l.split()[0]) for l in lines[1:11]]
        self.assertEqual(durations, sorted(durations, reverse=True))
        self.assertEqual(durations[-1], 1.0)
        self.assertEqual(lines[11], "the 1 failed test:")
        self.assertEqual(lines[12:14], ["  FAIL  build-b  suite / t1 (50.5 s)", "      | (no output)"])
        self.assertEqual(lines[14], "total: 12 min 34 s (building too), 3 min 02 s of test time, "
                                    "12 tests in 2 builds")
        self.assertEqual(lines[-1], "10 passed, 1 failed, 1 skipped")

    def test_failures_show_the_end_of_their_output(self):
        """Whoever reads only the end of a run (CI keeps the end) learns what failed, and why."""
        with helpers.tempdir() as d:
            path = os.path.join(d, "a.json")
            with open(path, "w") as fh:
                fh.write(json.dumps({"name": "parlab:s / fine", "result": "OK"}) + "\n")
                out = "".join("line %d\n\n" % i for i in range(20)) + "x" * 300 + "\n\x1b[31m\n"
                fh.write(json.dumps({"name": "parlab:s / broken", "result": "TIMEOUT",
                                     "duration": 2, "stdout": out, "stderr": "why\n"}) + "\n")
                for i in range(testlog.FAILED_SHOWN + 1):
                    fh.write(json.dumps({"name": "parlab:s / f%d" % i, "result": "FAIL",
                                         "stdout": "boom %d\n" % i}) + "\n")
            out = io.StringIO()
            rc = testlog.main([path], out=out)
        lines = out.getvalue().splitlines()
        self.assertEqual(rc, 1)
        start = lines.index("the 12 failed tests:")
        self.assertTrue(lines[start + 1].startswith("  TIMEOUT  ") and
                        lines[start + 1].endswith("  s / broken (2.0 s)"))
        shown = lines[start + 2:start + 2 + testlog.TAIL_LINES]
        self.assertEqual(shown[:5], ["      | line %d" % i for i in range(15, 20)])
        self.assertEqual(shown[5], "      | " + "x" * testlog.LINE_CHARS + " [cut]")
        self.assertEqual(shown[6], "      | ?[31m")
        self.assertEqual(shown[7], "      | why")
        self.assertIn("      | boom 0", lines)
        self.assertIn("      | boom %d" % (testlog.FAILED_SHOWN - 2), lines)
        self.assertNotIn("      | boom %d" % testlog.FAILED_SHOWN, lines)   # named, not shown
        self.assertTrue(lines[-3].endswith("s / f%d (0.0 s)" % testlog.FAILED_SHOWN))
        self.assertEqual(lines[-1], "1 passed, 12 failed, 0 skipped")

    def test_without_durations_or_elapsed(self):
        with helpers.tempdir() as d:
            out = io.StringIO()
            rc = testlog.main([log(d, "a.json", ["OK"])], out=out)
        self.assertEqual(rc, 0)
        self.assertEqual(out.getvalue().splitlines()[-2:],
                         ["total: 0 s of test time, 1 tests in 1 build",
                          "1 passed, 0 failed, 0 skipped"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
