"""`./parlab pingpong`: the measured cost of a message, and the alpha-beta (Hockney) model fitted
to it.

Why here: the ping-pong program (comm/pingpong.c) measures; this module runs it through the one
launcher (launch.py), fits T(m) = alpha + m / beta to its medians, prints both, and draws them.
With --two-nodes it also runs the program across two nodes of the test cluster (network
namespaces joined by TCP, tests/slurm/cluster.sh), so that shared memory and TCP sit side by
side.  docs/messages.md explains the model and holds the figures measured here.

The fit: weighted least squares of the *relative* error, i.e. minimise
sum(((alpha + m/beta) - T) / T)^2 over every measured size.  Why relative: the medians span from
under a microsecond to milliseconds; plain least squares fits the largest sizes only and leaves
alpha to their noise (negative in five of the nine runs docs/messages.md quotes), while the
relative error weighs a 1-byte message as much as a 4 MiB one.  Small sizes then set alpha and large ones set beta, without choosing a
cut-off by hand.  The per-size relative residuals are printed: where they are large, one straight
line is not the whole story (e.g. the eager-to-rendezvous switch of the MPI library).
"""
import json
import os
import sys
import tempfile
import time

from . import launch, plots, provenance

PROGRAM = "pingpong"
TIMEOUT = 300.0


class PingpongError(Exception):
    """A run that gave no usable measurement: the message says why, in one line."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def program_args(opts):
    """The program's own options, as given to `./parlab pingpong` (None: the program's default)."""
    args = []
    for flag in ("min_size", "max_size", "iterations", "warmup"):
        value = getattr(opts, flag, None)
        if value is not None:
            args += ["--" + flag.replace("_", "-"), str(value)]
    return args + ["--json"]


def run_once(argv, env, binary, timeout=TIMEOUT):
    """One launch; the program's JSON line as a dict, or PingpongError."""
    try:
        code, out, err, _ = launch.run(argv, env, timeout, watch=binary, deadlock_check=False)
    except launch.LaunchError as exc:
        raise PingpongError("%s: %s" % (" ".join(argv), exc))
    lines = [l for l in err.splitlines() if l.strip()]
    if code != 0:
        # The program has said why in one line (bad input: 2; a corrupted message: 1)
        said = lines[-1] if lines else "(nothing on stderr)"
        how = launch.describe_exit(code)
        raise PingpongError(said if how in said else "%s (%s)" % (said, how),
                            status=2 if code == 2 else 1)
    try:
        return launch.parse_json_line(out, err, code)
    except launch.LaunchError as exc:
        raise PingpongError(str(exc))


# parlab's launch environment makes Open MPI's waiting ranks yield their core
# (OMPI_MCA_mpi_yield_when_idle=1, common/launch_env.sh): right when ranks outnumber the cores,
# but every wait for a message then goes through the scheduler, and on the 2-core test machine
# that doubled the shared-memory alpha (docs/messages.md).  A message's cost on a cluster, where
# every rank has its core and spins, is measured without it, unless the ranks are
# oversubscribed or --yield asks for parlab's usual setting.
YIELD = "OMPI_MCA_mpi_yield_when_idle"


def yield_setting(env, oversubscribed, yield_when_idle):
    env[YIELD] = "1" if oversubscribed or yield_when_idle else "0"
    return env


def local_command(binary, args, mpiexec=None, yield_when_idle=False):
    """(argv, env) for 2 ranks on this machine, through the launcher that matches the library."""
    flavor = launch.mpi_flavor_of_binary(binary)
    launcher = mpiexec or launch.find_launcher(flavor)
    oversubscribed = len(os.sched_getaffinity(0)) < 2
    argv, env = launch.command("mpi", binary, args, ranks=2, oversubscribed=oversubscribed,
                               launcher=launcher,
                               flavor=launch.flavor_of_launcher(launcher) or flavor)
    return argv, yield_setting(env, oversubscribed, yield_when_idle)


def fit(sizes):
    """alpha (seconds) and beta (bytes per second) of T(m) = alpha + m / beta, by least squares
    of the relative error over every size (module docstring: why relative).  sizes: the
    program's "sizes" list.  Returns a dict, with each size's relative residual
    (model - measured) / measured, or None when fewer than two sizes or a non-positive result
    (the model does not describe these times)."""
    points = [(float(s["bytes"]), float(s["latency_median"])) for s in sizes
              if s.get("latency_median", 0) > 0]
    if len({m for m, _ in points}) < 2:
        return None
    # minimise sum(w (a + m x - T)^2) with w = 1/T^2: the 2x2 normal equations
    s00 = s01 = s11 = r0 = r1 = 0.0
    for m, t in points:
        w = 1.0 / (t * t)
        s00 += w
        s01 += w * m
        s11 += w * m * m
        r0 += w * t
        r1 += w * m * t
    det = s00 * s11 - s01 * s01
    if det <= 0:
        return None
    alpha = (r0 * s11 - r1 * s01) / det
    slope = (s00 * r1 - s01 * r0) / det  # seconds per byte: 1/beta
    if alpha <= 0 or slope <= 0:
        return None
    residuals = [((alpha + m * slope) - t) / t for m, t in points]
    worst = max(range(len(points)), key=lambda i: abs(residuals[i]))
    ordered = sorted(abs(r) for r in residuals)
    return {"alpha": alpha, "beta": 1.0 / slope, "method": "least squares of the relative error",
            "sizes": [int(m) for m, _ in points], "residuals": residuals,
            "median_abs_residual": ordered[len(ordered) // 2],
            "max_abs_residual": abs(residuals[worst]), "worst_size": int(points[worst][0]),
            # the size at which the two terms are equal: alpha = m / beta
            "half_size": alpha / slope}


def size_text(n):
    n = int(n)
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d %s" % (n >> shift, unit)
    return "%d B" % n


def where_text(rec):
    hosts = rec.get("hosts") or []
    return ", ".join("%s: %d rank%s, %d usable core%s" % (
        h.get("host"), h.get("ranks", 0), "" if h.get("ranks") == 1 else "s", h.get("cpus", 0),
        "" if h.get("cpus") == 1 else "s") for h in hosts)


def report_text(title, rec, result):
    """The table, one line per size, with the model's time and its relative residual."""
    out = ["%s: 2 ranks on %d host%s (%s)" % (title, len(rec.get("hosts") or []),
                                              "" if len(rec.get("hosts") or []) == 1 else "s",
                                              where_text(rec)),
           "  %s" % rec.get("mpi_library", "?"),
           "%10s %7s %10s %10s %10s %11s %10s %9s" % ("bytes", "trips", "min us", "median us",
                                                      "max us", "GB/s median", "model us",
                                                      "residual")]
    residual = dict(zip(result["sizes"], result["residuals"])) if result else {}
    for s in rec["sizes"]:
        model = ""
        if result:
            model = "%10.3f %8.1f%%" % ((result["alpha"] + s["bytes"] / result["beta"]) * 1e6,
                                        100 * residual[s["bytes"]])
        out.append("%10d %7d %10.3f %10.3f %10.3f %11.4g %s" % (
            s["bytes"], s["iterations"], s["latency_min"] * 1e6, s["latency_median"] * 1e6,
            s["latency_max"] * 1e6, s["bandwidth_gbs"], model))
    if result:
        out.append("alpha = %.3g us, beta = %.3g GB/s  (T(m) = alpha + m/beta fitted to the "
                   "medians of all %d sizes, %s to %s, by least squares of the relative error)"
                   % (result["alpha"] * 1e6, result["beta"] / 1e9, len(result["sizes"]),
                      size_text(result["sizes"][0]), size_text(result["sizes"][-1])))
        out.append("relative residuals (model - measured) / measured: median |r| %.0f%%, "
                   "largest %+.0f%% at %s; alpha = m/beta at m = %s bytes"
                   % (100 * result["median_abs_residual"],
                      100 * residual[result["worst_size"]], size_text(result["worst_size"]),
                      "%.3g" % result["half_size"]))
    else:
        out.append("no fit: the medians do not follow alpha + m/beta with positive alpha and "
                   "beta (too few sizes, or too noisy)")
    if rec.get("oversubscribed"):
        out.append("NOTE: oversubscribed (more ranks than usable cores on a host): a rank waits "
                   "for the core as well as for the message; these times are not valid for the "
                   "model")
    return "\n".join(out) + "\n"


def _ticks(lo, hi):
    ticks, m = [], 1
    while m <= hi:
        if m >= lo:
            ticks.append(m)
        m *= 16
    return ", ".join('"%s" %d' % (size_text(t).replace(" ", ""), t) for t in ticks)


COLORS = ["#d62728", "#1f77b4", "#2ca02c"]


def draw(series, outdir, name, subtitle):
    """series: [(title, record, fit)].  Draws NAME.png and NAME.svg (with NAME.dat and NAME.gp to
    redraw them) in outdir: the one-way time against the size, and the bandwidth against the
    size, log axes, the fit as a line.  Returns the files drawn."""
    exe, png = plots._gnuplot()
    os.makedirs(outdir, exist_ok=True)
    blocks = []
    for title, rec, _ in series:
        rows = ["# %s: bytes min_us median_us max_us gbs_median" % title]
        for s in rec["sizes"]:
            rows.append("%d %.6g %.6g %.6g %.6g" % (s["bytes"], s["latency_min"] * 1e6,
                                                    s["latency_median"] * 1e6,
                                                    s["latency_max"] * 1e6, s["bandwidth_gbs"]))
        blocks.append("\n".join(rows))
    with open(os.path.join(outdir, name + ".dat"), "w", encoding="utf-8") as fh:
        fh.write("\n\n\n".join(blocks) + "\n")
    lo = min(s["bytes"] for _, rec, _ in series for s in rec["sizes"])
    hi = max(s["bytes"] for _, rec, _ in series for s in rec["sizes"])
    # A rank that lost its core for a time slice makes a max of milliseconds; the bars are cut
    # at 30 times the largest median so that the medians stay readable.
    tmin = min(s["latency_min"] for _, rec, _ in series for s in rec["sizes"]) * 1e6
    tmax = max(s["latency_median"] for _, rec, _ in series for s in rec["sizes"]) * 1e6
    body = ["reset",
            "set multiplot layout 1,2 title %s" % plots._q(
                "ping-pong between 2 MPI ranks: one-way time = half a round trip\n" + subtitle),
            "set logscale x 2", "set xrange [%g:%g]" % (lo / 1.5, hi * 1.5),
            "set xtics (%s)" % _ticks(lo, hi), "set grid", "set xlabel \"message size\"",
            "set key top left box opaque", "set logscale y 10", "set format y \"%g\"",
            "set yrange [%g:%g]" % (tmin / 2, tmax * 30),
            "set ylabel \"one-way time, us (median; bars min to max, cut at the top)\""]
    lines = []
    for i, (title, _, result) in enumerate(series):
        color = plots._q(COLORS[i % len(COLORS)])
        # each series a little to the right of the one before, so that their bars do not hide
        # each other
        lines.append("%s index %d using ($1*%g):3:2:4 with yerrorbars pt 7 ps 0.8 lc rgb %s "
                     "title %s" % (plots._q(name + ".dat"), i, 1.12 ** i, color,
                                   plots._q(title)))
        if result:
            lines.append("%.6g + x / %.6g with lines lw 2 dt 2 lc rgb %s title %s"
                         % (result["alpha"] * 1e6, result["beta"] / 1e6, color, plots._q(
                             "fit: alpha %.3g us + m / (%.3g GB/s)"
                             % (result["alpha"] * 1e6, result["beta"] / 1e9))))
    body.append("plot " + ", \\\n     ".join(lines))
    body += ["set yrange [*:*]", "set ylabel \"bandwidth, GB/s (bytes / median one-way time)\"",
             "set key bottom right box opaque"]
    lines = []
    for i, (title, _, result) in enumerate(series):
        color = plots._q(COLORS[i % len(COLORS)])
        lines.append("%s index %d using 1:5 with linespoints pt 7 ps 0.8 lc rgb %s title %s"
                     % (plots._q(name + ".dat"), i, color, plots._q(title)))
        if result:
            lines.append("x / (%.6g + x / %.6g) / 1e3 with lines lw 2 dt 2 lc rgb %s title %s"
                         % (result["alpha"] * 1e6, result["beta"] / 1e6, color, plots._q(
                             "fit: m / (alpha + m/beta), beta = %.3g GB/s"
                             % (result["beta"] / 1e9))))
    body.append("plot " + ", \\\n     ".join(lines))
    body.append("unset multiplot")
    script = ["# parlab pingpong: %s\n# redraw: cd to this directory, then: gnuplot %s.gp"
              % (subtitle, name)]
    for term, ext in (("%s noenhanced size 1400,560 font \"sans,10\"" % png, "png"),
                      ("svg noenhanced size 1400,560 dynamic font \"sans,10\"", "svg")):
        script += ["set terminal " + term, "set output %s" % plots._q(name + "." + ext)] + body
    with open(os.path.join(outdir, name + ".gp"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(script + ["set output", ""]))
    return plots._draw(exe, outdir, name)


def two_node_run(binary, args, timeout=TIMEOUT, yield_when_idle=False):
    """The program across node1 and node2 of a throwaway test cluster (tests/slurm/cluster.sh:
    network namespaces on this machine, TCP between them), one rank on each, started by the
    library's own mpiexec with the cluster's ssh stand-in, as the multinode suite does.  The
    cluster is started and stopped here.  Returns the program's JSON line."""
    here = os.path.join(launch.REPO_ROOT, "tests", "slurm")
    sys.path.insert(0, here)
    import run_jobs as rj  # noqa: E402  (the test cluster: one copy of its machinery)
    scratch = tempfile.mkdtemp(prefix="parlab-pingpong-nodes-")
    os.chmod(scratch, 0o711)  # munged wants its socket's directories searchable by all
    cluster = rj.Cluster(scratch, nodes=2)
    got = {}

    def body():
        argv, env = across_nodes_command(cluster.dir, binary, args, yield_when_idle)
        got["record"] = run_once(argv, env, binary, timeout)
        return True

    def quiet(message=""):
        sys.stderr.write(message + "\n" if message else "")
    rj.log = quiet  # the cluster's start and stop lines go to stderr, not into the table
    ok = rj.on_cluster(cluster, scratch, False, body)
    if ok == rj.SKIP:
        raise PingpongError("--two-nodes: the test cluster cannot start here (it needs root, "
                            "Slurm and munge, and a kernel that allows network namespaces: "
                            "tests/slurm/cluster.sh)", status=2)
    if "record" not in got:
        raise PingpongError("--two-nodes: the run across the test cluster's nodes failed "
                            "(see the lines above)")
    return got["record"]


def across_nodes_command(cluster_dir, binary, args, yield_when_idle=False):
    """(argv, env): mpiexec on node1, one rank on node1 and one on node2."""
    flavor = launch.mpi_flavor_of_binary(binary)
    on = os.path.join(cluster_dir, "bin", "on")
    rsh = os.path.join(cluster_dir, "bin", "rsh")
    env = yield_setting(launch.mpi_launch_env(False), False, yield_when_idle)
    if flavor == "mpich":
        argv = ["mpiexec.mpich", "-launcher", "ssh", "-launcher-exec", rsh,
                "-hosts", "node1:1,node2:1"]
    else:
        env["OMPI_MCA_plm_rsh_agent"] = rsh
        argv = ["mpiexec.openmpi", "--host", "node1:1,node2:1"]
    return [on, "node1"] + argv + ["-n", "2", binary] + list(args), env


def save(outdir, name, series, launcher=None, notes=()):
    """NAME.json: every run's program line, its fit and where it ran (provenance)."""
    path = os.path.join(outdir, name + ".json")
    os.makedirs(outdir, exist_ok=True)
    prov = provenance.record_provenance(provenance.host_provenance(launch.REPO_ROOT),
                                        series[0][1], launcher,
                                        provenance.launcher_version(launcher))
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"runs": [{"title": t, "program": rec, "fit": result}
                            for t, rec, result in series],
                   "notes": [n for n in notes if n], "provenance": prov,
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, fh, indent=1)
        fh.write("\n")
    return path


def busy_note():
    """A line when, before the run, fewer than 2 of the usable cores were free (the 1-minute load
    average of other work): the 2 ranks then share cores with it, as oversubscribed ranks share
    theirs, and their waits include the scheduler's.  None when 2 were free."""
    cores = len(os.sched_getaffinity(0))
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    if cores - load >= 2:
        return None
    return ("NOTE: oversubscribed in effect: the 1-minute load average was %.2f on %d usable "
            "cores before the run, so fewer than 2 cores were free for the 2 ranks; their times "
            "include waiting for a core, not only for the message" % (load, cores))


def main(opts, write=sys.stdout.write):
    """`./parlab pingpong`.  Exit status: 0 measured (and fitted), 1 a failed or corrupted run,
    2 bad usage."""
    binary = os.path.join(opts.build, PROGRAM)
    if not os.access(binary, os.X_OK):
        raise PingpongError("no %s in %s: build parlab with MPI (./parlab build)"
                            % (PROGRAM, opts.build), status=2)
    if opts.two_nodes and os.geteuid() != 0:
        raise PingpongError("--two-nodes: the test cluster needs root", status=2)
    args = program_args(opts)
    series = []
    crowded = busy_note()
    argv, env = local_command(binary, args, opts.mpiexec, opts.yield_when_idle)
    write("$ %s=%s %s\n" % (YIELD, env[YIELD], " ".join(argv)))
    rec = run_once(argv, env, binary, opts.timeout)
    result = fit(rec["sizes"])
    series.append(("shared memory (1 host)", rec, result))
    write(report_text("shared memory", rec, result))
    if opts.two_nodes:
        write("\n$ (test cluster: tests/slurm/cluster.sh start DIR 2) mpiexec across node1 and "
              "node2\n")
        rec2 = two_node_run(binary, args, opts.timeout, opts.yield_when_idle)
        result2 = fit(rec2["sizes"])
        series.append(("TCP across 2 nodes (namespaces)", rec2, result2))
        write(report_text("TCP between two nodes of the test cluster (network namespaces on "
                          "this one machine)", rec2, result2))
        if result and result2:
            write("\nTCP against shared memory: alpha %.1f times larger, beta %.1f times smaller\n"
                  % (result2["alpha"] / result["alpha"], result["beta"] / result2["beta"]))
    if crowded:
        write(crowded + "\n")
    write("NOTE: timings on a shared machine are noisy; the fit and the table are one "
          "measurement, not a benchmark (docs/messages.md)\n")
    if opts.out:
        name = "pingpong" + ("-two-nodes" if opts.two_nodes else "")
        files = [save(opts.out, name, series, argv[0], [crowded])]
        if opts.plot:
            try:
                files += draw(series, opts.out, name, "%s; %s" % (
                    rec.get("host"), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
            except plots.PlotError as exc:
                raise PingpongError("plot: %s" % exc)
        for f in files:
            write("wrote %s\n" % f)
    return 0
