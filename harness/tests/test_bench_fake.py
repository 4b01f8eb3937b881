#!/usr/bin/python3
"""`bench` end to end against fake programs (no compiler or MPI needed): the table, the
records, the CSV view, the plots, and the failures it must catch: a wrong variant, N
unconnected one-rank copies, a hung program, a bad results file."""
import json
import os
import shutil
import subprocess
import sys
import unittest

import helpers
from pharness import records


def bench(d, *args, env=None):
    cmd = [sys.executable, helpers.SCRIPT, "bench", "--preset", "tiny",
           "--build", os.path.join(d, "build"), "--mpiexec", helpers.FAKE_MPIEXEC,
           "--results", os.path.join(d, "results", "runs.jsonl"),
           "--plots", os.path.join(d, "results", "plots")] + list(args)
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                          env=full_env, cwd=d)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def failing_bench(test, *args, env=None):
    """bench on a fake build, which must fail (exit 1); returns its (stdout, stderr)."""
    with helpers.tempdir() as d:
        helpers.fake_build_dir(d)
        rc, out, err = bench(d, *args, "--no-plots", env=env)
        test.assertEqual(rc, 1, out + err)
        return out, err


class LaunchLines(unittest.TestCase):
    def test_open_mpi_hybrid_binding(self):
        from pharness import launch
        argv, env = launch.build_launch("hybrid", "/b/sum_hybrid", ["-n", "10"], 2, 3, True,
                                        launcher="/usr/bin/mpiexec.openmpi", flavor="openmpi")
        self.assertEqual(argv[:7], ["/usr/bin/mpiexec.openmpi", "-n", "2", "--report-bindings",
                                    "--bind-to", "none", "/b/sum_hybrid"])
        self.assertEqual(argv[-5:], ["--expect-ranks", "2", "--expect-threads", "3", "--json"])
        self.assertEqual(env["OMP_NUM_THREADS"], "3")
        self.assertEqual(env["OMP_WAIT_POLICY"], "PASSIVE")
        argv, env = launch.build_launch("mpi", "/b/sum_mpi", [], 2, 1, False,
                                        launcher="/usr/bin/mpiexec.mpich", flavor="mpich")
        self.assertEqual(argv, ["/usr/bin/mpiexec.mpich", "-n", "2", "/b/sum_mpi",
                                "--expect-ranks", "2", "--json"])
        self.assertNotIn("OMP_WAIT_POLICY", env)

    def test_inherited_omp_settings_are_dropped(self):
        from pharness import launch
        old = dict(os.environ)
        try:
            os.environ["OMP_PROC_BIND"] = "spread"
            os.environ["GOMP_SPINCOUNT"] = "1"
            env = launch.child_environment({"OMP_NUM_THREADS": "2"})
        finally:
            os.environ.clear()
            os.environ.update(old)
        self.assertEqual({k for k in env if k.startswith(("OMP_", "GOMP_"))}, {"OMP_NUM_THREADS"})

    def test_flavor(self):
        from pharness import launch
        self.assertEqual(launch.launcher_flavor("mpiexec.openmpi (OpenRTE) 4.1.4"), "openmpi")
        self.assertEqual(launch.launcher_flavor("mpiexec (Open MPI) 5.0.8"), "openmpi")
        self.assertEqual(launch.launcher_flavor("HYDRA 4.0.2"), "mpich")
        self.assertIsNone(launch.launcher_flavor("fake mpiexec 0.0"))


class BenchWithFakes(unittest.TestCase):
    def test_full_matrix(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "1,2,4", "--workloads", "sum,square,seed",
                                 "--delay", "0.001")
            self.assertEqual(rc, 0, out + err)
            # serial once + (openmp, mpi, hybrid) x 3 worker counts, for 3 workloads
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            self.assertEqual(len(recs), 3 * (1 + 3 * 3))
            self.assertTrue(all(r["agrees_closed_form"] for r in recs))
            self.assertTrue(all(r["agrees_serial"] for r in recs if r["variant"] != "serial"))
            over = {(r["variant"], r["workers"]) for r in recs if r["oversubscribed"]}
            cores = len(os.sched_getaffinity(0))
            self.assertEqual(over, {(v, 4) for v in ("openmp", "mpi", "hybrid")} if cores < 4
                             else set())
            hyb = [r for r in recs if r["variant"] == "hybrid" and r["workers"] == 4][0]
            self.assertEqual((hyb["ranks"], hyb["threads"]), (2, 2))
            # the student's table: headers, one row per run, the verdict
            for head in ("variant", "workers", "result", "time median [95% CI]", "speedup"):
                self.assertIn(head, out)
            self.assertIn("RESULT: all 30 runs agree", out)
            # progress on stderr: k of total, elapsed, time left
            self.assertIn("[30/30]", err)
            self.assertIn("elapsed", err)
            self.assertIn("left", err)
            # provenance present in every record
            for r in recs:
                for key in records.PROVENANCE_FIELDS:
                    self.assertIn(key, r["provenance"])
            self.assertTrue(os.path.exists(os.path.join(d, "results", "runs.csv")))
            if shutil.which("gnuplot"):
                plots = os.listdir(os.path.join(d, "results", "plots"))
                for ext in (".png", ".svg", ".gp", ".dat"):
                    self.assertEqual(len([p for p in plots if p.endswith(ext)]), 3, plots)

    def test_weak_scaling(self):
        """--scaling weak: at p workers, p times the size, with the serial reference at every
        size; the table's efficiency is the serial time at the base size over the variant's."""
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--scaling", "weak", "--workers", "1,2",
                                 "--workloads", "sum,seed", "--variants", "openmp,mpi")
            self.assertEqual(rc, 0, out + err)
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            base = {r["n"] for r in recs if r["scaling"]["factor"] == 1}
            self.assertEqual(len(base), 1)
            n = base.pop()
            got = sorted((r["variant"], r["workers"], r["scaling"]["factor"], r["n"])
                         for r in recs)
            self.assertEqual(got, sorted([("serial", 1, 1, n), ("serial", 1, 2, 2 * n),
                                          ("openmp", 1, 1, n), ("openmp", 2, 2, 2 * n),
                                          ("mpi", 1, 1, n), ("mpi", 2, 2, 2 * n)]))
            self.assertTrue(all(r["agrees_serial"] for r in recs if r["variant"] != "serial"))
            self.assertIn("seed left out of weak scaling", out)
            self.assertIn("weak scaling: sum, p workers on p times n=%s" % format(n, ","), out)
            t1 = [r["time_median"] for r in recs
                  if r["variant"] == "serial" and r["scaling"]["factor"] == 1][0]
            t2 = [r["time_median"] for r in recs
                  if r["variant"] == "mpi" and r["workers"] == 2][0]
            row2 = [l for l in out.splitlines()
                    if l.strip().startswith("2  n=%s" % format(2 * n, ","))]
            self.assertEqual(len(row2), 1, out)
            self.assertIn("(%.0f%%)" % (100 * t1 / t2), row2[0])
            if shutil.which("gnuplot"):
                plots = os.listdir(os.path.join(d, "results", "plots"))
                self.assertEqual(sorted(p for p in plots if p.endswith(".png")), ["sum_weak.png"])

    def test_launch_environment(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "4", "--workloads", "sum", "--dry-run",
                                 env={"OMP_PROC_BIND": "spread", "OMP_NUM_THREADS": "7"})
            self.assertEqual(rc, 0, err)
            lines = out.splitlines()
            mpi = [l for l in lines if l.endswith("--json") and "sum_mpi" in l][0]
            for kv in ("OMPI_MCA_rmaps_base_oversubscribe=1",
                       "PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe",
                       "OMPI_MCA_mpi_yield_when_idle=1",
                       "OMPI_MCA_btl_vader_single_copy_mechanism=none",
                       "OMPI_MCA_btl_base_warn_component_unused=0",
                       " -n 4 ", "--expect-ranks 4"):
                self.assertIn(kv, mpi)
            # parlab's one list of launch settings, common/launch_env.sh, is what is used
            for kv in subprocess.run(["bash", os.path.join(os.path.dirname(helpers.HARNESS),
                                                           "common", "launch_env.sh"), "--lines"],
                                     stdout=subprocess.PIPE, check=True,
                                     timeout=30).stdout.decode().split():
                self.assertIn(kv, mpi)
            root = os.geteuid() == 0
            self.assertEqual("OMPI_ALLOW_RUN_AS_ROOT=1" in mpi, root)
            self.assertEqual("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1" in mpi, root)
            omp = [l for l in lines if "sum_openmp" in l][0]
            self.assertIn("OMP_NUM_THREADS=4", omp)
            self.assertIn("--expect-threads 4", omp)
            self.assertIn("OMP_PROC_BIND=close", omp)
            cores = len(os.sched_getaffinity(0))
            self.assertEqual("OMP_WAIT_POLICY=PASSIVE" in omp, cores < 4)
            hyb = [l for l in lines if "sum_hybrid" in l][0]
            self.assertIn("--expect-ranks 2 --expect-threads 2", hyb)
            self.assertNotIn("OMP_PROC_BIND", hyb)  # concurrent ranks must not all pin to core 0
            # no record is written by a dry run
            self.assertFalse(os.path.exists(os.path.join(d, "results", "runs.jsonl")))

    def test_wrong_variant_is_caught(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "1,2", "--workloads", "sum",
                                 "--binary", "openmp=" + helpers.FAKE_WRONG, "--no-plots")
            self.assertEqual(rc, 1, out + err)
            # names workload, variant, worker count and both values
            want = str(helpers.registry.WORKLOADS["sum"].closed_form({"n": 200000}))
            wrong = str(int(want) + 1)
            line = [l for l in err.splitlines() if "variant openmp, 2 workers" in l
                    and "serial reference" in l]
            self.assertTrue(line, err)
            self.assertIn("workload sum", line[0])
            self.assertIn("result %s != serial reference %s" % (wrong, want), line[0])
            self.assertIn("result %s != closed form %s" % (wrong, want), err)
            self.assertIn("WRONG", out)
            self.assertIn("problem(s)", out)
            # the wrong runs are on record, marked as disagreeing
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            bad = [r for r in recs if r["variant"] == "openmp"]
            self.assertEqual(len(bad), 2)
            self.assertFalse(any(r["agrees_serial"] or r["agrees_closed_form"] for r in bad))
            # ... and the report says so and exits non-zero
            proc = subprocess.run([sys.executable, helpers.SCRIPT, "report",
                                   os.path.join(d, "results", "runs.jsonl")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("RESULTS DISAGREE", proc.stdout.decode())

    def test_per_program_override(self):
        out, err = failing_bench(self, "--workers", "2", "--workloads", "sum,square",
                                 "--variants", "openmp",
                                 "--binary", "square_openmp=" + helpers.FAKE_WRONG,
                                 env={"FAKE_WRONG_WORKLOAD": "square"})
        self.assertIn("workload square (array mode), variant openmp", err)
        self.assertNotIn("workload sum", err)

    def test_unconnected_copies_are_caught(self):
        out, err = failing_bench(self, "--workers", "2", "--workloads", "sum", "--variants",
                                 "mpi", env={"FAKE_MPIEXEC_SINGLETONS": "1"})
        self.assertIn("FAILED: sum mpi 2 ranks", err)
        self.assertIn("--expect-ranks 2 but got 1", err)

    def test_timeout_kills_and_reports(self):
        out, err = failing_bench(self, "--workers", "1", "--workloads", "sum", "--variants",
                                 "serial", "--timeout", "1", env={"FAKE_SLEEP": "30"})
        self.assertIn("no result after 1 s", err)

    def test_folded_loop_is_flagged(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            args = ("--workers", "1", "--workloads", "sum", "--variants", "serial", "--no-plots")
            rc, out, err = bench(d, *args)
            self.assertNotIn("folded the loop", out)  # (a busy machine adds its own WARNING)
            rc, out, err = bench(d, *args, env={"FAKE_FOLDED": "1"})
            self.assertEqual(rc, 0)  # a flag, not a failure: tiny sizes are noisy
            self.assertIn("WARNING: sum serial took", out)
            self.assertIn("folded the loop", out)

    def test_slurm_ids_recorded(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            env = {"SLURM_JOB_ID": "4711", "SLURM_ARRAY_JOB_ID": "4700",
                   "SLURM_ARRAY_TASK_ID": "11", "SLURM_CPUS_PER_TASK": "2"}
            rc, out, err = bench(d, "--workers", "2", "--workloads", "sum", "--variants",
                                 "openmp", "--no-plots", "--label", "array-task", env=env)
            self.assertEqual(rc, 0, err)
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            self.assertEqual(len(recs), 2)
            for r in recs:
                self.assertEqual(r["label"], "array-task")
                self.assertEqual(r["provenance"]["slurm"],
                                 {"job_id": "4711", "array_job_id": "4700",
                                  "array_task_id": "11", "cpus_per_task": "2"})

    def test_oversubscription_is_the_programs_verdict(self):
        # Across several nodes the harness sees only its own node's cores; the program counts
        # the ranks and CPUs on each host, so its verdict is the one recorded.
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            cores = len(os.sched_getaffinity(0))
            workers = str(4 * cores)
            rc, out, err = bench(d, "--workers", workers, "--workloads", "sum", "--variants",
                                 "mpi", "--no-plots", env={"FAKE_CORES_PER_HOST": str(8 * cores)})
            self.assertEqual(rc, 0, out + err)
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            mpi = [r for r in recs if r["variant"] == "mpi"]
            self.assertEqual(len(mpi), 1)
            self.assertFalse(mpi[0]["oversubscribed"])

    def test_bad_results_file_is_not_touched(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            path = os.path.join(d, "results", "runs.jsonl")
            os.makedirs(os.path.dirname(path))
            good = json.dumps(helpers.make_record())
            with open(path, "w") as fh:
                fh.write(good + "\n" + good[:30])
            with open(path, "rb") as fh:
                before = fh.read()
            rc, out, err = bench(d, "--workers", "1", "--workloads", "sum", "--no-plots")
            self.assertEqual(rc, 2)
            self.assertIn("%s:2:" % os.path.join("results", "runs.jsonl"), err)
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(), before)
            self.assertFalse(os.path.exists(os.path.join(d, "results", "runs.csv")))

    def test_missing_build(self):
        with helpers.tempdir() as d:
            rc, out, err = bench(d, "--workloads", "sum")
            self.assertEqual(rc, 2)
            self.assertIn("no serial reference program", err)
            self.assertIn("meson setup build", err)


def fsum_ok(rec):
    from pharness import fsum
    return fsum.record_ok(rec)


class FsumWithFakes(unittest.TestCase):
    """fsum: bit-identical reproducible results, the naive demonstration, and its bound."""

    def test_fsum_matrix_and_naive_demo(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "1,2,4", "--workloads", "fsum")
            self.assertEqual(rc, 0, out + err)
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            # serial + 3 variants x 3 counts, once reproducible and once --naive
            self.assertEqual(len(recs), 2 * (1 + 3 * 3))
            repro = [r for r in recs if r["method"] == "reproducible"]
            naive = [r for r in recs if r["method"] == "naive"]
            self.assertEqual(len(repro), 10)
            self.assertEqual(len(naive), 10)
            self.assertEqual(len({r["result_hex"] for r in repro}), 1)
            self.assertTrue(all(r["agrees_serial"] is not False and r["agrees_closed_form"]
                                for r in repro))
            self.assertTrue(all(r["result"] == r["result_hex"] and r["bytes"] == 8 * r["n"]
                                for r in recs))
            self.assertTrue(all("--naive" in r["command"] for r in naive))
            self.assertFalse(any("--naive" in r["command"] for r in repro))
            # the naive bits differ with the worker count; that is not a failure
            self.assertGreater(len({r["result_hex"] for r in naive}), 1)
            self.assertTrue(any(r["ulps_from_reproducible"] for r in naive))
            self.assertIn("naive demonstration", out)
            self.assertIn("ulps from reproducible", out)
            self.assertRegex(out, r"\d+ of 10 naive runs differ from the reproducible bits")
            self.assertIn("10 fsum --naive demonstration runs are within their error bound",
                          out)
            self.assertNotIn("DISAGREEMENT", err)
            # the report: separate groups, GB/s, naive rows not marked WRONG; exit 0
            proc = subprocess.run([sys.executable, helpers.SCRIPT, "report",
                                   os.path.join(d, "results", "runs.jsonl")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            rep = proc.stdout.decode()
            self.assertEqual(proc.returncode, 0, rep)
            self.assertIn("fsum (array mode, n=200,000, reproducible)", rep)
            self.assertIn("fsum (array mode, n=200,000, naive)", rep)
            self.assertIn("GB/s", rep)
            self.assertIn("naive method, a demonstration", rep)
            self.assertNotIn("WRONG", rep)
            if shutil.which("gnuplot"):
                plots = os.listdir(os.path.join(d, "results", "plots"))
                self.assertIn("fsum_n200000_reproducible.png", plots)
                self.assertIn("fsum_n200000_naive.png", plots)

    def test_fsum_wrong_bits_are_caught(self):
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "1,2", "--workloads", "fsum", "--no-plots",
                                 "--variants", "openmp", "--no-naive",
                                 "--binary", "fsum_openmp=" + helpers.FAKE_FSUM_WRONG)
            self.assertEqual(rc, 1, out + err)
            line = [l for l in err.splitlines() if "DISAGREEMENT" in l
                    and "variant openmp, 2 workers" in l]
            self.assertTrue(line, err)
            self.assertIn("workload fsum", line[0])
            self.assertIn("method reproducible", line[0])
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            serial = [r for r in recs if r["variant"] == "serial"][0]
            bad = [r for r in recs if r["variant"] == "openmp"]
            self.assertIn("result_hex %s != serial reference %s (+1 ulp)"
                          % (bad[0]["result_hex"], serial["result_hex"]), line[0])
            self.assertEqual(len(bad), 2)
            self.assertFalse(any(r["agrees_serial"] for r in bad))
            self.assertTrue(all(r["agrees_closed_form"] for r in bad))  # within the bound
            self.assertIn("WRONG", out)

    def test_fsum_naive_with_other_bits_passes(self):
        # The same 1-ulp-off program, with the naive demonstration on: its reproducible runs
        # fail; its naive runs, whose bits also differ from the reproducible result, do not.
        with helpers.tempdir() as d:
            helpers.fake_build_dir(d)
            rc, out, err = bench(d, "--workers", "1,2", "--workloads", "fsum", "--no-plots",
                                 "--variants", "openmp",
                                 "--binary", "fsum_openmp=" + helpers.FAKE_FSUM_WRONG)
            self.assertEqual(rc, 1, out + err)
            problems = [l for l in err.splitlines() if l.startswith("  !! ")]
            self.assertEqual(len(problems), 2, err)
            self.assertTrue(all("method reproducible" in l for l in problems), err)
            recs = records.load(os.path.join(d, "results", "runs.jsonl"))
            naive = [r for r in recs if r["method"] == "naive" and r["variant"] == "openmp"]
            self.assertEqual(len(naive), 2)
            self.assertTrue(any(r["ulps_from_reproducible"] for r in naive))
            self.assertTrue(all(fsum_ok(r) for r in naive))
            self.assertRegex(out, r"[12] of 3 naive runs differ")

    def test_fsum_naive_out_of_bound_fails(self):
        out, err = failing_bench(self, "--workers", "2", "--workloads", "fsum", "--variants",
                                 "openmp", env={"FAKE_FSUM_NAIVE_OUT": "1"})
        self.assertIn("method naive, variant openmp, 2 workers", err)
        self.assertIn("exceeds error_bound", err)
        self.assertIn("OUT OF BOUND", out)

    def test_fsum_expected_must_match_serial(self):
        from pharness import fsum
        pj = {"result_hex": "0x1.8p+1", "expected_hex": "0x1.8p+1", "method": "naive",
              "error": 0.0, "error_bound": 1.0, "verified": True, "runs_identical": True}
        self.assertEqual(fsum.check("w", pj, "naive", None, "0x1.8p+1"), [])
        probs = fsum.check("w", pj, "naive", None, "0x1.4p+1")
        self.assertEqual(len(probs), 1)
        self.assertIn("expected_hex 0x1.8p+1 != serial's expected_hex 0x1.4p+1", probs[0])
        # a reported error that the hex values contradict
        lying = dict(pj, result_hex="0x1.8p+3")
        self.assertTrue(any("exceeds error_bound" in p
                            for p in fsum.check("w", lying, "naive", None, None)))
        self.assertEqual(fsum.ulps_between(1.0, float.fromhex("0x1.0000000000001p+0")), -1)
        self.assertEqual(fsum.ulps_between(-0.0, 0.0), 0)
        self.assertEqual(fsum.ulps_between(5e-324, -5e-324), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
