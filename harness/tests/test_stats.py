#!/usr/bin/python3
"""Statistics and the Amdahl fit."""
import unittest

import helpers
from pharness import report, stats


class Median(unittest.TestCase):
    def test_odd_even(self):
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(stats.median([7.0]), 7.0)

    def test_empty(self):
        with self.assertRaises(ValueError):
            stats.median([])

    def test_aggregate(self):
        recs = [{"time_median": 2.0, "time_min": 1.5, "time_max": 3.0, "repeat": 5},
                {"time_median": 1.0, "time_min": 0.9, "time_max": 1.1, "repeat": 5},
                {"time_median": 4.0, "time_min": 3.0, "time_max": 9.0, "repeat": 5}]
        agg = stats.aggregate_times(recs)
        self.assertEqual(agg["time_median"], 2.0)
        self.assertEqual(agg["time_min"], 0.9)
        self.assertEqual(agg["time_max"], 9.0)
        self.assertEqual(agg["repeats"], 15)
        self.assertEqual(agg["records"], 3)


class Derived(unittest.TestCase):
    def test_speedup_efficiency_bandwidth(self):
        self.assertAlmostEqual(stats.speedup(2.0, 0.5), 4.0)
        self.assertAlmostEqual(stats.efficiency(4.0, 8), 0.5)
        self.assertAlmostEqual(stats.bandwidth_gbs(8e9, 2.0), 4.0)
        self.assertIsNone(stats.speedup(None, 1.0))
        self.assertIsNone(stats.speedup(1.0, 0))
        self.assertIsNone(stats.bandwidth_gbs(0, 1.0))


class Amdahl(unittest.TestCase):
    def amdahl(self, f, p):
        return 1.0 / (f + (1.0 - f) / p)

    def test_recovers_exact_fraction(self):
        for f in (0.0, 0.05, 0.3, 0.9):
            pts = [(p, self.amdahl(f, p)) for p in (1, 2, 4, 8, 16)]
            fit = stats.amdahl_fit(pts)
            self.assertAlmostEqual(fit["f"], f, places=12)
            self.assertEqual(fit["points"], 4)  # p = 1 carries no information
            self.assertLess(fit["rms_residual"], 1e-12)

    def test_least_squares_on_noisy_data(self):
        # 1/S = f + (1-f)/p with f = 0.1, perturbed by +-0.01 alternately
        pts = []
        for k, p in enumerate((2, 4, 8, 16)):
            inv = 0.1 + 0.9 / p + (0.01 if k % 2 else -0.01)
            pts.append((p, 1.0 / inv))
        fit = stats.amdahl_fit(pts)
        # closed-form least squares slope, computed by hand
        xs = [1 - 1 / p for p, _ in pts]
        ys = [1 / s - 1 / p for p, s in pts]
        want = sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
        self.assertAlmostEqual(fit["f"], want, places=12)
        self.assertAlmostEqual(fit["f"], 0.1, delta=0.02)
        self.assertAlmostEqual(fit["max_speedup"], 1 / fit["f"])

    def test_no_usable_points(self):
        self.assertIsNone(stats.amdahl_fit([]))
        self.assertIsNone(stats.amdahl_fit([(1, 1.0)]))

    def test_superlinear_gives_negative_f(self):
        fit = stats.amdahl_fit([(2, 2.2)])
        self.assertLess(fit["f"], 0)
        self.assertIsNone(fit["max_speedup"])

    def test_report_leaves_oversubscribed_rows_out_of_the_fit(self):
        f = 0.2
        recs = [helpers.make_record(variant="serial", t=1.0)]
        for p in (1, 2):
            recs.append(helpers.make_record(variant="openmp", threads=p,
                                            t=1.0 / self.amdahl(f, p)))
        # 4 threads on 2 cores: very slow; would ruin the fit if it were used
        recs.append(helpers.make_record(variant="openmp", threads=4, t=3.0,
                                        oversubscribed=True))
        g = report.build_groups(recs)[0]
        self.assertAlmostEqual(g.fits["openmp"]["f"], f, places=12)
        self.assertEqual(g.fits["openmp"]["workers"], [2])
        text = report.group_text(g)
        self.assertIn("oversubscribed, not in fit", text)
        row4 = [r for r in g.rows if r.workers == 4][0]
        self.assertAlmostEqual(row4.speedup, 1 / 3.0)
        self.assertAlmostEqual(row4.efficiency, 1 / 12.0)


class Exchange(unittest.TestCase):
    """A grid's report: the halo exchange's share per row, and "bound by communication" where it
    takes more than half of the slowest rank's time."""

    def recs(self, steps, shares):
        out = [helpers.make_record(variant="serial", program={"steps": steps,
                                                              "exchange_share_max": None})]
        for ranks, share in shares.items():
            out.append(helpers.make_record(variant="mpi", ranks=ranks, t=0.5, program={
                "steps": steps, "exchange_share_max": share}))
        return out

    def test_share_column_and_bound_line(self):
        g = report.build_groups(self.recs(50, {1: 0.0, 2: 0.75}))[0]
        text = report.group_text(g)
        self.assertIn("bound by communication at mpi 2: the halo exchange takes more than half",
                      text)
        header = [l for l in text.splitlines() if "time median" in l][0]
        self.assertIn("exchange", header)
        self.assertRegex(text, r"(?m)^ *mpi +2 .* 75% *$")
        self.assertRegex(text, r"(?m)^ *serial +1 .* - *$")

    def test_no_line_below_half(self):
        text = report.group_text(report.build_groups(self.recs(50, {2: 0.5}))[0])
        self.assertNotIn("bound by communication", text)
        self.assertIn("exchange", text)

    def test_no_column_without_an_exchange(self):
        text = report.group_text(report.build_groups([helpers.make_record()])[0])
        self.assertNotIn("exchange", text)

    def test_grids_of_other_steps_are_other_groups(self):
        self.assertEqual(len(report.build_groups(self.recs(50, {2: 0.1}) +
                                                 self.recs(60, {2: 0.1}))), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
