#!/usr/bin/python3
"""Closed forms, computed independently in Python integers, and the agreement messages."""
import os
import unittest

import helpers  # noqa: F401  (sets sys.path)
from pharness import bench, registry


class ClosedForms(unittest.TestCase):
    W = registry.WORKLOADS

    def test_against_brute_force(self):
        for n in (1, 2, 3, 10, 1000):
            self.assertEqual(self.W["sum"].closed_form({"n": n, "tasks": 4}), sum(range(n)))
            self.assertEqual(self.W["square"].closed_form({"n": n}),
                             sum(i * i for i in range(1, n + 1)))

    def test_seed_numbers(self):
        self.assertEqual(self.W["seed"].closed_form({"numbers": [1, 2, 3, 4]}), 30)
        self.assertEqual(self.W["seed"].closed_form({"numbers": [4294967295]}),
                         4294967295 ** 2)
        self.assertEqual(self.W["seed"].closed_form({"tasks": 3}), 14)

    def test_exact_beyond_64_bits(self):
        n = 4294967295  # the largest square -n the programs accept
        want = n * (n + 1) * (2 * n + 1) // 6
        self.assertGreater(want, 2 ** 64)
        self.assertEqual(self.W["square"].closed_form({"n": n}), want)
        self.assertEqual(str(self.W["square"].closed_form({"n": 20000000})),
                         "2666666866666670000000")
        self.assertEqual(self.W["sum"].closed_form({"n": 6074001000}),
                         6074001000 * 6074000999 // 2)

    def test_args_round_trip(self):
        for w in self.W.values():
            for size in w.sizes.values():
                args = w.args(size, 3)
                back = registry.size_of_args(args)
                self.assertEqual(back.pop("repeat"), size.get("repeat", 3))
                self.assertEqual(back, {k: v for k, v in size.items() if k != "repeat"}, w.name)

    def test_programs_listed_once_in_order(self):
        self.assertEqual(set(registry.programs()), {w.program for w in self.W.values()})
        self.assertEqual(len(registry.programs()), len(set(registry.programs())))

    def test_every_row_runs_everywhere(self):
        for w in self.W.values():
            self.assertIn(w.bound, registry.BOUNDS)
            self.assertIs(registry.CHECKS[w.check.name], w.check)
            self.assertTrue(w.tests, w.name)
            self.assertTrue({"tiny", "small", "large"} <= set(w.sizes), w.name)
            self.assertTrue(set(w.demos) <= set(w.methods), w.name)

    def test_shapes(self):
        self.assertEqual(registry.shape("serial", 1), (1, 1))
        self.assertIsNone(registry.shape("serial", 2))
        self.assertEqual(registry.shape("openmp", 3), (1, 3))
        self.assertEqual(registry.shape("mpi", 3), (3, 1))
        self.assertEqual(registry.shape("hybrid", 1), (1, 1))
        self.assertEqual(registry.shape("hybrid", 4), (2, 2))
        self.assertEqual(registry.shape("hybrid", 8), (2, 4))
        self.assertEqual(registry.shape("hybrid", 6, threads_per_rank=3), (2, 3))
        self.assertIsNone(registry.shape("hybrid", 5, threads_per_rank=2))


class Describe(unittest.TestCase):
    """What a program accepts is its own --describe (here the fake's, which follows the
    contract); the registry reads it and caches it per path."""

    def test_describe_and_its_readers(self):
        with helpers.tempdir() as d:
            build = helpers.fake_build_dir(d, variants=("serial",))
            for program in registry.programs():
                path = os.path.join(build, program + "_serial")
                desc = registry.describe(path)
                self.assertIs(registry.describe(path), desc)  # cached
                self.assertEqual(desc["workload"], program)
                self.assertGreater(registry.n_max(desc), 1)
                self.assertTrue(set(registry.choices(desc)) <= registry.takes(desc))
                forms = {w.closed_form.formula for w in registry.rows_of_program(program)
                         if w.closed_form}
                if forms:
                    self.assertIn(desc["formula"], forms)

    def test_a_program_that_cannot_describe_itself(self):
        with self.assertRaises(registry.DescribeError):
            registry.describe("/bin/false")


class Agreement(unittest.TestCase):
    def job(self, variant="openmp", ranks=1, threads=2):
        return bench.Job("sum", variant, ranks, threads, cores=2)

    def test_all_good(self):
        pj = {"result": "45", "expected": "45", "verified": True}
        self.assertEqual(bench.check_answer(self.job(), pj, 45, "45"), [])

    def test_wrong_result_names_everything(self):
        pj = {"result": "46", "expected": "46", "verified": True}
        problems = bench.check_answer(self.job(), pj, 45, "45")
        text = "\n".join(problems)
        for part in ("workload sum", "variant openmp", "2 workers", "46", "45",
                     "closed form", "serial reference"):
            self.assertIn(part, text)

    def test_hybrid_shape_named(self):
        pj = {"result": "1", "expected": "45", "verified": False}
        text = "\n".join(bench.check_answer(self.job("hybrid", 2, 2), pj, 45, "45"))
        self.assertIn("2 ranks x 2 threads", text)
        self.assertIn("verified=False", text)

    def test_not_a_number(self):
        pj = {"result": 45.0, "verified": True}
        self.assertIn("not a decimal string", bench.check_answer(self.job(), pj, 45, None)[0])

    def test_program_closed_form_checked(self):
        pj = {"result": "45", "expected": "44", "verified": True}
        self.assertIn("program's closed form 44", bench.check_answer(self.job(), pj, 45, "45")[0])

    def test_shape_check(self):
        job = self.job("mpi", 4, 1)
        pj = {"workload": "sum", "variant": "mpi", "mode": "array", "threads": 1, "ranks": 1,
              "time_min": 1, "time_median": 1, "time_max": 1, "oversubscribed": False}
        self.assertEqual(bench.check_shape(job, pj), ["reported ranks=1, expected 4"])
        del pj["oversubscribed"]  # the program's word is the record's: it must say
        self.assertIn("oversubscribed missing or not true/false", bench.check_shape(job, pj))


class Plan(unittest.TestCase):
    def test_default_worker_counts(self):
        self.assertEqual(bench.default_worker_counts(1), [1, 2])
        self.assertEqual(bench.default_worker_counts(2), [1, 2, 4])
        self.assertEqual(bench.default_worker_counts(6), [1, 2, 4, 6, 12])
        self.assertEqual(bench.default_worker_counts(8), [1, 2, 4, 8, 16])

    def test_plan_serial_first_and_oversubscription(self):
        bins = {(w, v): "/x" for w in ("sum",) for v in bench.VARIANTS}
        jobs = bench.plan(["sum"], list(bench.VARIANTS), bins, [1, 2, 4], cores=2)
        self.assertEqual(jobs[0].variant, "serial")
        self.assertEqual(len([j for j in jobs if j.variant == "serial"]), 1)
        over = [(j.variant, j.ranks, j.threads) for j in jobs if j.oversubscribed]
        self.assertEqual(sorted(over), [("hybrid", 2, 2), ("mpi", 4, 1), ("openmp", 1, 4)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
