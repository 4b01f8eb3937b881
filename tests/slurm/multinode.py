#!/usr/bin/env python3
"""Many nodes for real: jobs/*.sh on a 3-node Slurm cluster built on this one machine.

  multinode.py SOURCE_DIR BUILD_DIR [--keep] [--n N] [--spans 2,3]

Why: every job script had only ever run on one node.  This test starts a head namespace
(slurmctld) and three node namespaces (one slurmd each), joined by a bridge in a namespace of
its own (tests/slurm/cluster.sh start DIR 3).  First a PMIx fence across the three nodes must
be a barrier (pmix_barrier.py: Open MPI's MPI_Init relies on it).  Then plain mpiexec, outside
Slurm, across the namespaces: Open MPI with plm_rsh_agent, MPICH's Hydra with -launcher-exec,
both set to the cluster's ssh stand-in (DIR/bin/rsh), which enters the node's namespaces.  Then
the ping-pong (comm/pingpong.c) between node1 and node2, as `./parlab pingpong --two-nodes` runs
it (pharness/pingpong.py).  Then it submits every job script with -N 3 (and -N 2 with --spans
2,3): through srun (--mpi=pmix for Open MPI, --mpi=pmi2 for MPICH, whichever BUILD_DIR links)
and through the MPI's own mpirun.  Every
result must equal BUILD_DIR/<workload>_serial's, and the job's per-host lines must name
distinct hosts.

All the nodes share this machine's cores: times measured across nodes mean nothing here.

The daemons are stopped by their pids and the namespaces deleted at the end; a detached
watchdog does the same if this process is killed.
Exit status: 0 all checks passed; 1 a check failed; 77 skipped (no Slurm/munge, not root, or
the kernel refuses namespaces).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_jobs as rj  # noqa: E402  (the cluster, job records, WORKLOADS: one copy of each)
from pharness import pingpong  # noqa: E402  (run_jobs put harness/ on the path)

NODES = 3
JOB_DEADLINE = 200           # seconds for all jobs together
FENCE_DELAY = 1.0            # seconds rank 1 of pmix_barrier.py comes late to its fence
SHARED = ("NOTE: all %d nodes are namespaces on this one machine and share its %d CPUs: "
          "times measured across nodes mean nothing" % (NODES, os.cpu_count()))


def log(msg=""):
    print(msg, flush=True)


def mpi_flavor(build):
    """'mpich' or 'openmpi': what BUILD's MPI programs link (read whole, never piped)."""
    p = subprocess.run(["ldd", os.path.join(build, "sum_mpi")], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return "mpich" if re.search(r"libmpich|libmpi\.so\.12", p.stdout) else "openmpi"


class Job:
    """One submission through jobs/submit.sh and what its output must show."""

    def __init__(self, name, script, nodes, args, kind, threads=1, ranks=1, env=None,
                 launcher="srun", check=None):
        self.name, self.script, self.nodes, self.args = name, script, nodes, list(args)
        self.kind, self.threads, self.ranks = kind, threads, ranks
        self.env = env or {}
        self.launcher = launcher
        self.check = check
        self.ids, self.problems, self.outputs, self.stderr = [], [], {}, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source")
    ap.add_argument("build")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--n", type=int, default=100000, help="array size for every program run")
    # -N 3 alone in the default run: -N 2 puts the same 2 ranks on each node and adds nothing
    # but time (docs/testing.md); suite 'long' submits both.
    ap.add_argument("--spans", default="3", help="node counts to submit every job with (3)")
    # MPICH's ranks never yield while they wait (docs/slurm.md), so six on this machine's two
    # cores take turns by the scheduler's time slice: its jobs run one rank per node, and every
    # message still crosses between nodes.  Its plain mpiexec runs, and suite 'long', have two.
    ap.add_argument("--ranks-per-node", type=int, choices=[1, 2],
                    help="MPI ranks per node in the jobs (default 2; 1 in an MPICH build)")
    args = ap.parse_args()
    src, build = os.path.abspath(args.source), os.path.abspath(args.build)

    missing = [c for c in ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "scontrol")
               if not shutil.which(c)]
    if missing:
        log("SKIP: Slurm/munge not installed (%s): apt-get install slurmd slurmctld "
            "slurm-client munge" % " ".join(missing))
        return rj.SKIP
    if os.geteuid() != 0:
        log("SKIP: the throwaway Slurm cluster needs root")
        return rj.SKIP
    need = [w for w in rj.WORKLOADS if w not in rj.built(build, "serial", "openmp", "mpi",
                                                         "hybrid")]
    if need:
        log("FAIL: the serial, openmp, mpi and hybrid programs of %s are not all built in %s"
            % (", ".join(need), build))
        return 1
    unknown = rj.unknown_workloads(build)
    if unknown:
        log("FAIL: %s has programs of workload(s) %s, which the jobs run but this test cannot "
            "check: add a row for each to harness/pharness/registry.py" % (build, ", ".join(unknown)))
        return 1

    try:
        spans = [int(k) for k in args.spans.split(",")]
    except ValueError:
        spans = []
    if not spans or not all(1 <= k <= NODES for k in spans):
        log("--spans takes node counts from 1 to %d, separated by commas: not %r"
            % (NODES, args.spans))
        return 2
    t_start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="parlab-multinode-")
    os.chmod(scratch, 0o711)      # munged wants its socket's directories searchable by all
    cluster = rj.Cluster(scratch, nodes=NODES)

    def body():
        log(SHARED)
        return run_all(src, build, scratch, cluster, args.n, spans, args.ranks_per_node)
    ok = rj.on_cluster(cluster, scratch, args.keep, body)
    if ok == rj.SKIP:
        return rj.SKIP
    log(SHARED)
    log("multinode tests (%s build): %s in %.1f s"
        % (mpi_flavor(build), "PASS" if ok else "FAIL", time.monotonic() - t_start))
    return 0 if ok else 1


def run_all(src, build, scratch, cluster, n, spans, per_node=None):
    flavor = mpi_flavor(build)
    per_node = per_node or (1 if flavor == "mpich" else 2)
    on = os.path.join(cluster.dir, "bin", "on")
    head = [on, "head"]
    work = os.path.join(scratch, "work")          # submit dir: job outputs land here
    results = os.path.join(scratch, "results")
    os.makedirs(work)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "OMP_", "PARLAB_",
                                "OMPI_", "PRTE_", "HYDRA_", "MPIR_"))}
    env.update({"SLURM_CONF": cluster.conf, "PARLAB_ROOT": src, "PARLAB_BUILD": build,
                "PARLAB_RESULTS": results, "PARLAB_N": str(n), "PARLAB_REPEAT": "1",
                "PARLAB_WORKLOADS": " ".join(rj.WORKLOADS), **rj.GRID_ENV})

    serial_result, same_as_serial = rj.reference(build, env)

    ok = True
    ok &= pmix_fence_is_barrier(head, env)
    ok &= plain_mpiexec(flavor, build, cluster, env, n, same_as_serial)
    ok &= pingpong_across(build, cluster)

    S = lambda name: os.path.join(src, "jobs", name)  # noqa: E731
    srun_plugin = "pmi2" if flavor == "mpich" else "pmix"
    jobs = []
    for k in spans:
        jobs += [
            Job("mpi -N %d -n %d, srun --mpi=%s" % (k, per_node * k, srun_plugin), "mpi", k,
                ["-N", str(k), "-n", str(per_node * k)], "mpi", ranks=per_node * k),
            Job("mpi -N %d -n %d, mpirun" % (k, per_node * k), "mpi", k,
                ["-N", str(k), "-n", str(per_node * k)], "mpi", ranks=per_node * k,
                env={"PARLAB_MPI_LAUNCHER": "mpirun"}, launcher="mpirun"),
            Job("hybrid -N %d -n %d -c 2, srun --mpi=%s" % (k, k, srun_plugin), "hybrid", k,
                ["-N", str(k), "-n", str(k), "-c", "2"], "hybrid", threads=2, ranks=k),
            Job("hybrid -N %d -n %d -c 2, mpirun" % (k, k), "hybrid", k,
                ["-N", str(k), "-n", str(k), "-c", "2"], "hybrid", threads=2, ranks=k,
                env={"PARLAB_MPI_LAUNCHER": "mpirun"}, launcher="mpirun"),
            Job("heat -N %d -n %d, srun --mpi=%s" % (k, per_node * k, srun_plugin), "heat", k,
                ["-N", str(k), "-n", str(per_node * k)], "heat", ranks=per_node * k),
            Job("heat hybrid -N %d -n %d -c 2, mpirun" % (k, k), "heat", k,
                ["-N", str(k), "-n", str(k), "-c", "2"], "heat", threads=2, ranks=k,
                env={"PARLAB_MPI_LAUNCHER": "mpirun"}, launcher="mpirun"),
            # per_node ranks per node at the largest count (2: as many as a node's CPUs)
            Job("sweep -N %d over 1 and %d workers, + collect" % (k, per_node * k), "sweep", k,
                ["-N", str(k)], "sweep", env={"PARLAB_SWEEP_WORKERS": "1 %d" % (per_node * k),
                                              "PARLAB_SWEEP_NAME": "sweep-N%d" % k,
                                              # bench's one -n is no grid's (jobs/README.md)
                                              "PARLAB_WORKLOADS": " ".join(rj.ARRAYS)}),
        ]
        if flavor != "mpich":  # these use no MPI: the same jobs whatever the build's MPI
            jobs += [Job("serial -N %d" % k, "serial", k, ["-N", str(k)], "serial"),
                     Job("openmp -N %d (2 threads per node)" % k, "openmp", k, ["-N", str(k)],
                         "openmp", threads=2)]

    t0 = time.monotonic()
    for job in jobs:
        p = rj.run(head + [S("submit.sh"), job.script] + job.args, dict(env, **job.env),
                   cwd=work, check=False)
        job.stderr = p.stderr
        if p.returncode != 0:
            job.problems.append("jobs/submit.sh %s %s failed (exit %d): %s"
                                % (job.script, " ".join(job.args), p.returncode,
                                   p.stderr.strip()))
            continue
        job.ids = p.stdout.strip().splitlines()[-1].split()[1:]
        log("submitted %-48s job(s) %s" % (job.name, " ".join(job.ids)))

    all_ids = [i for j in jobs for i in j.ids]
    deadline = time.monotonic() + JOB_DEADLINE
    while all_ids:
        p = rj.run(head + ["squeue", "-h", "-o", "%i %T", "-j", ",".join(all_ids)], env,
                   check=False)
        active = [line for line in p.stdout.splitlines() if line.strip()]
        if not active and p.returncode == 0:
            break
        if time.monotonic() > deadline:
            log("FAIL: jobs still active after %d s:\n  %s" % (JOB_DEADLINE,
                                                               "\n  ".join(active)))
            rj.run(head + ["scancel"] + all_ids, env, check=False)
            for job in jobs:
                job.problems.append("timed out")
            break
        time.sleep(0.25)
    log("all jobs finished %.1f s after submission (%s)" % (time.monotonic() - t0, SHARED))

    for job in jobs:
        recs = [r for i in job.ids for r in rj.job_records(i, env, client=head)]
        for r in recs:
            jid = r.get("JobId") + ("_" + r["ArrayTaskId"] if r.get("ArrayTaskId") else "")
            if r.get("JobState") != "COMPLETED" or r.get("ExitCode") != "0:0":
                job.problems.append("job %s: %s exit code %s (expected COMPLETED 0:0)"
                                    % (jid, r.get("JobState"), r.get("ExitCode")))
            out = r.get("StdOut")
            if out and os.path.isfile(out):
                job.outputs[jid] = open(out, errors="replace").read()
            else:
                job.problems.append("job %s: no output file %s" % (jid, out))
        if not job.problems:
            if job.kind == "sweep":
                job.problems += check_sweep(job, recs, build, results, same_as_serial)
            elif job.kind == "heat":
                text = "\n".join(job.outputs.values())
                job.problems += check_hosts(text, job.nodes, hostnames(
                    recs[0].get("NodeList", ""), head, env) if recs else [])
                job.problems += rj.heat_job_problems(text, job.ranks, job.threads,
                                                     same_as_serial)
            else:
                job.problems += check_job(job, recs, build, head, env, flavor, same_as_serial,
                                          serial_result)
        detail = ", ".join("%s %s %s" % (r.get("JobId"), r.get("JobState"), r.get("ExitCode"))
                           for r in recs)
        log("%-4s %-48s %s" % ("ok" if not job.problems else "FAIL", job.name, detail))
        if job.problems:
            ok = False
            for prob in job.problems:
                log("       - " + prob)
            for jid, text in job.outputs.items():
                log("       ---- output of job %s:" % jid)
                for line in text.splitlines()[-50:]:
                    log("       | " + line)
    return ok


def hostnames(nodelist, head, env):
    p = rj.run(head + ["scontrol", "show", "hostnames", nodelist], env, check=False)
    return sorted(p.stdout.split())


def check_hosts(text, k, nodelist_hosts):
    """The per-host lines of a job on K nodes: one '# node:' line per node, naming the K
    distinct hosts of the allocation, the shared-machine warning, and layout lines on them."""
    problems = []
    nodes = re.findall(r"^# node: (\S+) ", text, re.M)
    if len(nodes) != k or len(set(nodes)) != k:
        problems.append("expected %d '# node:' lines naming distinct hosts, got %s" % (k, nodes))
    elif sorted(nodes) != nodelist_hosts:
        problems.append("'# node:' lines name %s, the job's nodes are %s"
                        % (sorted(nodes), nodelist_hosts))
    if not re.search(r"^# WARNING: these %d nodes are 1 machine" % k, text, re.M):
        problems.append("no warning that the %d nodes are one machine (times mean nothing)" % k)
    layout = set(re.findall(r"^# layout: task \d+ \(local \d+\) on (\S+) ", text, re.M))
    if sorted(layout) != nodelist_hosts:
        problems.append("'# layout:' lines are on %s, expected one or more on each of %s"
                        % (sorted(layout), nodelist_hosts))
    return problems


def check_job(job, recs, build, head, env, flavor, same_as_serial, serial_result):
    problems = []
    text = "\n".join(job.outputs.values())
    nodelist = hostnames(recs[0].get("NodeList", ""), head, env) if recs else []
    if len(nodelist) != job.nodes:
        problems.append("the job ran on %s, not on %d nodes" % (nodelist, job.nodes))
    problems += check_hosts(text, job.nodes, nodelist)
    if job.kind in ("mpi", "hybrid"):
        if job.launcher == "srun":
            want = "srun --mpi=%s" % ("pmi2" if flavor == "mpich" else "pmix")
        else:
            want = "mpiexec.%s" % flavor
        if not re.search(r"^# launch: .*%s" % re.escape(want), text, re.M):
            problems.append("no '# launch: ... %s' line" % want)
    lines = rj.json_lines(text)
    workloads = rj.built(build, job.kind)
    copies = job.nodes if job.kind in ("serial", "openmp") else 1
    for w in workloads:
        mine = [r for r in lines if r.get("workload") == w]
        if len(mine) != copies:
            problems.append("%s: %d result line(s), expected %d" % (w, len(mine), copies))
        if copies > 1 and len({r.get("host") for r in mine}) != copies:
            problems.append("%s: the %d copies ran on hosts %s, expected %d distinct"
                            % (w, copies, [r.get("host") for r in mine], copies))
    for r in lines:
        what = "%s/%s on %s" % (r.get("workload"), r.get("variant"), r.get("host"))
        if r.get("workload") not in workloads:
            problems.append("%s: unexpected workload" % what)
        if (r.get("variant"), r.get("threads"), r.get("ranks")) != (job.kind, job.threads,
                                                                     job.ranks):
            problems.append("%s: %s threads x %s ranks, expected %s %d x %d"
                            % (what, r.get("threads"), r.get("ranks"), job.kind, job.threads,
                               job.ranks))
        if job.kind in ("mpi", "hybrid") and r.get("oversubscribed") is not False:
            # the request fits every node: a launcher that narrows the CPUs (MPICH's mpiexec
            # under SRUN_CPUS_PER_TASK=1 packed each node's ranks onto one core) shows here
            problems.append("%s: oversubscribed %s on %s cores, though %d x %d fits each node"
                            % (what, r.get("oversubscribed"), r.get("cores"), job.ranks,
                               job.threads))
        if r.get("verified") is not True:
            problems.append("%s: not verified" % what)
        elif not same_as_serial(r):
            problems.append("%s: result %s differs from build/%s_serial's %s"
                            % (what, r.get("result"), r.get("workload"), serial_result(r)))
    return problems


def check_sweep(job, recs, build, results, same_as_serial):
    problems = []
    name = job.env["PARLAB_SWEEP_NAME"]
    workers = [int(w) for w in job.env["PARLAB_SWEEP_WORKERS"].split()]
    path = os.path.join(results, name + ".jsonl")
    if not os.path.isfile(path):
        return ["no records file %s" % path]
    lines = [json.loads(line) for line in open(path) if line.strip()]
    seen = {(r["workload"], r["variant"], r.get("workers") or r["threads"] * r["ranks"])
            for r in lines}
    for wl in rj.built(build, "serial", "openmp", "mpi", among=rj.ARRAYS):
        for v, k in [("serial", 1)] + [(v, k) for v in ("openmp", "mpi") for k in workers]:
            if (wl, v, k) not in seen:
                problems.append("sweep records lack %s %s with %d worker(s)" % (wl, v, k))
    for r in lines:
        if not same_as_serial(r):
            problems.append("sweep record %s/%s/%s: result %s differs from serial's"
                            % (r["workload"], r["variant"], r.get("workers"), r["result"]))
        if r["variant"] == "mpi" and r.get("oversubscribed") is not False:
            problems.append("sweep record %s/mpi/%s: oversubscribed %s on %s cores, though "
                            "its ranks fit the nodes" % (r["workload"], r.get("workers"),
                                                         r.get("oversubscribed"),
                                                         r.get("cores")))
    report = os.path.join(results, name + ".report.txt")
    if not os.path.isfile(report) or os.path.getsize(report) == 0:
        problems.append("collect job wrote no report %s" % report)
    # The sweep spans K nodes for MPI but runs OpenMP on one: the sweep's own output and the
    # report must say so, and the collect job (one CPU of work) must not get -N K too.
    k = job.nodes
    text = "\n".join(t for jid, t in job.outputs.items() if jid != job.ids[-1])
    said = r"WARNING: this sweep has %d nodes .*MPI.*OpenMP" % k
    if len(re.findall(said, text)) != len(workers):
        problems.append("not every array task's output warns that MPI spans %d nodes and "
                        "OpenMP runs on one (/%s/)" % (k, said))
    if os.path.isfile(report) and not re.search(said, open(report).read()):
        problems.append("the report %s does not say that MPI spanned %d nodes and OpenMP ran "
                        "on one (/%s/)" % (report, k, said))
    collect = [r for r in recs if r.get("JobId") == job.ids[-1]]
    if not collect or collect[0].get("NumNodes") != "1":
        problems.append("the collect job has NumNodes=%s, expected 1"
                        % (collect[0].get("NumNodes") if collect else "?"))
    if "can't run" in job.stderr:
        problems.append("jobs/submit.sh passed the sweep's shape to the collect job too: %s"
                        % " / ".join(l for l in job.stderr.splitlines() if "can't run" in l))
    return problems


def pmix_fence_is_barrier(head, env):
    """A PMIx fence without data, across all nodes, must hold every rank until the last one
    arrives: Open MPI's MPI_Init ends with one and relies on it (pmix_barrier.py says why, and
    cluster.sh's mpi.conf sets PMIxCollFence for it).  Rank 1 comes FENCE_DELAY s late."""
    cmd = head + ["srun", "--mpi=pmix", "-N", str(NODES), "-n", str(NODES),
                  "--ntasks-per-node=1", "--cpus-per-task=1", sys.executable,
                  os.path.join(HERE, "pmix_barrier.py"), str(FENCE_DELAY)]
    t0 = time.monotonic()
    p = rj.run(cmd, env, check=False, timeout=60)
    lines = rj.json_lines(p.stdout)
    problems = []
    if p.returncode != 0 or len(lines) != NODES:
        problems.append("srun of pmix_barrier.py: exit %d, %d of %d result lines: %s"
                        % (p.returncode, len(lines), NODES, p.stderr.strip()[-500:]))
    elif len({r["host"] for r in lines}) != NODES:
        problems.append("the %d tasks ran on hosts %s, expected %d distinct"
                        % (NODES, [r["host"] for r in lines], NODES))
    else:
        early = ["rank %d on %s left after %.3f s" % (r["rank"], r["host"], r["waited"])
                 for r in lines if r["rank"] != 1 and r["waited"] < 0.8 * FENCE_DELAY]
        if early:
            problems.append("the fence is no barrier: rank 1 came %.1f s late, but %s (see "
                            "PMIxCollFence in cluster.sh)" % (FENCE_DELAY, "; ".join(early)))
    log("%-4s PMIx fence across node1..node%d is a barrier (rank 1 %.1f s late)   %.1f s"
        % ("ok" if not problems else "FAIL", NODES, FENCE_DELAY, time.monotonic() - t0))
    for prob in problems:
        log("       - " + prob)
    return not problems


def pingpong_across(build, cluster):
    """The ping-pong (comm/pingpong.c) across node1 and node2, one rank each, TCP between the
    namespaces: the command `./parlab pingpong --two-nodes` uses (pharness/pingpong.py), at a
    few sizes and round trips.  Every message is checked by the program; this checks that it
    ran on two hosts and said so.  Its times mean nothing here (SHARED)."""
    binary = os.path.join(build, "pingpong")
    t0 = time.monotonic()
    problems = []
    if not os.access(binary, os.X_OK):
        problems.append("no %s: this build has MPI, so it must have the ping-pong" % binary)
    else:
        argv, env = pingpong.across_nodes_command(cluster.dir, binary, [
            "--max-size", "65536", "--iterations", "10", "--warmup", "2", "--json"])
        try:
            rec = pingpong.run_once(argv, env, binary, timeout=60)
        except pingpong.PingpongError as exc:
            problems.append(str(exc))
        else:
            hosts = {h.get("host"): h.get("ranks") for h in rec.get("hosts") or []}
            if hosts != {"node1": 1, "node2": 1}:
                problems.append("hosts %s, expected one rank on node1 and one on node2" % hosts)
            if rec.get("verified") is not True or len(rec.get("sizes") or []) != 17:
                problems.append("verified %s, %d sizes (expected true, 17)"
                                % (rec.get("verified"), len(rec.get("sizes") or [])))
    log("%-4s ping-pong across node1 and node2 (TCP), 1 B to 64 KiB, every message checked   "
        "%.1f s" % ("ok" if not problems else "FAIL", time.monotonic() - t0))
    for prob in problems:
        log("       - " + prob)
    return not problems


def plain_mpiexec(flavor, build, cluster, env, n, same_as_serial):
    """mpiexec outside Slurm, started on node1, its remote processes started on node1..3 by
    the cluster's ssh stand-in (DIR/bin/rsh enters the node's namespaces)."""
    on = os.path.join(cluster.dir, "bin", "on")
    rsh = os.path.join(cluster.dir, "bin", "rsh")
    launch = dict(env)
    p = rj.run(["bash", os.path.join(os.path.dirname(os.path.dirname(HERE)), "common",
                                     "launch_env.sh"), "--lines"], env)
    launch.update(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
    hosts = ["node%d" % i for i in range(1, NODES + 1)]
    if flavor == "openmpi":
        launch["OMPI_MCA_plm_rsh_agent"] = rsh
        base = ["mpiexec.openmpi"]

        def hostlist(per):
            return ["--host", ",".join("%s:%d" % (h, per) for h in hosts)]
        hybrid_opts = ["--bind-to", "none", "-x", "OMP_NUM_THREADS"]
        how = "Open MPI, OMPI_MCA_plm_rsh_agent=%s" % rsh
    else:
        base = ["mpiexec.mpich", "-launcher", "ssh", "-launcher-exec", rsh]

        def hostlist(per):
            return ["-hosts", ",".join("%s:%d" % (h, per) for h in hosts)]
        hybrid_opts = []
        how = "MPICH Hydra, -launcher ssh -launcher-exec %s" % rsh
    ranks = 2 * NODES
    ok = True
    runs = [("hostname", hostlist(2) + ["-n", str(ranks), "hostname"], None)]
    for w in rj.built(build, "mpi"):
        runs.append(("%s_mpi" % w, hostlist(2) + [
            "-n", str(ranks), os.path.join(build, w + "_mpi")] + rj.size_args(w, n) + [
            "--repeat", "1", "--expect-ranks", str(ranks), "--json"], (1, ranks)))
    for w in rj.built(build, "hybrid"):
        runs.append(("%s_hybrid" % w, hostlist(1) + hybrid_opts + [
            "-n", str(NODES), os.path.join(build, w + "_hybrid")] + rj.size_args(w, n) + [
            "--repeat", "1", "--expect-ranks", str(NODES), "--expect-threads", "2", "--json"],
            (2, NODES)))
    # Uneven: 1 rank on node1, 3 on node2's 2 CPUs.  Only node2 is oversubscribed, and the
    # verdict must come from it, not from rank 0's node1.
    uneven = {"node1": 1, "node2": 3}
    spread = ",".join("%s:%d" % kv for kv in uneven.items())
    first = rj.built(build, "mpi")[0]
    runs.append(("uneven %s_mpi" % first, (["--host", spread] if flavor == "openmpi" else
                                           ["-hosts", spread]) + [
        "-n", "4", os.path.join(build, first + "_mpi")] + rj.size_args(first, n) + [
        "--repeat", "1", "--expect-ranks", "4", "--json"], (1, 4)))
    for name, argv, shape in runs:
        cmd = [on, "node1"] + base + argv
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, env=dict(launch, OMP_NUM_THREADS="2"),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=60)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as exc:
            out, err, rc = exc.stdout or "", "timed out after 60 s", -1
            out = out.decode() if isinstance(out, bytes) else out
        problems = []
        if rc != 0:
            problems.append("exit status %d: %s" % (rc, err.strip()[-500:]))
        elif shape is None:
            got = sorted(out.split())
            if got != sorted(hosts * 2):
                problems.append("hostname on %d ranks printed %s, expected each of %s twice"
                                % (ranks, got, hosts))
        else:
            lines = rj.json_lines(out)
            if len(lines) != 1:
                problems.append("expected one JSON line, got %d" % len(lines))
            for r in lines:
                # every host, with its ranks: the program's view of the run (not rank 0's host)
                listed = {h.get("host"): h.get("ranks") for h in r.get("hosts") or []}
                want = uneven if name.startswith("uneven") else \
                    {h: shape[1] // NODES for h in hosts}
                if listed != want:
                    problems.append("the JSON line lists hosts %s, expected %s" % (listed, want))
                if r.get("oversubscribed") is not name.startswith("uneven"):
                    problems.append("oversubscribed=%s, but %s" % (
                        r.get("oversubscribed"), "node2 has 3 ranks on 2 CPUs"
                        if name.startswith("uneven") else "no node has more ranks than CPUs"))
                if (r.get("threads"), r.get("ranks")) != shape:
                    problems.append("%s threads x %s ranks, expected %d x %d"
                                    % (r.get("threads"), r.get("ranks"), shape[0], shape[1]))
                if r.get("verified") is not True or not same_as_serial(r):
                    problems.append("result %s (verified %s) is not serial's"
                                    % (r.get("result"), r.get("verified")))
        log("%-4s plain mpiexec across node1..node%d: %-16s %.1f s (%s)"
            % ("ok" if not problems else "FAIL", NODES, name, time.monotonic() - t0, how))
        for prob in problems:
            log("       - " + prob)
        ok = ok and not problems
    return ok


if __name__ == "__main__":
    sys.exit(main())
