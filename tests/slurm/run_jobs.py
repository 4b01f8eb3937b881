#!/usr/bin/env python3
"""End-to-end test of jobs/*.sh on a real (throwaway, single-node) Slurm cluster.

Why: a job script is only believable once a real Slurm has run it, on a node that declares
the CPUs the machine really has, with tasks pinned as on a real cluster (task/affinity).

  run_jobs.py SOURCE_DIR BUILD_DIR [--keep] [--n N]

Starts Debian's slurmctld + slurmd + munged as root with all state in a scratch directory
(tests/slurm/cluster.sh), submits every job script in jobs/ with sbatch, waits for each job
by polling squeue / scontrol (not sbatch --wait: it polls after 2 s, 8 s, then every 32 s),
checks states, exit codes and outputs (every JSON result must equal build/<workload>_serial's),
checks that jobs meant to fail are reported FAILED with a non-zero exit code, then stops the
daemons it started by the pids in their pid files.  A detached watchdog stops them too if this
process is killed (meson's timeout sends SIGTERM, then SIGKILL).

Exit status: 0 all checks passed; 1 a check failed; 77 skipped (no Slurm/munge, or not root).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "cluster.sh")
SKIP = 77
JOB_DEADLINE = 150          # seconds for all jobs together (they normally take ~15 s)
# Every workload, with the record fields its serial reference must be run with (each field
# becomes the option of REFERENCE_OPTIONS): from the harness's registry.  The jobs run every
# workload that is built; the first one is the one the must-fail jobs run.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "harness"))
from pharness import registry  # noqa: E402

ARRAYS = {w.program: ("n", "tasks") if "tasks" in w.sizes["small"] else ("n",)
          for w in registry.WORKLOADS.values() if w.mode not in ("numbers", "grid")}
# A grid's -n is its side (heat: at most 32768, and n x n cells), so PARLAB_N, the array size,
# does not fit it: the jobs give it its own size, PARLAB_N_<workload> and PARLAB_ARGS_<workload>
# (jobs/lib.sh parlab_args), from the first test case of its registry row (sizes that no
# worker count divides).  Its reference runs with the record's rows, steps and r.
GRIDS = {w.program: ("n",) + registry.GRID_KEYS
         for w in registry.WORKLOADS.values() if w.mode == "grid"}
WORKLOADS = dict(ARRAYS, **GRIDS)
GRID_ENV = {}
for _w in registry.WORKLOADS.values():
    if _w.mode == "grid":
        _args = list(_w.tests[0])
        _n = _args.index("-n")
        GRID_ENV["PARLAB_N_" + _w.program] = _args[_n + 1]
        GRID_ENV["PARLAB_ARGS_" + _w.program] = " ".join(_args[:_n] + _args[_n + 2:])


def size_args(workload, n):
    """A program's size options in these tests: -n N for an array, a grid's own (GRID_ENV)."""
    if workload not in GRIDS:
        return ["-n", str(n)]
    return ["-n", GRID_ENV["PARLAB_N_" + workload]] + GRID_ENV["PARLAB_ARGS_" + workload].split()


REFERENCE_OPTIONS = {"n": "-n", "tasks": "--tasks", **{k: "--" + k for k in registry.GRID_KEYS}}
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
         "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


def log(msg=""):
    print(msg, flush=True)


class Cluster:
    def __init__(self, scratch, nodes=1):
        self.dir = os.path.join(scratch, "cluster")
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "etc", "slurm.conf")
        self.nodes = nodes
        self.started = False
        self.watchdog = None

    def start(self):
        # The watchdog first (detached: its own session, so meson's kill of our process group
        # misses it): it stops whatever was started, even by a start that is cut short, once
        # this process is gone.
        self.watchdog = subprocess.Popen([CLUSTER, "watch", self.dir, str(os.getpid())],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
        self.started = True
        p = subprocess.run([CLUSTER, "start", self.dir, str(self.nodes)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        log(p.stdout.rstrip())
        if p.returncode == SKIP:
            self.stop()
            return SKIP
        if p.returncode != 0:
            raise RuntimeError("cluster.sh start failed (exit %d)" % p.returncode)
        return 0

    def stop(self):
        if not self.started:
            return
        self.started = False
        p = subprocess.run([CLUSTER, "stop", self.dir], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=90)
        log(p.stdout.rstrip())
        if self.watchdog and self.watchdog.poll() is None:
            self.watchdog.kill()     # its work is done; it is our own child, ended by its pid
            self.watchdog.wait()


def run(cmd, env, cwd=None, check=True, timeout=30):
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s %s" % (" ".join(cmd), p.returncode,
                                                           p.stdout.strip(), p.stderr.strip()))
    return p


def json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def built(build, *variants, among=WORKLOADS):
    """The workloads of AMONG whose programs for every one of VARIANTS are built."""
    return tuple(w for w in among
                 if all(os.access(os.path.join(build, "%s_%s" % (w, v)), os.X_OK)
                        for v in variants))


def unknown_workloads(build):
    """Programs in BUILD of a workload this test does not know (see WORKLOADS)."""
    names = set()
    for f in os.listdir(build):
        m = re.match(r"(\w+)_(serial|openmp|mpi|hybrid)$", f)
        if m and m.group(1) not in WORKLOADS \
                and os.access(os.path.join(build, f), os.X_OK):
            names.add(m.group(1))
    return sorted(names)


def job_records(job_id, env, client=()):
    """scontrol -o show job ID -> list of dicts (one per array task for an array job).
    CLIENT: the command prefix that reaches the controller (a multi-node cluster's head)."""
    p = run(list(client) + ["scontrol", "-o", "show", "job", str(job_id)], env, check=False)
    recs = []
    for line in p.stdout.splitlines():
        if "JobId=" in line:
            recs.append(dict(re.findall(r"(\w+)=(\S*)", line)))
    return recs


def reference(build, env):
    """(serial_result, same_as_serial) for records of BUILD's programs.  The reference answer
    is BUILD/<workload>_serial run here, outside Slurm, with the record's -n (and --tasks, or a
    grid's rows, steps and r); computed once per distinct record shape."""
    ref = {}

    def serial_result(r):
        workload = r.get("workload")
        fields = WORKLOADS.get(workload, ())
        key = (workload,) + tuple(r.get(f) for f in fields)
        if key not in ref:
            cmd = [os.path.join(build, workload + "_serial"), "--repeat", "1", "--json"]
            for f in fields:
                if r.get(f) is not None:
                    cmd += [REFERENCE_OPTIONS[f], str(r[f])]
            line = json_lines(run(cmd, env).stdout)[0]
            # fsum prints its result in decimal and in hex; the harness records the hex
            ref[key] = tuple(line[k] for k in ("result", "result_hex") if k in line)
        return ref[key]

    def same_as_serial(r):
        if r.get("method") == "naive":
            # fsum --naive, a demonstration the harness records: its last bits change with the
            # worker count by design; it must only be verified (within its error bound)
            return r.get("verified") is True
        return r.get("workload") in WORKLOADS and r.get("result") in serial_result(r)

    return serial_result, same_as_serial


def heat_job_problems(text, ranks, threads, same_as_serial):
    """What is wrong with the output of jobs/heat.sh on RANKS x THREADS: three verified JSON
    lines (serial, then the blocking and the --overlap exchange) with serial's field digest, its
    closing '# heat:' line, and a PNG picture of the field."""
    problems = []
    lines = json_lines(text)
    shapes = [(r.get("variant"), r.get("ranks"), r.get("threads"), r.get("overlap"))
              for r in lines]
    variant = "mpi" if threads == 1 else "hybrid"
    want = [("serial", 1, 1, False), (variant, ranks, threads, False),
             (variant, ranks, threads, True)]
    if shapes != want:
        problems.append("expected the runs %s, got %s" % (want, shapes))
    for r in lines:
        if r.get("verified") is not True or not same_as_serial(r):
            problems.append("%s overlap=%s: digest %s (verified %s) is not build/heat_serial's"
                            % (r.get("variant"), r.get("overlap"), r.get("result"),
                               r.get("verified")))
    said = re.search(r"^# heat: serial digest (\w+); blocking exchange: the same, %d ranks "
                     r"\(process grid \d+x\d+\) x %d thread.*; overlap exchange: the same, "
                     % (ranks, threads), text, re.M)
    if not said:
        problems.append("no '# heat: serial digest ...; blocking exchange: the same, %d ranks "
                        "...; overlap exchange: the same, ...' line" % ranks)
    m = re.search(r"^# picture of the final field: (\S+)$", text, re.M)
    if not m:
        problems.append("no '# picture of the final field:' line")
    else:
        try:
            with open(m.group(1), "rb") as fh:
                if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                    problems.append("%s is not a PNG" % m.group(1))
        except OSError as exc:
            problems.append("the picture: %s" % exc)
    return problems


def wrong_heat_build(build, scratch):
    """A copy of BUILD whose heat_mpi splits the grid right but runs another r: its own check
    against the closed form passes, and only the comparison with serial's digest can see it."""
    wrong = os.path.join(scratch, "wrong-heat-build")
    os.makedirs(wrong)
    for f in os.listdir(build):
        if not f.startswith("heat_mpi"):
            os.symlink(os.path.join(build, f), os.path.join(wrong, f))
    with open(os.path.join(wrong, "heat_mpi"), "w") as fh:
        fh.write('#!/bin/sh\nexec "%s" "$@" --r 0.24\n' % os.path.join(build, "heat_mpi"))
    os.chmod(os.path.join(wrong, "heat_mpi"), 0o755)
    return wrong


class Case:
    """One submission and what it must produce."""

    def __init__(self, name, script, sbatch_args=(), env=None, expect="COMPLETED",
                 check=None, covers=None, submit_dir=None):
        self.name, self.script, self.sbatch_args = name, script, list(sbatch_args)
        self.env = env or {}
        # submit_dir: sbatch from there without PARLAB_ROOT, so the script must find parlab
        # through SLURM_SUBMIT_DIR (the checkout, or its jobs/ directory)
        self.submit_dir = submit_dir
        self.expect = expect
        self.check = check           # fn(case, records, outputs) -> list of problems
        self.covers = covers or [script]
        self.ids = []
        self.problems = []
        self.outputs = {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source")
    ap.add_argument("build")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--n", type=int, default=200000, help="array size for every program run")
    args = ap.parse_args()
    src, build = os.path.abspath(args.source), os.path.abspath(args.build)
    jobs_dir = os.path.join(src, "jobs")

    missing = [c for c in ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "scontrol")
               if not shutil.which(c)]
    if missing:
        log("SKIP: Slurm/munge not installed (%s): apt-get install slurmd slurmctld "
            "slurm-client munge" % " ".join(missing))
        return SKIP
    if os.geteuid() != 0:
        log("SKIP: the throwaway Slurm cluster needs root")
        return SKIP
    missing = [w for w in WORKLOADS if w not in built(build, "serial", "openmp", "mpi")]
    if missing:
        log("FAIL: the serial, openmp and mpi programs of %s are not all built in %s"
            % (", ".join(missing), build))
        return 1
    unknown = unknown_workloads(build)
    if unknown:
        log("FAIL: %s has programs of workload(s) %s, which the jobs run but this test cannot "
            "check: add a row for each to harness/pharness/registry.py" % (build, ", ".join(unknown)))
        return 1
    have_hybrid = bool(built(build, "hybrid"))

    t_start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="parlab-slurm-")
    os.chmod(scratch, 0o711)      # munged wants its socket's directories searchable by all
    work = os.path.join(scratch, "work")          # submit dir: job outputs land here
    results = os.path.join(scratch, "results")    # PARLAB_RESULTS: never the repo's results/
    os.makedirs(work)
    cluster = Cluster(scratch)
    ok = on_cluster(cluster, scratch, args.keep,
                    lambda: run_cases(src, build, jobs_dir, scratch, work, results, cluster, args.n,
                                      have_hybrid))
    if ok == SKIP:
        return SKIP
    log("slurm job tests: %s in %.1f s" % ("PASS" if ok else "FAIL", time.monotonic() - t_start))
    return 0 if ok else 1


def on_cluster(cluster, scratch, keep, body):
    """Start the test cluster, run body() on it, and stop it whatever happens (a signal too).
    Returns SKIP if the cluster cannot start here, else whether body() passed.  The scratch
    directory goes, unless something failed or keep is set."""
    def on_signal(signum, _frame):
        log("signal %d: stopping the cluster" % signum)
        cluster.stop()
        sys.exit(1)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    ok = skipped = False
    try:
        if cluster.start() == SKIP:
            skipped = True
            return SKIP
        ok = body()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        log("FAIL: %s" % exc)
    finally:
        cluster.stop()
        if skipped or (ok and not keep):
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            log("scratch directory kept: %s" % scratch)
    return ok


def run_cases(src, build, jobs_dir, scratch, work, results, cluster, n, have_hybrid):
    # A clean environment for the client commands and the jobs: nothing from an outer Slurm
    # job or from the caller's SBATCH_*/OMP_* settings, the test cluster's config, and
    # parlab's knobs (sbatch exports the submitting environment to the job).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "OMP_", "PARLAB_"))}
    env.update({"SLURM_CONF": cluster.conf, "PARLAB_ROOT": src, "PARLAB_BUILD": build,
                "PARLAB_RESULTS": results, "PARLAB_N": str(n), "PARLAB_REPEAT": "2",
                "PARLAB_WORKLOADS": " ".join(WORKLOADS), **GRID_ENV})

    serial_result, same_as_serial = reference(build, env)

    log("reference (build/*_serial -n %d): %s"
        % (n, " ".join("%s=%s" % (w, serial_result({"workload": w, "n": n})[0])
                       for w in ARRAYS)))
    log("grids: %s" % " ".join("%s='%s'" % kv for kv in sorted(GRID_ENV.items())))

    def expect_runs(variant, threads, ranks, workloads=None):
        workloads = workloads or built(build, variant)

        def check(case, recs, outputs):
            problems = []
            lines = [r for text in outputs.values() for r in json_lines(text)]
            got = sorted(r.get("workload") for r in lines)
            if got != sorted(workloads):
                problems.append("expected one JSON result per workload %s, got %s"
                                % (list(workloads), got))
            for r in lines:
                what = "%s/%s" % (r.get("workload"), r.get("variant"))
                if r.get("variant") != variant:
                    problems.append("%s: variant %s, expected %s" % (what, r.get("variant"),
                                                                     variant))
                if (r.get("threads"), r.get("ranks")) != (threads, ranks):
                    problems.append("%s: %s threads x %s ranks, expected %d x %d"
                                    % (what, r.get("threads"), r.get("ranks"), threads, ranks))
                if r.get("verified") is not True:
                    problems.append("%s: not verified" % what)
                if not same_as_serial(r):
                    problems.append("%s: result %s differs from build/%s_serial's %s"
                                    % (what, r.get("result"), r.get("workload"),
                                       serial_result(r)))
            text = "\n".join(outputs.values())
            for needle in ("# nodes:", "# tasks:", "cpu binding", "# layout: task 0"):
                if needle not in text:
                    problems.append("output lacks the '%s' line (where the job ran)" % needle)
            return problems
        return check

    def expect_failure(message):
        def check(case, recs, outputs):
            text = "\n".join(outputs.values())
            if message not in text:
                return ["output lacks the program's error message %r" % message]
            return []
        return check

    site_env = os.path.join(scratch, "site.env")
    with open(site_env, "w") as f:
        # what an instructor would put in jobs/site.env: partition and account via SBATCH_*
        f.write("export SBATCH_PARTITION=parlab\nexport SBATCH_ACCOUNT=parlab-course\n")

    def sweep_check(case, recs, outputs, name=None, workers=(1, 2), site=True, among=ARRAYS):
        problems = []
        name = name or "sweep-%s" % case.ids[0]
        records = os.path.join(results, name + ".jsonl")
        if not os.path.isfile(records):
            return ["no records file %s" % records]
        lines = [json.loads(l) for l in open(records) if l.strip()]
        seen = {(r["workload"], r["variant"], r.get("workers") or r["threads"] * r["ranks"])
                for r in lines}
        for wl in built(build, "serial", "openmp", "mpi", among=among):
            for v, k in [("serial", 1)] + [(v, k) for v in ("openmp", "mpi") for k in workers]:
                if (wl, v, k) not in seen:
                    problems.append("sweep records lack %s %s with %d worker(s)" % (wl, v, k))
        for r in lines:
            if not same_as_serial(r):
                problems.append("sweep record %s/%s/%s: result %s differs from serial's %s"
                                % (r["workload"], r["variant"], r.get("workers"), r["result"],
                                   serial_result(r)))
        report = os.path.join(results, name + ".report.txt")
        if not os.path.isfile(report) or os.path.getsize(report) == 0:
            problems.append("collect job wrote no report %s" % report)
        plots = os.path.join(results, name + "-plots")
        if shutil.which("gnuplot") and (not os.path.isdir(plots) or not os.listdir(plots)):
            problems.append("collect job wrote no plots in %s" % plots)
        for r in recs if site else []:
            if r.get("Partition") != "parlab" or r.get("Account") != "parlab-course":
                problems.append("job %s: partition %s account %s: site.env's SBATCH_PARTITION"
                                "/SBATCH_ACCOUNT were not applied" % (
                                    r.get("JobId"), r.get("Partition"), r.get("Account")))
        return problems

    S = lambda name: os.path.join(jobs_dir, name)  # noqa: E731
    QUICK = next(iter(WORKLOADS))
    cases = [
        Case("serial, submitted from the checkout", S("serial.sh"),
             ["--output=" + os.path.join(work, "%x-%j.out")], submit_dir=src,
             check=expect_runs("serial", 1, 1)),
        Case("openmp (-c 2 in the script)", S("openmp.sh"), check=expect_runs("openmp", 2, 1)),
        Case("openmp sbatch -c 1, submitted from jobs/", S("openmp.sh"),
             ["--cpus-per-task=1", "--output=" + os.path.join(work, "%x-%j.out")],
             submit_dir=jobs_dir, check=expect_runs("openmp", 1, 1)),
        Case("mpi srun --mpi=pmix (-n 2 in the script)", S("mpi.sh"),
             check=expect_runs("mpi", 1, 2)),
        Case("mpi mpirun in the allocation", S("mpi.sh"), ["--ntasks=2"],
             env={"PARLAB_MPI_LAUNCHER": "mpirun"}, check=expect_runs("mpi", 1, 2)),
        Case("sweep array + collect (jobs/submit.sh sweep)", "submit:sweep",
             # the harness's bench takes one -n for every workload: not a grid's (jobs/README.md)
             env={"PARLAB_SITE_ENV": site_env, "PARLAB_WORKLOADS": " ".join(ARRAYS)},
             check=sweep_check,
             covers=[S("sweep.sh"), S("collect.sh"), S("submit.sh")]),
        Case("sweep, raw records, by hand (sbatch --array)", "raw:sweep",
             env={"PARLAB_SWEEP_RECORDER": "raw", "PARLAB_SWEEP_WORKERS": "1 2",
                  "PARLAB_SWEEP_NAME": "rawsweep"},
             check=lambda c, r, o: sweep_check(c, r, o, "rawsweep", (1, 2), False, WORKLOADS),
             covers=[S("sweep.sh"), S("collect.sh")]),
        Case("must fail: --expect-ranks wrong", S("mpi.sh"), ["--ntasks=2"],
             env={"PARLAB_EXPECT_RANKS": "3", "PARLAB_WORKLOADS": QUICK}, expect="FAILED",
             check=expect_failure("--expect-ranks")),
        Case("must fail: bad flag", S("serial.sh"), env={"PARLAB_ARGS": "--no-such-flag"},
             expect="FAILED", check=expect_failure("--no-such-flag")),
        # srun exits 0 when a step fails inside slurmstepd before it starts (here: the PMIx
        # plugin cannot create its per-step directory); the script must still fail.
        Case("must fail: srun step that cannot launch", "launchfail:" + S("serial.sh"),
             env={"PARLAB_WORKLOADS": QUICK}, expect="FAILED",
             check=expect_failure("could not start")),
    ]
    if GRIDS:
        cases += [
            Case("heat 2 ranks: blocking, --overlap, the picture", S("heat.sh"),
                 check=lambda c, r, o: heat_job_problems("\n".join(o.values()), 2, 1,
                                                         same_as_serial)),
            Case("must fail: heat_mpi with other bits than serial's", S("heat.sh"),
                 env={"PARLAB_BUILD": wrong_heat_build(build, scratch)}, expect="FAILED",
                 check=expect_failure("gave the field digest")),
        ]
    if have_hybrid:
        hybrid_workloads = built(build, "hybrid")
        cases.append(Case("hybrid 1 rank x 2 threads (the script's)", S("hybrid.sh"),
                          check=expect_runs("hybrid", 2, 1, hybrid_workloads)))
        cases.append(Case("hybrid mpirun 2 ranks x 1 thread", S("hybrid.sh"),
                          ["--ntasks=2", "--cpus-per-task=1"],
                          env={"PARLAB_MPI_LAUNCHER": "mpirun"},
                          check=expect_runs("hybrid", 1, 2, hybrid_workloads)))
        # a launcher that binds a 2-thread rank to one core: the program says oversubscribed,
        # and a job whose request fits must not pass with that layout
        cases.append(Case("must fail: hybrid mpirun --bind-to core (1 core, 2 threads)",
                          S("hybrid.sh"), env={"PARLAB_MPI_LAUNCHER": "mpirun",
                                               "PARLAB_MPIRUN_ARGS": "--bind-to core",
                                               "PARLAB_WORKLOADS": QUICK},
                          expect="FAILED", check=expect_failure("wrong layout")))
    else:
        log("SKIP (part): hybrid: no *_hybrid program in %s" % build)

    # The installed copy: meson install (into a staging directory; the modulefile finds its
    # prefix from its own path), Debian's Lmod, and a job script submitted from there.
    installed = install_copy(build, scratch)
    if installed:
        def installed_check(case, recs, outputs):
            problems = expect_runs("serial", 1, 1)(case, recs, outputs)
            text = "\n".join(outputs.values())
            want = "# parlab: %s/share/parlab; build: %s/bin;" % (installed["prefix"],
                                                               installed["prefix"])
            if want not in text:
                problems.append("the job did not run from the installed copy (no '%s' line)"
                                % want)
            return problems
        cases.append(Case("installed copy: module load parlab, $PARLAB_JOBS/submit.sh serial",
                          "installed:serial", check=installed_check))

    # Every job script in jobs/ must be exercised here.
    scripts = sorted(os.path.join(jobs_dir, f) for f in os.listdir(jobs_dir)
                     if f.endswith(".sh")
                     and re.search(r"^#SBATCH ", open(os.path.join(jobs_dir, f)).read(), re.M))
    covered = {c for case in cases for c in case.covers}
    if not have_hybrid:
        covered.add(S("hybrid.sh"))
    uncovered = [s for s in scripts if s not in covered]
    if uncovered:
        log("FAIL: job scripts without a test case: %s" % ", ".join(uncovered))
        return False

    # Requests the node cannot hold, first, on the empty cluster: sbatch rejects them, and
    # jobs/submit.sh must exit non-zero with sbatch's own message and submit nothing more.
    if not rejected_requests(S, env, work, os.cpu_count() + 1):
        return False

    # Submit everything at once: the node's real CPUs run the small jobs two or one at a
    # time, the rest wait in the queue.
    t0 = time.monotonic()
    for case in cases:
        cenv = dict(env, **case.env)
        if case.submit_dir:
            del cenv["PARLAB_ROOT"]
        if case.script == "installed:serial":
            # what a student does on a cluster where the instructor ran meson install
            for k in ("PARLAB_ROOT", "PARLAB_BUILD"):
                del cenv[k]
            mine = os.path.join(scratch, "student")
            os.makedirs(mine)
            p = run(["bash", "-c", 'set -euo pipefail; source "$1"; module use "$2"; '
                     'module load parlab; type sum_serial; sum_serial -n 1000 --repeat 1 --json; '
                     '"$PARLAB_JOBS/submit.sh" serial', "student", installed["lmod"],
                     installed["modules"]], cenv, cwd=mine, check=False, timeout=60)
            if p.returncode != 0:
                case.problems.append("module load parlab / sum_serial / $PARLAB_JOBS/submit.sh "
                                     "serial failed (exit %d): %s %s"
                                     % (p.returncode, p.stdout.strip(), p.stderr.strip()))
                continue
            if installed["prefix"] + "/" not in p.stdout.split("\n")[0]:
                case.problems.append("sum_serial is not the installed one: %s"
                                     % p.stdout.split("\n")[0])
            if not json_lines(p.stdout) or json_lines(p.stdout)[0].get("verified") is not True:
                case.problems.append("the installed sum_serial did not print a verified result")
            case.ids = p.stdout.strip().splitlines()[-1].split()[1:]
        elif case.script == "submit:sweep":
            p = run([S("submit.sh"), "sweep"], cenv, cwd=work, check=False)
            if p.returncode != 0:
                case.problems.append("jobs/submit.sh sweep failed (exit %d): %s"
                                     % (p.returncode, p.stderr.strip()))
                continue
            last = p.stdout.strip().splitlines()[-1]
            case.ids = last.split()[1:]
        elif case.script == "raw:sweep":
            # the by-hand recipe of jobs/sweep.sh's header
            p = run(["sbatch", "--parsable", "--array=0-1", "--ntasks=2", S("sweep.sh")], cenv,
                    cwd=work, check=False)
            if p.returncode == 0:
                case.ids = [p.stdout.strip().split(";")[0]]
                p = run(["sbatch", "--parsable", "--dependency=afterok:" + case.ids[0],
                         S("collect.sh")], cenv, cwd=work, check=False)
                if p.returncode == 0:
                    case.ids.append(p.stdout.strip().split(";")[0])
            if p.returncode != 0:
                case.problems.append("sbatch failed (exit %d): %s" % (p.returncode,
                                                                      p.stderr.strip()))
                continue
        elif case.script.startswith("launchfail:"):
            # submit held, block the PMIx directory of its first steps, then release
            script = case.script.split(":", 1)[1]
            case.covers = [script]
            p = run(["sbatch", "--parsable", "--hold"] + case.sbatch_args + [script], cenv,
                    cwd=work, check=False)
            if p.returncode != 0:
                case.problems.append("sbatch failed (exit %d): %s" % (p.returncode,
                                                                      p.stderr.strip()))
                continue
            case.ids = [p.stdout.strip().split(";")[0]]
            for step in range(4):
                os.makedirs(os.path.join(cluster.dir, "tmp", "spmix_appdir_%d_%s.%d"
                                         % (os.geteuid(), case.ids[0], step)), exist_ok=True)
            run(["scontrol", "release", case.ids[0]], cenv)
        else:
            p = run(["sbatch", "--parsable"] + case.sbatch_args + [case.script], cenv,
                    cwd=case.submit_dir or work, check=False)
            if p.returncode != 0:
                case.problems.append("sbatch failed (exit %d): %s" % (p.returncode,
                                                                      p.stderr.strip()))
                continue
            case.ids = [p.stdout.strip().split(";")[0]]
        log("submitted %-45s job(s) %s" % (case.name, " ".join(case.ids)))

    # A job that depends (afterok) on a failed job must be cancelled, not run or pend forever.
    bad = next(c for c in cases if c.name == "must fail: bad flag")
    if bad.ids:
        p = run(["sbatch", "--parsable", "--dependency=afterok:%s" % bad.ids[0],
                 S("collect.sh")], env, cwd=work, check=False)
        dep = Case("must be cancelled: afterok on a failed job", S("collect.sh"),
                   expect="CANCELLED")
        if p.returncode == 0:
            dep.ids = [p.stdout.strip().split(";")[0]]
            log("submitted %-45s job(s) %s" % (dep.name, " ".join(dep.ids)))
        else:
            dep.problems.append("sbatch failed: %s" % p.stderr.strip())
        cases.append(dep)

    # Wait: poll squeue until none of our jobs is pending/running.
    all_ids = [i for c in cases for i in c.ids]
    deadline = time.monotonic() + JOB_DEADLINE
    while True:
        p = run(["squeue", "-h", "-o", "%i %T", "-j", ",".join(all_ids)], env, check=False)
        active = [l for l in p.stdout.splitlines() if l.strip()]
        if not active and p.returncode == 0:
            break
        if time.monotonic() > deadline:
            log("FAIL: jobs still active after %d s:\n  %s" % (JOB_DEADLINE,
                                                               "\n  ".join(active)))
            run(["scancel"] + all_ids, env, check=False)
            for case in cases:
                case.problems.append("timed out")
            break
        time.sleep(0.25)
    log("all jobs finished %.1f s after submission" % (time.monotonic() - t0))

    # Check states, exit codes and outputs.
    all_ok = True
    for case in cases:
        recs = [r for i in case.ids for r in job_records(i, env)]
        if case.ids and not recs:
            case.problems.append("scontrol knows no job %s" % " ".join(case.ids))
        for r in recs:
            state, code = r.get("JobState"), r.get("ExitCode", "?")
            jid = r.get("JobId") + ("_" + r["ArrayTaskId"] if r.get("ArrayTaskId") else "")
            if case.expect == "COMPLETED":
                if state != "COMPLETED" or code != "0:0":
                    case.problems.append("job %s: %s exit code %s (expected COMPLETED 0:0)"
                                         % (jid, state, code))
            elif case.expect == "FAILED":
                if state != "FAILED" or code.split(":")[0] in ("0", "?"):
                    case.problems.append("job %s: %s exit code %s (expected FAILED with a "
                                         "non-zero exit code)" % (jid, state, code))
            elif state != case.expect:
                case.problems.append("job %s: %s (expected %s)" % (jid, state, case.expect))
            out = r.get("StdOut")
            if out and os.path.isfile(out):
                case.outputs[jid] = open(out, errors="replace").read()
            elif case.expect != "CANCELLED":
                case.problems.append("job %s: no output file %s" % (jid, out))
        if (case.script.startswith("launchfail:") and case.problems
                and all(r.get("JobState") == "COMPLETED" for r in recs)
                and not any("launch failed" in t for t in case.outputs.values())):
            # the blocked directory did not make the step fail (Slurm's PMIx plugin names
            # it differently in this version): nothing was tested, which is not a failure
            log("note %-45s could not provoke a step launch failure here: not checked"
                % case.name)
            case.problems = []
            continue
        if case.check and not case.problems:
            case.problems += case.check(case, recs, case.outputs)
        status = "ok" if not case.problems else "FAIL"
        detail = ", ".join("%s %s %s" % (r.get("JobId"), r.get("JobState"), r.get("ExitCode"))
                           for r in recs)
        log("%-4s %-45s %s" % (status, case.name, detail))
        if case.problems:
            all_ok = False
            for prob in case.problems:
                log("       - " + prob)
            for jid, text in case.outputs.items():
                log("       ---- output of job %s:" % jid)
                for line in text.splitlines()[-40:]:
                    log("       | " + line)
    return all_ok


def install_copy(build, scratch):
    """meson install BUILD into SCRATCH/install; {'prefix', 'modules', 'lmod'}, or None (and a
    SKIP (part) line) without Debian's lmod package.  A failed install raises."""
    lmod = "/usr/share/lmod/lmod/init/bash"
    if not os.path.isfile(lmod):
        log("SKIP (part): installed copy: Lmod is not installed (apt-get install lmod)")
        return None
    dest = os.path.join(scratch, "install")
    p = subprocess.run([shutil.which("meson") or "meson", "install", "-C", build, "--no-rebuild",
                        "--destdir", dest], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=180)
    if p.returncode != 0:
        raise RuntimeError("meson install -C %s --destdir %s failed (exit %d): %s"
                           % (build, dest, p.returncode, p.stdout[-2000:]))
    found = [os.path.join(root, f) for root, _, files in os.walk(dest) for f in files
             if f.endswith(".lua") and os.path.basename(root) == "parlab"
             and os.path.basename(os.path.dirname(root)) == "modulefiles"]
    if len(found) != 1:
        raise RuntimeError("meson install wrote %d parlab modulefiles under %s, expected 1"
                           % (len(found), dest))
    modules = os.path.dirname(os.path.dirname(found[0]))
    return {"prefix": os.path.dirname(modules), "modules": modules, "lmod": lmod}


def rejected_requests(S, env, work, too_many):
    """jobs/submit.sh with requests larger than the node: each must fail, say why in sbatch's
    words, and leave the queue empty (no collect job after a rejected sweep)."""
    ok = True
    tries = [
        ("openmp -c %d" % too_many, [S("submit.sh"), "openmp", "-c", str(too_many)], {}),
        ("sweep over 1 and %d workers" % too_many, [S("submit.sh"), "sweep"],
         {"PARLAB_SWEEP_WORKERS": "1 %d" % too_many}),
    ]
    for name, cmd, extra in tries:
        p = run(cmd, dict(env, **extra), cwd=work, check=False)
        problems = []
        if p.returncode == 0:
            problems.append("exit status 0 (must be non-zero)")
        errors = re.findall(r"^sbatch: error: .+", p.stderr, re.M)
        if not errors:
            problems.append("sbatch's own error message is not shown")
        elif len(errors) > 1:
            problems.append("went on calling sbatch after the rejection (%d sbatch errors)"
                            % len(errors))
        jobs = run(["scontrol", "-o", "show", "jobs"], env, check=False).stdout
        queued = re.findall(r"JobId=(\d+).*?JobName=(\S+)", jobs)
        if queued:
            problems.append("jobs were submitted anyway: %s"
                            % ", ".join("%s (%s)" % q for q in queued))
            run(["scancel"] + [q[0] for q in queued], env, check=False)
        log("%-4s %-45s exit %d" % ("ok" if not problems else "FAIL",
                                    "must be rejected: " + name, p.returncode))
        for prob in problems:
            log("       - " + prob)
        if problems:
            ok = False
            for line in (p.stdout + p.stderr).splitlines():
                log("       | " + line)
    return ok


if __name__ == "__main__":
    sys.exit(main())
