#!/usr/bin/python3
"""count-tests: the closing line CI reads, from meson's test logs, and its exit status."""
import io
import json
import os
import unittest

import helpers
from pharness import testlog


def log(d, name, results):
    path = os.path.join(d, name)
    with open(path, "w") as fh:
        for r in results:
            fh.write(json.dumps({"name": "t", "result": r}) + "\n")
    return path


class CountTests(unittest.TestCase):
    def run_main(self, paths):
        out = io.StringIO()
        return testlog.main(paths, out=out), out.getvalue()

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
