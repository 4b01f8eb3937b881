"""The pitfall lab's detectors must be able to fail.

Why: a detector that cannot fail proves nothing (CONTRIBUTING.md).  Each pitfall's own test
shows that its tool catches the broken program and passes the fixed twin; this one feeds the
tools the wrong programs, a fixed twin where the broken program belongs and the other way round,
and requires the lab to say MISSED and exit 1.  Run by meson (suite 'pitfalls'), or alone:
    python3 tests/pitfall_detectors.py
The programs are Meson's (pitfalls/meson.build builds every row's programs and the controls
this test swaps in, pitfall.CONTROLS), in the lab's build directories (pharness/build.py).
It lives here, not in harness/tests/, because it compiles and runs real programs for a minute.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "harness"))

from pharness import pitfall  # noqa: E402

RUNS = 2


def variant(name, programs=None, checks=None):
    """A copy of a pitfall's row with some programs, or its checks, replaced."""
    row = pitfall.BY_NAME[name]
    merged = dict(row.programs, **(programs or {}))
    return pitfall.Pitfall(row.name, row.title, merged, row.tool, row.expect,
                           checks if checks is not None else row.checks)


class DetectorsCanFail(unittest.TestCase):
    def run_lab(self, row):
        out = []
        status = pitfall.run_one(row, RUNS, out.append)
        text = "".join(out)
        if status == pitfall.SKIPPED:
            self.skipTest(text.strip().splitlines()[-1])
        return status, text

    def assert_missed(self, row, *phrases):
        status, text = self.run_lab(row)
        self.assertEqual(status, 1, text)
        for phrase in phrases:
            self.assertIn(phrase, text)

    def test_race_detectors_see_a_correct_program_as_correct(self):
        """The fixed twin in the broken program's place: no WRONG, no race, so MISSED."""
        self.assert_missed(variant("race", {"broken": ("pitfalls/race/fixed.c", "openmp")}),
                           "MISSED: the self-check never said WRONG at 2 threads",
                           "MISSED: ThreadSanitizer reported the race in only 0 of %d runs" % RUNS)

    def test_race_detectors_do_not_pass_a_racy_twin(self):
        """The broken program in the fixed twin's place: the twin must fail both tools."""
        self.assert_missed(variant("race", {"fixed": ("pitfalls/race/broken.c", "openmp")}),
                           "MISSED: the fixed twin was not verified in every run",
                           "MISSED: the fixed twin was not clean under ThreadSanitizer")

    def test_hang_detection_needs_a_hang(self):
        hang = [c for c in pitfall.BY_NAME["deadlock"].checks if c[0] is pitfall.hang]
        self.assert_missed(variant("deadlock", {"broken": ("mpi/sum.c", "mpi")}, hang),
                           "MISSED: broken did not hang")

    def test_hang_detection_names_the_call(self):
        """A real deadlock, but the row expects rank 0 elsewhere: the call is checked."""
        options = dict(ranks=2, args=["-n", "1000", "--tasks", "1"], calls={0: "PMPI_Bcast"})
        self.assert_missed(variant("deadlock", checks=[(pitfall.hang, options)]),
                           "rank 0 should be in PMPI_Bcast")

    def test_folding_needs_a_flat_count(self):
        self.assert_missed(variant("folding", {"broken": ("serial/heavy.c", "serial")}),
                           "MISSED: clang no longer folds the broken loop")

    def test_timing_lessons_still_check_the_result(self):
        """A timing lesson never fails on a ratio, but a wrong result fails it."""
        row = variant("atomic", {"atomic": ("tests/broken_sum.c", "openmp")})
        self.assert_missed(row, "MISSED: atomic: not verified")


if __name__ == "__main__":
    unittest.main(verbosity=2)
