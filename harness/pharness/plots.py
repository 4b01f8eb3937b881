"""Every figure parlab draws, with gnuplot, as PNG and SVG: the bench's speedup, efficiency and
time against workers (all variants on the same axes), and perf's GB/s against workers under the
bandwidth probe's roof; and the heat capstone's field fading, as an animated GIF.  Next to each
figure the harness leaves the data file (.dat) and the gnuplot script (.gp):
`cd DIR && gnuplot NAME.gp` redraws it."""
import math
import os
import shutil
import statistics
import struct
import subprocess
import tempfile

from . import contracts, launch, report

COLORS = {"serial": "#555555", "openmp": "#1f77b4", "mpi": "#d62728", "hybrid": "#2ca02c"}
POINTS = {"openmp": 7, "mpi": 5, "hybrid": 9}


class PlotError(Exception):
    pass


def _gnuplot():
    exe = shutil.which("gnuplot")
    if not exe:
        raise PlotError("gnuplot not found (Debian: apt-get install gnuplot-nox)")
    try:
        out = subprocess.run([exe, "-e", "set terminal"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                             check=False).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PlotError("cannot run gnuplot: %s" % exc)
    terms = {line.split()[0] for line in out.splitlines() if line.strip()}
    png = "pngcairo" if "pngcairo" in terms else ("png" if "png" in terms else None)
    if not png or "svg" not in terms:
        raise PlotError("gnuplot lacks the png/pngcairo or svg terminal")
    return exe, png


def _q(text):
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"%s"' % text


def data_text(group):
    """One block per variant (separated by two blank lines, for gnuplot's `index`)."""
    blocks, order = [], []
    for variant in ("openmp", "mpi", "hybrid"):
        rows = [r for r in group.rows if r.variant == variant]
        if not rows:
            continue
        lines = ["# %s: workers speedup efficiency time_median low high (the median's 95%% CI, "
                 "or min-max with too few repetitions) oversubscribed ranks threads" % variant]
        for r in rows:
            low, high = r.ci or (r.time_min, r.time_max)
            lines.append("%d %s %s %.9g %.9g %.9g %d %d %d" % (
                r.workers, "NaN" if r.speedup is None else "%.6g" % r.speedup,
                "NaN" if r.efficiency is None else "%.6g" % r.efficiency,
                r.time_median, low, high, 1 if r.oversubscribed else 0,
                r.ranks, r.threads))
        blocks.append("\n".join(lines))
        order.append(variant)
    serial = [r for r in group.rows if r.variant == "serial"]
    if serial:
        r = serial[0]
        low, high = r.ci or (r.time_min, r.time_max)
        blocks.append("# serial: workers speedup efficiency time_median low high\n"
                      "1 %s %s %.9g %.9g %.9g 0 1 1" % (
                          "NaN" if r.speedup is None else "%.6g" % r.speedup,
                          "NaN" if r.efficiency is None else "%.6g" % r.efficiency,
                          r.time_median, low, high))
        order.append("serial")
    return "\n\n\n".join(blocks) + "\n", order


def script_text(group, name, order, png_term):
    workers = sorted({r.workers for r in group.rows})
    wmax = max(workers)
    cores = group.prov.get("cores")
    effmax = max([r.efficiency or 0 for r in group.rows] + [1.0])
    dat = name + ".dat"
    over = any(r.oversubscribed for r in group.rows)

    def series(col):
        out = []
        for i, v in enumerate(order):
            if v == "serial":
                continue
            out.append("%s index %d using 1:%s with linespoints lw 2 pt %d ps 1.3 lc rgb %s "
                       "title %s" % (_q(dat), i, col, POINTS.get(v, 7),
                                     _q(COLORS.get(v, "black")), _q(v)))
        return out

    def over_marks(col):
        if not over:
            return []
        return ["%s using 1:($7 > 0 ? $%s : 1/0) with points pt 6 ps 3 lw 1.5 lc rgb "
                "\"black\" title \"oversubscribed\"" % (_q(dat), col)]

    body = ["reset"]
    body.append("set multiplot layout 1,3 title %s" % _q(group.title() + "\n" + group.machine()))
    body.append("set logscale x 2")
    body.append("set xrange [0.8:%g]" % (wmax * 1.25))
    body.append("set xtics (%s)" % ", ".join(str(w) for w in workers))
    body.append("set grid")
    body.append("set key top left box opaque")
    body.append("set xlabel \"workers (threads, ranks, or ranks x threads)\"")
    if cores:
        body.append("set arrow 1 from %d, graph 0 to %d, graph 1 nohead dt 2 lc rgb \"gray50\""
                    % (cores, cores))
        body.append("set label 1 \"%d cores\" at %d, graph 0.04 offset 0.4,0 tc rgb \"gray40\""
                    % (cores, cores))
    # panel 1: speedup, on log-log axes: the ideal speedup = workers is then a straight line
    body.append("set ylabel \"speedup over %s (median times; log scale)\"" % (
        group.base.name() if group.base else "serial"))
    body.append("set logscale y 2")
    body.append("set yrange [%g:%g]" % (min([0.5] + [r.speedup / 1.25 for r in group.rows
                                                     if r.speedup]),
                                        max([wmax] + [r.speedup * 1.25 for r in group.rows
                                                      if r.speedup])))
    body.append("plot " + ", \\\n     ".join(
        ["x with lines dt 2 lw 1.5 lc rgb \"black\" title \"ideal (= workers)\""]
        + series("2") + over_marks("2")))
    # panel 2: efficiency
    body.append("unset logscale y")
    body.append("set ylabel \"parallel efficiency (speedup / workers)\"")
    body.append("set key bottom left box opaque")
    body.append("set yrange [0:%g]" % round(effmax * 115))
    body.append("set format y \"%.0f%%\"; set ytics autofreq")
    body.append("plot " + ", \\\n     ".join(
        ["100 with lines dt 2 lw 1.5 lc rgb \"black\" title \"ideal (100%)\""]
        + series("($3*100)")
        + over_marks("3*100")))
    body.append("set format y \"%g\"")
    # panel 3: time
    body.append("set ylabel \"time, seconds (median; bars: its 95% confidence interval)\"")
    body.append("set yrange [*:*]")
    body.append("set logscale y")
    body.append("set key top right box opaque")
    lines = []
    if group.t_serial:
        lines.append("%.9g/x with lines dt 2 lw 1.5 lc rgb \"black\" title \"ideal (%s / "
                     "workers)\"" % (group.t_serial, group.base.name()))
    for i, v in enumerate(order):
        if v == "serial":
            lines.append("%s index %d using 1:4:5:6 with yerrorbars pt 13 ps 1.5 lc rgb %s "
                         "title \"serial\"" % (_q(dat), i, _q(COLORS["serial"])))
        else:
            lines.append("%s index %d using 1:4:5:6 with yerrorlines lw 2 pt %d ps 1.3 lc rgb %s "
                         "title %s" % (_q(dat), i, POINTS.get(v, 7), _q(COLORS.get(v, "black")),
                                       _q(v)))
    lines += over_marks("4")
    body.append("plot " + ", \\\n     ".join(lines))
    body.append("unset multiplot")
    body = "\n".join(body) + "\n"

    head = ("# parlab: %s\n# %s\n# redraw: cd to this directory, then: gnuplot %s.gp\n"
            % (group.title(), group.machine(), name))
    out = head
    out += ("set terminal %s noenhanced size 1500,500 font \"sans,10\"\nset output %s\n"
            % (png_term, _q(name + ".png"))) + body
    out += ("set terminal svg noenhanced size 1500,500 dynamic font \"sans,10\"\n"
            "set output %s\n" % _q(name + ".svg")) + body
    out += "set output\n"
    return out


def plot_groups(groups, outdir):
    exe, png = _gnuplot()
    os.makedirs(outdir, exist_ok=True)
    files, used = [], set()
    for g in groups:
        if not any(r.variant != "serial" for r in g.rows):
            continue
        name = g.slug()
        k = 2
        while name in used:
            name = "%s_%d" % (g.slug(), k)
            k += 1
        used.add(name)
        dat, order = data_text(g)
        with open(os.path.join(outdir, name + ".dat"), "w", encoding="utf-8") as fh:
            fh.write("# %s\n# %s\n" % (g.title(), g.machine()) + dat)
        with open(os.path.join(outdir, name + ".gp"), "w", encoding="utf-8") as fh:
            fh.write(script_text(g, name, order, png))
        files += _draw(exe, outdir, name)
    return files


def _draw(exe, outdir, name):
    """Runs NAME.gp in outdir; returns the PNG and SVG it drew."""
    try:
        proc = subprocess.run([exe, name + ".gp"], cwd=outdir, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                              check=False)
    except subprocess.TimeoutExpired:
        raise PlotError("gnuplot timed out on %s" % os.path.join(outdir, name + ".gp"))
    if proc.returncode != 0:
        raise PlotError("gnuplot failed on %s: %s" % (
            os.path.join(outdir, name + ".gp"),
            proc.stderr.decode("utf-8", "replace").strip()[-500:]))
    return [os.path.join(outdir, name + ext) for ext in (".png", ".svg")]


# perf: GB/s against workers, one figure per workload (every GB/s measurement perf made,
# grouped by its workload), with the probe's kernels as roofs.
PERF_VARIANT_ORDER = ("openmp", "mpi", "hybrid", "serial", "numpy")
PERF_VARIANT_TITLES = {"openmp": "OpenMP", "mpi": "MPI", "hybrid": "hybrid", "serial": "serial"}


def perf_series(meta):
    """{workload: [(key without _wN, title)]} of perf's GB/s measurements at a worker count
    (meta: perf's Collector.meta), the probe's roofs left out (PERF_ROOFS draws them)."""
    series = {}
    for key, m in meta.items():
        base, _, workers = key.rpartition("_w")
        if m.get("unit") != "GB/s" or not workers.isdigit() or m.get("workload") in (None,
                                                                                     "probe"):
            continue
        if m.get("variant") in PERF_VARIANT_TITLES:
            title = " ".join(x for x in (m["workload"], PERF_VARIANT_TITLES[m["variant"]],
                                         m.get("method")) if x)
        else:
            title = m["label"]
        lines = series.setdefault(m["workload"], [])
        if (base, title) not in lines:
            lines.append((base, title))
    for lines in series.values():
        lines.sort(key=lambda line: PERF_VARIANT_ORDER.index(meta_variant(meta, line[0])))
    return series


def meta_variant(meta, base):
    m = next(m for k, m in meta.items() if k.rpartition("_w")[0] == base)
    v = m.get("variant")
    return v if v in PERF_VARIANT_ORDER else "numpy"


PERF_ROOFS = [("probe_triad", "probe: triad (roof)"), ("probe_read", "probe: read-only sum")]


def perf_plots(values, meta, workers, outdir, subtitle):
    """values: {KEY_wW: [GB/s per round]}, meta: {KEY_wW: {unit, workload, variant, method,
    label}}.  Returns the files drawn."""
    exe, png = _gnuplot()
    os.makedirs(outdir, exist_ok=True)
    made = []
    for workload, lines in perf_series(meta).items():
        cols = PERF_ROOFS + [(k, t) for k, t in lines
                             if any("%s_w%d" % (k, w) in values for w in range(1, workers + 1))]
        data = ["# workers " + " ".join("%s_med %s_min %s_max" % (k, k, k) for k, _ in cols)]
        for w in range(1, workers + 1):
            row = [str(w)]
            for key, _ in cols:
                vals = values.get("%s_w%d" % (key, w))
                row += (["%.3f" % statistics.median(vals), "%.3f" % min(vals),
                         "%.3f" % max(vals)] if vals else ["NaN"] * 3)
            data.append(" ".join(row))
        name = "%s-gbs-vs-workers" % workload
        with open(os.path.join(outdir, name + ".dat"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(data) + "\n")
        series = []
        for i, (key, title) in enumerate(cols):
            c = 2 + 3 * i
            style = "yerrorlines lw 2 pt 7 lc %d" % (i + 1)
            if key.startswith("probe"):
                style += " dashtype 2"
            series.append("%s using 1:%d:%d:%d title %s with %s"
                          % (_q(name + ".dat"), c, c + 1, c + 2, _q(title), style))
        body = ["set title %s" % _q("%s: GB/s against workers, the probe as the roof (%s)"
                                    % (workload, subtitle)),
                "set xlabel \"workers (threads or ranks)\"", "set ylabel \"GB/s\"",
                "set xrange [0.5:%g]" % (workers + 0.5), "set xtics 1", "set yrange [0:*]",
                "set key bottom right", "set grid", "plot " + ", \\\n     ".join(series)]
        made += _script_and_draw(exe, png, outdir, name, "parlab perf: " + workload, body)
    return made


def _script_and_draw(exe, png, outdir, name, what, body):
    """Writes NAME.gp (BODY drawn as a PNG and an SVG, 900 x 600) and runs it."""
    script = ["# %s\n# redraw: cd to this directory, then: gnuplot %s.gp" % (what, name)]
    for term, ext in (("%s size 900,600 noenhanced" % png, "png"),
                      ("svg size 900,600 noenhanced", "svg")):
        script += ["set terminal " + term, "set output %s" % _q(name + "." + ext)] + body
    with open(os.path.join(outdir, name + ".gp"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(script + ["set output", ""]))
    return _draw(exe, outdir, name)


def plot_weak(tables, outdir):
    """bench --scaling weak: per row, the weak-scaling efficiency of every variant against the
    workers (report.weak_tables), 100% the ideal.  Returns the files drawn."""
    if not tables:
        return []
    exe, png = _gnuplot()
    os.makedirs(outdir, exist_ok=True)
    made = []
    for t in tables:
        name = "%s_weak" % t["row"]
        data = ["# workers size " + " ".join("%s_efficiency" % v for v in t["variants"])]
        for line in t["rows"]:
            data.append("%d %s %s" % (line["workers"], _q(line["size"] or "-"), " ".join(
                "NaN" if not line.get(v) else "%.6g" % line[v][1] for v in t["variants"])))
        with open(os.path.join(outdir, name + ".dat"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(data) + "\n")
        wmax = max(line["workers"] for line in t["rows"])
        series = ["100 title \"ideal (100%)\" with lines dashtype 2 lc rgb \"black\""]
        for i, v in enumerate(t["variants"]):
            series.append("%s using 1:(100*$%d) title %s with linespoints lw 2 pt 7 lc %d"
                          % (_q(name + ".dat"), 3 + i, _q(v), i + 1))
        body = ["set title %s" % _q("%s: weak scaling, p workers on p times %s\nefficiency = "
                                    "serial time at that size / time at p times it"
                                    % (t["row"], t["base"])),
                "set xlabel \"workers (threads, ranks, or ranks x threads)\"",
                "set ylabel \"weak-scaling efficiency (%)\"",
                "set xrange [0.5:%g]" % (wmax + 0.5), "set xtics 1", "set yrange [0:*]",
                "set key bottom left", "set grid"]
        fits = [line["workers"] for line in t["rows"] if not line.get("oversubscribed")]
        if fits and max(fits) < wmax:   # where the cores end: right of it, runs take turns
            body += ["set arrow from %g, graph 0 to %g, graph 1 nohead dashtype 3 lc rgb "
                     "\"gray\"" % (max(fits), max(fits)),
                     "set label \"%d cores: oversubscribed beyond\" at %g, graph 0.95 offset "
                     "0.5,0" % (max(fits), max(fits))]
        body.append("plot " + ", \\\n     ".join(series))
        made += _script_and_draw(exe, png, outdir, name,
                                 "parlab bench --scaling weak: " + t["row"], body)
    return made


def plot_records(recs, outdir):
    return plot_groups(report.build_groups(recs), outdir)


# ---- the heat capstone's field, fading: an animated GIF (bench draws it next to its plots) ----
ANIMATION_SIDE, ANIMATION_FRAMES, ANIMATION_R = 64, 24, 0.25


def heat_animation(binary, outdir, side=ANIMATION_SIDE, frames=ANIMATION_FRAMES,
                   r=ANIMATION_R):
    """The heat field of heat_serial (BINARY) from one step until it has faded to 5%: FRAMES
    runs of `-n SIDE --steps K --field`, each frame one run's final field, on one colour scale.
    The field starts as one sine mode, so it keeps its shape and fades by lambda per step
    (docs/heat.md): the picture of the closed form every heat run is checked against.  Returns
    the GIF drawn (and leaves heat_animation.dat and .gp to redraw it)."""
    exe, _ = _gnuplot()
    lam = 1 - 4 * r * 2 * math.sin(math.pi / (2 * (side + 1))) ** 2
    last = max(frames, int(math.log(0.05) / math.log(lam)))
    steps = sorted({max(1, round(k * last / (frames - 1))) for k in range(frames)})
    blocks = []
    with tempfile.TemporaryDirectory(prefix="parlab-heat-frames-") as tmp:
        for k in steps:
            path = os.path.join(tmp, "field-%d" % k)
            argv, env = launch.build_launch("serial", binary, [
                "-n", str(side), "--steps", str(k), "--r", repr(r), "--repeat", "1",
                "--field", path], 1, 1, False)
            rc, _, err, _ = launch.run(argv, env, 120)
            if rc != 0:
                raise PlotError("heat animation: %s exited %d: %s" % (
                    " ".join(argv), rc, launch.tail(err)))
            field = contracts.read_field(path)
            nx, ny = field["nx"], field["ny"]
            cells = struct.unpack("=%dd" % (nx * ny), field["cells"])
            blocks.append("# step %d\n" % k + "\n".join(
                " ".join("%.3g" % v for v in cells[y * nx:(y + 1) * nx]) for y in range(ny)))
    name = "heat_animation"
    with open(os.path.join(outdir, name + ".dat"), "w", encoding="utf-8") as fh:
        fh.write("\n\n\n".join(blocks) + "\n")
    titles = " ".join('"%d"' % k for k in steps)
    script = [
        "# the heat field of heat_serial -n %d --r %g, fading; redraw: gnuplot %s.gp"
        % (side, r, name),
        "set terminal gif animate delay 15 loop 0 size 560,520 noenhanced",
        "set output %s" % _q(name + ".gif"),
        "set size ratio -1", "set xrange [-0.5:%g]" % (side - 0.5),
        "set yrange [-0.5:%g]" % (side - 0.5), "set cbrange [0:1]", "unset key",
        "set palette defined (0 '#0b0b3b', 0.35 '#b2182b', 0.7 '#f4a582', 1 '#fff7bc')",
        "set cblabel 'u (the start is 1 at the centre)'",
        "steps = %s" % _q(titles.replace('"', "")),
        "do for [k=1:%d] {" % len(steps),
        "  set title sprintf(\"heat, %d x %d cells, r = %g: at step %%s\\n"
        "lambda^K u0: one sine mode keeps its shape and fades\", word(steps, k))"
        % (side, side, r),
        "  plot %s index (k-1) matrix with image" % _q(name + ".dat"),
        "}", "set output", ""]
    with open(os.path.join(outdir, name + ".gp"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(script))
    try:
        proc = subprocess.run([exe, name + ".gp"], cwd=outdir, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        raise PlotError("gnuplot timed out on %s" % os.path.join(outdir, name + ".gp"))
    if proc.returncode != 0:
        raise PlotError("gnuplot failed on %s: %s" % (os.path.join(
            outdir, name + ".gp"), proc.stderr.decode("utf-8", "replace").strip()[-500:]))
    return [os.path.join(outdir, name + ".gif")]
