"""The statistics behind every time parlab reports (docs/timing.md): the median's confidence
interval, the interval of a ratio, the rounds in which bench interleaves its runs, the
baseline of every speedup, and compare's verdicts, which must follow the data and not the
noise.  Fake programs and made-up records: no compiler, no MPI, a few seconds."""
import json
import os
import random
import unittest

import helpers
from pharness import compare, report, speed, stats
from test_bench_fake import bench


def timed(t, k=20, spread=0.02, seed=1, **kw):
    """A record whose k repetitions scatter by +-spread around t (deterministic)."""
    rng = random.Random(seed)
    times = [t * (1 + rng.uniform(-spread, spread)) for _ in range(k)]
    return helpers.make_record(t=stats.median(times), times=times, time_min=min(times),
                               time_max=max(times), repeat=k, **kw)


class Intervals(unittest.TestCase):
    def test_order_statistics(self):
        """The textbook table: at 95%, n = 6 gives x(1)..x(6), n = 10 x(2)..x(9), n = 20
        x(6)..x(15); fewer than 6 values give no interval."""
        for n, lo, hi in ((6, 1, 6), (10, 2, 9), (20, 6, 15), (100, 40, 61)):
            self.assertEqual(stats.median_ci(list(range(1, n + 1))), (lo, hi))
        self.assertIsNone(stats.median_ci([1, 2, 3, 4, 5]))
        self.assertEqual(stats.median_ci([5, 1, 4, 2, 6, 3]), (1, 6))   # sorts first

    def test_coverage(self):
        """On skewed data (exponential, like interrupted runs) the interval holds the true
        median at least 95% of the time."""
        rng = random.Random(7)
        hits = sum(lo <= 0.6931 <= hi for lo, hi in
                   (stats.median_ci([rng.expovariate(1.0) for _ in range(15)])
                    for _ in range(4000)))
        self.assertGreaterEqual(hits / 4000, 0.95)

    def test_ratio(self):
        top, bottom = [2.0 + i / 100 for i in range(10)], [1.0 + i / 100 for i in range(10)]
        lo, hi = stats.ratio_ci(top, bottom)
        self.assertAlmostEqual(lo, 2.01 / 1.08)
        self.assertAlmostEqual(hi, 2.08 / 1.01)
        self.assertIsNone(stats.ratio_ci(top[:5], bottom))
        self.assertTrue(stats.overlap((1, 2), (2, 3)))
        self.assertFalse(stats.overlap((1, 2), (2.5, 3)))
        self.assertIsNone(stats.overlap(None, (1, 2)))

    def test_records_pool_their_repetitions(self):
        a, b = timed(1.0, k=10, seed=1), timed(1.0, k=10, seed=2)
        agg = stats.aggregate_times([a, b])
        self.assertEqual(len(agg["times"]), 20)
        self.assertEqual(agg["time_median"], stats.median(a["times"] + b["times"]))
        self.assertEqual(agg["ci"], stats.median_ci(a["times"] + b["times"]))
        old = helpers.make_record(t=1.0)            # no times: the median of the medians
        self.assertIsNone(stats.aggregate_times([old, a])["ci"])


class Baseline(unittest.TestCase):
    def group(self, mpi1, rounds=None):
        """serial at 10 ms, MPI at 1 rank at mpi1 (a list: its median per round)."""
        recs = []
        for k, t in enumerate(mpi1, start=1):
            recs.append(timed(0.010, seed=k, round=k, run_id="r"))
            recs.append(timed(t, seed=100 + k, round=k, run_id="r", variant="mpi"))
            recs.append(timed(t / 1.9, seed=200 + k, round=k, run_id="r", variant="mpi",
                              ranks=2))
        return report.build_groups(recs)[0]

    def test_fastest_one_worker_run_is_the_baseline(self):
        g = self.group([0.008] * 3)
        self.assertIs(g.base.variant, "mpi")
        text = report.group_text(g)
        self.assertIn("against the fastest one-worker run: mpi at 1 rank (25% faster than "
                      "serial)", text)
        effs = [row.efficiency for row in g.rows if row.workers == 1]
        self.assertEqual(max(effs), 1.0)   # never above 100% at one worker
        two = [row for row in g.rows if row.workers == 2][0]
        self.assertAlmostEqual(two.speedup, 1.9, delta=0.1)
        self.assertLess(two.speedup_ci[0], two.speedup)
        self.assertGreater(two.speedup_ci[1], two.speedup)

    def test_kernels_that_differ_in_every_round(self):
        text = report.group_text(self.group([0.013] * 6))
        self.assertIn("WARNING: mpi at 1 rank took 1.30 times serial's time", text)
        self.assertIn("slower than serial in all 6 rounds: the kernels really differ", text)
        text = report.group_text(self.group([0.013] * 3))
        self.assertIn("probably the kernels differ (drift does that with probability 0.25", text)

    def test_drift(self):
        text = report.group_text(self.group([0.013, 0.013, 0.013, 0.0095, 0.013, 0.013]))
        self.assertIn("slower in 5 of 6 rounds and faster in the others: the machine drifted",
                      text)

    def test_one_round_cannot_tell(self):
        text = report.group_text(self.group([0.013]))
        self.assertIn("one round cannot tell drift from a real difference", text)

    def test_no_warning_within_the_noise(self):
        text = report.group_text(self.group([0.0101] * 3))
        self.assertNotIn("WARNING", text)


class TimedChecks(unittest.TestCase):
    """pharness/speed.py's decision on pairs (student, reference, others' cores)."""

    def pairs(self, ratios, others=0.0):
        return [speed.Pair(r * 0.010, 0.010, others) for r in ratios]

    def test_fast_slow_and_too_few(self):
        self.assertEqual(speed.decide(self.pairs([1.0, 1.1, 0.9, 1.05, 0.95, 1.0]), 2.0, 2, 2)[0],
                         "fast")
        self.assertEqual(speed.decide(self.pairs([9, 12, 10, 11, 13, 10]), 2.0, 2, 2)[0], "slow")
        self.assertIsNone(speed.decide(self.pairs([9, 12, 10, 11, 13]), 2.0, 2, 2)[0])

    def test_scatter_across_the_limit_is_no_verdict(self):
        self.assertIsNone(speed.decide(self.pairs([1.5, 2.5, 1.8, 2.2, 1.9, 2.1]), 2.0, 2, 2)[0])

    def test_a_busy_machine_can_excuse_slowness_but_not_invent_it(self):
        slowish = self.pairs([2.6, 2.8, 2.7, 3.0, 2.9, 2.7], others=0.6)
        # others left 1.4 of 2 cores: up to 2/1.4 = 1.43 times slower, so 2.6 > 2 x 1.43 fails
        self.assertIsNone(speed.decide(slowish, 2.0, 2, 2)[0])
        self.assertEqual(speed.decide(self.pairs([9, 12, 10, 11, 13, 10], others=0.6),
                                      2.0, 2, 2)[0], "slow")
        # less than a quarter core per thread left: nothing is slow, fast is still fast
        self.assertIsNone(speed.decide(self.pairs([90] * 6, others=1.6), 2.0, 2, 2)[0])
        self.assertEqual(speed.decide(self.pairs([1.0] * 6, others=1.6), 2.0, 2, 2)[0], "fast")

    def test_judge_alternates_and_stops_at_a_verdict(self):
        order = []
        verdict, ci, pairs = speed.judge(speed.Speed(2.0, "x", {"n": 1}),
                                         lambda: order.append("s") or 0.01,
                                         lambda: order.append("r") or 0.01, cores=2)
        self.assertEqual(verdict, "fast")
        self.assertEqual(len(pairs), speed.FIRST_PAIRS)
        self.assertEqual(order[:4], ["s", "r", "r", "s"])


class PerfTargets(unittest.TestCase):
    def line(self, values, target=1.0):
        st = stats.summary(values)
        return report.ratio_line({"name": "x_over_y", "op": ">=", "target": target,
                                  "values": values, **st, "pass": st["median"] >= target})

    def test_interval_from_six_rounds(self):
        self.assertEqual(self.line([1.2, 1.3, 1.25, 1.28, 1.22, 1.27]),
                         "x_over_y: 1.260 [95% CI 1.200-1.300] target >= 1.0: PASS")
        self.assertEqual(self.line([1.2, 1.3, 1.25, 1.28, 1.22]),
                         "x_over_y: 1.250 (1.200-1.300) target >= 1.0: PASS")
        self.assertIn("MISS (the interval reaches across the target: within the noise)",
                      self.line([0.9, 1.1, 0.95, 0.97, 0.99, 1.05]))


class Compare(unittest.TestCase):
    def sets(self, slowdown=1.0, spread=0.02):
        """Two recordings: sum and square, serial and openmp at 2 threads; `slowdown` applies
        to sum in the second."""
        old, new = [], []
        for k, (w, v, th, t) in enumerate((("sum", "serial", 1, 0.010),
                                           ("sum", "openmp", 2, 0.0055),
                                           ("square", "serial", 1, 0.020),
                                           ("square", "openmp", 2, 0.011))):
            old.append(timed(t, seed=k, spread=spread, workload=w, variant=v, threads=th))
            new.append(timed(t * (slowdown if w == "sum" else 1), seed=50 + k, spread=spread,
                             workload=w, variant=v, threads=th))
        return old, new

    def test_same_build_flags_nothing(self):
        text, flagged, matched = compare.compare(*self.sets())
        self.assertEqual((flagged, matched), (0, 4), text)

    def test_slowdown_of_one_workload_flags_it_alone(self):
        text, flagged, matched = compare.compare(*self.sets(slowdown=1.3))
        self.assertEqual((flagged, matched), (2, 4), text)
        for line in text.splitlines():
            if "REGRESSION" in line:
                self.assertTrue(line.startswith("sum/"), line)

    def test_noise_is_not_a_regression(self):
        """15% slower, but the repetitions scatter by 40%: the intervals overlap."""
        text, flagged, _ = compare.compare(*self.sets(slowdown=1.15, spread=0.4))
        self.assertEqual(flagged, 0, text)
        self.assertIn("within the noise: the 95% intervals overlap", text)


class Rounds(unittest.TestCase):
    def test_interleaved_rounds(self):
        """bench --rounds 3: every configuration once per round, each round in its own
        shuffled order, recorded with its seed; the same seed gives the same order; the
        repetitions are shared out over the rounds."""
        orders = []
        for attempt in range(2):
            with helpers.tempdir() as d:
                helpers.fake_build_dir(d)
                rc, out, err = bench(d, "--workers", "1,2", "--workloads", "sum", "--rounds", "3",
                                     "--repeat", "9", "--seed", "4242", "--no-plots")
                self.assertEqual(rc, 0, out + err)
                self.assertIn("in 3 rounds, each in a new shuffled order (--seed 4242)", out)
                with open(os.path.join(d, "results", "runs.jsonl")) as fh:
                    recs = [json.loads(line) for line in fh]
            self.assertEqual(len(recs), 3 * 7)
            self.assertEqual(sorted({r["round"] for r in recs}), [1, 2, 3])
            self.assertTrue(all(r["repeat"] == 3 and r["order"]["seed"] == 4242 and
                                r["order"]["rounds"] == 3 for r in recs))
            order = [[(r["variant"], r["workers"]) for r in
                      sorted((r for r in recs if r["round"] == k),
                             key=lambda r: r["order"]["position"])] for k in (1, 2, 3)]
            self.assertEqual(len({tuple(o) for o in order}), 3)   # a new order each round
            for o in order:
                self.assertEqual(sorted(o), sorted(order[0]))     # every configuration
            orders.append(order)
            self.assertIn("speedup and efficiency against the fastest one-worker run", out)
        self.assertEqual(orders[0], orders[1])

    def test_rounds_until_the_intervals_are_tight(self):
        """--ci-within: more rounds only while an interval is too wide, up to --max-rounds,
        and the end says which of the two it was.  The fake's repetitions lie within -3% and
        +5% of its median; FAKE_NOISY scatters them by 50%."""
        for env, rounds, words in (({}, 2, "note after 2 rounds: every median's 95% interval "
                                    "is within +-6% of it"),
                                   ({"FAKE_NOISY": "1"}, 4, "WARNING after 4 rounds: the cap "
                                    "(--max-rounds 4)")):
            with helpers.tempdir() as d:
                helpers.fake_build_dir(d)
                rc, out, err = bench(d, "--workers", "2", "--workloads", "sum", "--variants",
                                     "openmp", "--rounds", "2", "--repeat", "8", "--ci-within",
                                     "6", "--max-rounds", "4", "--no-plots", env=env)
                self.assertEqual(rc, 0, out + err)
                self.assertIn(words, out)
                with open(os.path.join(d, "results", "runs.jsonl")) as fh:
                    self.assertEqual(len(fh.readlines()), 2 * rounds)


if __name__ == "__main__":
    unittest.main(verbosity=2)
