"""`report`: per-workload tables of time, speedup, efficiency, bandwidth, and an Amdahl fit;
for perf files also the reference measurements (probe, numpy, the seed's Python) and the
targets.  bench prints the same tables as it goes (one table, written once)."""
from . import fmt, fsum, registry, stats

VARIANT_ORDER = {"serial": 0, "openmp": 1, "mpi": 2, "hybrid": 3}


def machine_key(rec):
    """Records are comparable when machine kind, code and compiler match (flags differ
    between variants, e.g. -fopenmp, so they are shown, not grouped on)."""
    p = rec["provenance"]
    return (p.get("cpu_model"), p.get("cores"), p.get("git_commit"), p.get("compiler"),
            p.get("compiler_version"))


def config_key(rec):
    """fsum adds its method and data kind: naive and reproducible runs are separate groups; a
    grid (heat) its rows, steps and r (registry.GRID_KEYS), which the program's JSON holds."""
    program = rec.get("program") or {}
    return (rec["workload"], rec["mode"], rec.get("n"), rec.get("tasks"),
            tuple(rec.get("numbers") or ()), rec.get("delay"), rec.get("method"),
            rec.get("data")) + tuple(program.get(k) for k in registry.GRID_KEYS)


COMMUNICATION_BOUND = 0.5    # a halo exchange share above this: "bound by communication"


def exchange_share(recs):
    """The median over records of the halo exchange's share of the slowest rank's time (heat's
    exchange_share_max, docs/heat.md), or None for a program that exchanges nothing."""
    shares = [r["program"]["exchange_share_max"] for r in recs
              if isinstance((r.get("program") or {}).get("exchange_share_max"), (int, float))]
    return stats.median(shares) if shares else None


def cell_key(rec):
    return (rec["variant"], rec["ranks"], rec["threads"])


class Row:
    def __init__(self, recs, base=None):
        """base: the baseline Row (the fastest one-worker run) the speedup is measured
        against, or None."""
        r0 = recs[0]
        self.recs = recs
        self.variant = r0["variant"]
        self.ranks = r0["ranks"]
        self.threads = r0["threads"]
        self.workers = r0["workers"]
        self.oversubscribed = any(r["oversubscribed"] for r in recs)
        agg = stats.aggregate_times(recs)
        self.time_median = agg["time_median"]
        self.time_min = agg["time_min"]
        self.time_max = agg["time_max"]
        self.repeats = agg["repeats"]
        self.records = agg["records"]
        self.ci = agg["ci"]          # the median's 95% interval, None with fewer than 6 times
        self.times = agg["times"]
        self.results = sorted({r["result"] for r in recs})
        # naive fsum: any bits are fine as long as each run is within its error bound
        self.naive = any(fsum.is_naive(r) for r in recs)
        self.agrees = all(fsum.record_ok(r) for r in recs) and (
            self.naive or len(self.results) == 1)
        nbytes = [r.get("bytes") for r in recs if r.get("bytes")]
        self.bytes = nbytes[0] if nbytes else None
        self.set_base(base)
        self.bandwidth = stats.bandwidth_gbs(self.bytes, self.time_median)
        self.exchange_share = exchange_share(recs)

    def set_base(self, base):
        base = base or self
        self.speedup = stats.speedup(base.time_median if base.recs else None, self.time_median)
        self.speedup_ci = stats.ratio_ci(base.times, self.times) if base.times else None
        self.efficiency = stats.efficiency(self.speedup, self.workers)

    @property
    def label(self):
        return fmt.workers_label(self.variant, self.ranks, self.threads, self.oversubscribed)

    def name(self):
        """'serial', 'openmp at 1 thread', 'hybrid at 1x1'."""
        if self.variant == "serial":
            return "serial"
        return "%s at %s" % (self.variant, {"openmp": "%d thread%s" % (
            self.threads, "" if self.threads == 1 else "s"), "mpi": "%d rank%s" % (
            self.ranks, "" if self.ranks == 1 else "s")}.get(self.variant, "%dx%d" % (
                self.ranks, self.threads)))

    def rounds_slower(self, other):
        """(rounds in which this row's median was above other's, rounds compared), from the
        rounds both ran in (bench --rounds); (0, 0) when they share none."""
        mine, theirs = _by_round(self.recs), _by_round(other.recs)
        both = sorted(set(mine) & set(theirs))
        return sum(1 for k in both if mine[k] > theirs[k]), len(both)


def _by_round(recs):
    """{(run_id, round number): median} of the records of one row."""
    out = {}
    for r in recs:
        if r.get("round") is not None:
            out[(r.get("run_id"), r["round"])] = r["time_median"]
    return out


class Group:
    """All records of one configuration (workload and size) on one kind of machine and code."""

    def __init__(self, recs):
        self.records = recs
        r0 = recs[0]
        self.workload = r0["workload"]
        self.mode = r0["mode"]
        self.n = r0.get("n")
        self.tasks = r0.get("tasks")
        self.numbers = r0.get("numbers")
        self.delay = r0.get("delay")
        self.method = r0.get("method")
        self.data = r0.get("data")
        self.expected = r0.get("expected")
        self.prov = r0["provenance"]
        program = r0.get("program") or {}
        # a grid's rows when they are not its -n (heat --ny): in the title and the plots' names
        self.ny = program.get("ny") if program.get("ny") not in (None, self.n) else None
        # what bounds it (registry.BOUNDS): its row's, for the lesson line and the notes
        rows = [w for w in registry.rows_of_program(self.workload) if w.mode == self.mode]
        self.bound = rows[0].bound if rows else None
        self.exact = not rows or rows[0].closed_form is not None  # else checked against a bound
        self.hosts = sorted({r["provenance"].get("host") or "?" for r in recs})
        self.dates = sorted(r["date"] for r in recs)
        cells = {}
        for r in recs:
            cells.setdefault(cell_key(r), []).append(r)
        self.waiting = self.bound == "waiting"
        self.rows = sorted((Row(v) for v in cells.values()),
                           key=lambda row: (VARIANT_ORDER.get(row.variant, 9), row.workers,
                                            row.ranks))
        # The baseline of every speedup: the fastest one-worker run, the serial program or a
        # variant at one worker, whichever was faster (no flattering baseline: docs/timing.md)
        ones = [row for row in self.rows if row.workers == 1 and not row.oversubscribed]
        self.serial = next((row for row in ones if row.variant == "serial"), None)
        self.base = min(ones, key=lambda row: row.time_median) if ones else None
        self.t_serial = self.base.time_median if self.base else None
        for row in self.rows:
            row.set_base(self.base)
        self.fits = {}
        for variant in sorted({row.variant for row in self.rows}, key=VARIANT_ORDER.get):
            if variant == "serial":
                continue
            # oversubscribed runs are no speedups, except for work that only waits
            pts = [(row.workers, row.speedup) for row in self.rows
                   if row.variant == variant and (self.waiting or not row.oversubscribed)]
            self.fits[variant] = stats.amdahl_fit(pts)

    @property
    def memory_bound(self):
        return any(row.bytes for row in self.rows)

    @property
    def exchanges(self):
        return any(row.exchange_share is not None for row in self.rows)

    def communication_bound(self):
        """The rows whose halo exchange takes most of the slowest rank's time."""
        return [row for row in self.rows if row.exchange_share is not None
                and row.exchange_share > COMMUNICATION_BOUND]

    def title(self):
        if self.mode != "numbers":
            size = "n=%s" % format(self.n, ",") if self.n is not None else ""
            if self.ny is not None:
                size += ", ny=%s" % format(self.ny, ",")
            if self.tasks is not None:
                size += ", tasks=%d" % self.tasks
        else:
            size = "numbers %s, delay %g s" % (" ".join(map(str, self.numbers or [])),
                                               self.delay or 0)
        if self.method:
            size += ", %s%s" % (self.method, "" if self.data in (None, "random")
                                else ", data " + self.data)
        return "%s (%s mode, %s)" % (self.workload, self.mode, size)

    def slug(self):
        if self.mode != "numbers":
            s = "%s_n%s" % (self.workload, self.n)
            if self.ny is not None:
                s += "_ny%d" % self.ny
            if self.tasks is not None:
                s += "_t%d" % self.tasks
            if self.method:
                s += "_" + self.method
            if self.data not in (None, "random"):
                s += "_" + self.data
            return s
        return "%s_numbers%d" % (self.workload, len(self.numbers or []))

    def machine(self):
        p = self.prov
        commit = (p.get("git_commit") or "unknown")[:12]
        if p.get("git_dirty"):
            commit += "+local changes"
        flags = []
        mpis = []
        for r in self.records:
            f = r["provenance"].get("cflags")
            if f and f not in flags:
                flags.append(f)
            m = (r["provenance"].get("mpi_library") or "").split(",")[0].strip()
            if m and m not in mpis:
                mpis.append(m)
        parts = ["host %s" % ", ".join(self.hosts), "%s" % (p.get("cpu_model") or "cpu ?"),
                 "%s usable cores" % (p.get("cores") or "?"),
                 "%s %s %s" % (p.get("compiler") or "cc", p.get("compiler_version") or "",
                               " / ".join(flags)),
                 "commit %s" % commit] + mpis
        return " | ".join(" ".join(x.split()) for x in parts)


def build_groups(recs):
    by = {}
    for r in recs:
        if r.get("kind", "run") != "run":
            continue
        by.setdefault((config_key(r), machine_key(r)), []).append(r)
    groups = [Group(v) for v in by.values()]
    groups.sort(key=lambda g: (g.workload, g.mode, g.n or 0, g.tasks or 0, g.dates[0]))
    return groups


AMDAHL_NOTE = (
    "Amdahl fit: least squares on 1/S = f + (1-f)/p over the non-oversubscribed rows.\n"
    "f is the fraction of the serial run time that did not get faster with more workers:\n"
    "truly serial code, plus startup, communication and memory-bandwidth limits, which\n"
    "behave like serial work.  It caps the speedup at 1/f however many workers you add.\n"
    "A fit from one or two worker counts is a rough estimate; f < 0 means the measured\n"
    "speedup beat Amdahl's model (noise, or caches helping the parallel runs).")


def group_text(g):
    lines = [g.title(), "  " + g.machine(),
             "  %d record(s), %s .. %s" % (len(g.records), g.dates[0], g.dates[-1])]
    if g.bound:
        lines.insert(1, "  bound by %s (docs/roofline.md)" % registry.BOUNDS[g.bound])
    talkers = g.communication_bound()
    if talkers:
        lines.insert(1, "  bound by communication at %s: the halo exchange takes more than half "
                     "of the slowest rank's time (docs/heat.md)"
                     % ", ".join("%s %s" % (row.variant, row.label) for row in talkers))
    loads = [r["provenance"]["load_average"][0] for r in g.records
             if isinstance(r["provenance"].get("load_average"), list)]
    if loads:
        lines[-1] += "; 1-minute load average %.2f-%.2f" % (min(loads), max(loads))
    results = sorted({x for row in g.rows for x in row.results})
    if g.method == "naive" and all(row.agrees for row in g.rows):
        lines.append("  naive method, a demonstration: %d distinct result(s) over %d rows, all "
                     "within the naive error bound of the exact sum %s" % (
                         len(results), len(g.rows), g.expected))
    elif all(row.agrees for row in g.rows) and len(results) == 1:
        if not g.exact:
            lines.append("  result %s: every variant agrees bit for bit with serial, within "
                         "error_bound of the exact sum %s" % (results[0], g.expected))
        else:
            lines.append("  result %s: every variant agrees bit for bit with serial and the "
                         "closed form" % results[0])
    else:
        lines.append("  RESULTS DISAGREE: see the rows marked WRONG")
    if g.base is not None:
        lines.append("  speedup and efficiency against the fastest one-worker run: %s%s"
                     % (g.base.name(), "" if g.base is g.serial or g.serial is None else
                        " (%s faster than serial)" % _percent(g.serial.time_median /
                                                             g.base.time_median - 1)))
    lines += ["  " + w for w in one_worker_warnings(g)]
    headers = ["variant", "workers", "time median [95% CI]", "speedup [95% CI]", "efficiency"]
    align = "lrrrr"
    if g.memory_bound:
        headers.append("GB/s")
        align += "r"
    if g.exchanges:
        headers.append("exchange")
        align += "r"
    headers.append("note")
    align += "l"
    rows = []
    for row in g.rows:
        notes = []
        rounds = -(-g.tasks // row.workers) if g.tasks and row.workers > 1 else None
        if g.mode == "tasks" and g.method != "data" and rounds and g.tasks % row.workers:
            notes.append("imbalance: %d tasks on %d workers take %d rounds"
                         % (g.tasks, row.workers, rounds))
        if row.oversubscribed and g.waiting:
            notes.append("more workers than cores: fine for waiting work")
        elif row.oversubscribed:
            notes.append("oversubscribed, not in fit")
        if not row.agrees:
            notes.append("WRONG: " + " / ".join(row.results))
        elif row.naive:
            notes.append(" / ".join(row.results))
        if row.records > 1:
            notes.append("%d records" % row.records)
        cells = [row.variant, row.label,
                 fmt.time_ci(row.time_median, row.ci, row.time_min, row.time_max),
                 fmt.ratio_ci(row.speedup, row.speedup_ci),
                 "-" if row.efficiency is None else "%.0f%%" % (100 * row.efficiency)]
        if g.memory_bound:
            cells.append(fmt.num(row.bandwidth))
        if g.exchanges:
            share = row.exchange_share
            cells.append("-" if share is None else "%.0f%%" % (100 * share))
        cells.append(", ".join(notes))
        rows.append(cells)
    lines.append("")
    lines += ["  " + l for l in fmt.table(headers, rows, align).splitlines()]
    if g.t_serial is None:
        lines.append("  (no serial run in this group: speedup cannot be computed)")
    lines.append("")
    for variant, fit in g.fits.items():
        if fit is None:
            lines.append("  Amdahl %-7s no non-oversubscribed run with more than 1 worker"
                         % (variant + ":"))
            continue
        lines.append("  Amdahl %-7s f = %.3f: %s; %s"
                     % (variant + ":", fit["f"], _amdahl_meaning(fit["f"]), _fit_basis(fit)))
    return "\n".join(lines)


def _percent(x):
    return "%.0f%%" % (100 * x) if abs(x) >= 0.01 else "%.1f%%" % (100 * x)


def one_worker_warnings(g):
    """A warning per one-worker variant whose median's interval does not overlap serial's:
    either the machine drifted between their runs, or the kernels really differ.  The rounds
    tell which: slower (or faster) in every round is the kernel; a mix is drift."""
    if g.serial is None:
        return []
    out = []
    for row in g.rows:
        if row.workers != 1 or row is g.serial or row.oversubscribed or \
                stats.overlap(row.ci, g.serial.ci) is not False:
            continue
        slower, rounds = row.rounds_slower(g.serial)
        ratio = row.time_median / g.serial.time_median
        what = "WARNING: %s took %.2f times serial's time, beyond both medians' 95%% intervals: " \
            % (row.name(), ratio)
        sign_p = 2 * 0.5 ** rounds   # the sign test: this often on one side by chance
        if rounds < 2:
            why = ("one round cannot tell drift from a real difference: run bench with "
                   "--rounds 3 or more")
        elif slower not in (0, rounds):
            why = ("slower in %d of %d rounds and faster in the others: the machine drifted "
                   "while they ran" % (slower, rounds))
        elif sign_p <= 0.05:
            why = ("%s than serial in all %d rounds: the kernels really differ"
                   % ("slower" if slower else "faster", rounds))
        else:
            why = ("%s than serial in all %d rounds: probably the kernels differ (drift does "
                   "that with probability %.2f; 6 rounds would tell)"
                   % ("slower" if slower else "faster", rounds, sign_p))
        out.append(what + why)
    return out


def _amdahl_meaning(f):
    if f >= 1.0:
        return ("slower than serial even with more workers: this variant's overhead, "
                "not a serial fraction, dominates")
    if f < 0.001:
        return "no serial fraction visible at these worker counts"
    return "speedup can never exceed 1/f = %.1f" % (1.0 / f)


def _fit_basis(fit):
    if fit["points"] == 1:
        return "from one worker count (p = %d), so an estimate, not a fit" % fit["workers"][0]
    return "fitted to %d worker counts (p = %s), rms error of 1/S %.3f" % (
        fit["points"], ",".join(map(str, fit["workers"])), fit["rms_residual"])


def weak_tables(recs):
    """Weak scaling (bench --scaling weak): per row, {"row", "method", "base" (the size at one
    worker), "t1" (the serial median at that size), "rows": [{"workers", "size", "serial",
    variant: (median, efficiency)}]}.  The efficiency at p workers is the serial median at the
    base size over the variant's median at p times it (Gustafson): 1 when the work per worker
    costs what it cost alone.  Rows without a serial run at the base size are left out."""
    by_row = {}
    for r in recs:
        scaling = r.get("scaling") or {}
        if r.get("kind", "run") != "run" or scaling.get("kind") != "weak":
            continue
        by_row.setdefault((r["row"], r.get("method")), []).append(r)
    tables = []
    for (row, method), rows in by_row.items():
        cells = {}
        for r in rows:
            cells.setdefault((r["scaling"]["factor"], r["variant"]), []).append(r)
        base = cells.get((1, "serial"))
        if not base:
            continue
        t1 = stats.aggregate_times(base)["time_median"]
        table = {"row": row, "method": method, "t1": t1, "base": _size_text(base[0]),
                 "variants": [v for v in VARIANT_ORDER if v != "serial" and
                              any(k[1] == v for k in cells)], "rows": []}
        for p in sorted({k[0] for k in cells}):
            line = {"workers": p, "size": None, "serial": None}
            for (factor, variant), rs in cells.items():
                if factor != p:
                    continue
                t = stats.aggregate_times(rs)["time_median"]
                line["size"] = _size_text(rs[0])
                line["oversubscribed"] = line.get("oversubscribed") or \
                    any(r["oversubscribed"] for r in rs)
                line[variant] = (t, t1 / t if t else None)
            table["rows"].append(line)
        tables.append(table)
    return tables


def _size_text(rec):
    program = rec.get("program") or {}
    grid = ["%s=%s" % (k, program[k]) for k in registry.GRID_KEYS[:1] if program.get(k)]
    return ", ".join(["n=%s" % format(rec["n"], ",")] + grid)


def _time(t):
    scale, unit = fmt.time_unit(t)
    return "%s %s" % (fmt.num(t * scale), unit)


def weak_text(recs):
    """The weak-scaling tables of bench --scaling weak."""
    out = []
    for t in weak_tables(recs):
        out.append("weak scaling: %s%s, p workers on p times %s (serial there: %s)"
                   % (t["row"], "" if t["method"] in (None, "blocking") else " " + t["method"],
                      t["base"], _time(t["t1"])))
        out.append("  efficiency = the serial time at that size / the variant's time at p times "
                   "it (Gustafson: 100% when p workers do p times the work in the same time)")
        headers = ["workers", "size", "serial"] + t["variants"]
        rows = []
        for line in t["rows"]:
            cells = ["%d%s" % (line["workers"], " *" if line.get("oversubscribed") else ""),
                     line["size"] or "-", _time(line["serial"][0]) if line.get("serial") else "-"]
            for v in t["variants"]:
                cell = line.get(v)
                cells.append("-" if not cell else "%s (%.0f%%)" % (_time(cell[0]), 100 * cell[1]))
            rows.append(cells)
        out += ["  " + l for l in fmt.table(headers, rows, "rlr" + "r" * len(t["variants"]))
                .splitlines()]
        if any(line.get("oversubscribed") for line in t["rows"]):
            out.append("  * oversubscribed: more workers than cores, not a scaling result")
        out.append("")
    return "\n".join(out).rstrip("\n")


def ratio_line(r):
    """A perf target: 'name: median [95% CI lo-hi] target >= X: PASS/MISS' over rounds, or
    'name: median (min-max) ...' with fewer than 6 rounds (or 'no target'); a verdict whose
    interval reaches across the target says so."""
    name = r.get("label") or r["name"]
    ci = stats.median_ci(r["values"]) if r.get("values") else None
    spread = "(%.3f-%.3f)" % (r["min"], r["max"]) if ci is None else \
        "[95%% CI %.3f-%.3f]" % ci
    if r["op"] is None:
        return "%s: %.3f %s no target" % (name, r["median"], spread)
    straddles = ci is not None and ci[0] < r["target"] < ci[1]
    return "%s: %.3f %s target %s %s: %s%s" % (
        name, r["median"], spread, r["op"], r["target"], "PASS" if r["pass"] else "MISS",
        " (the interval reaches across the target: within the noise)" if straddles else "")


def references_text(recs):
    """The probe's GB/s per thread count, numpy and the seed's Python: medians over rounds."""
    cells = {}
    for r in recs:
        if r.get("kind") == "probe":
            key = ("probe %s" % r["probe"], r["workers"], "GB/s")
            value = r["bytes"] / r["time_median"] / 1e9
        elif r.get("kind") == "reference":
            gbs = r.get("bytes") and r["name"].startswith("numpy")
            key = (r["name"], r["workers"], "GB/s" if gbs else "s")
            value = r["bytes"] / r["time_median"] / 1e9 if gbs else r["time_median"]
        else:
            continue
        cells.setdefault(key, []).append(value)
    if not cells:
        return None
    rows = []
    for (name, workers, unit), values in sorted(cells.items()):
        st = stats.summary(values)
        rows.append([name, str(workers), unit, fmt.num(st["median"]),
                     "%s-%s" % (fmt.num(st["min"]), fmt.num(st["max"])), str(len(values))])
    return "reference measurements (perf)\n" + "\n".join(
        "  " + l for l in fmt.table(["measurement", "workers", "unit", "median", "min-max",
                                     "rounds"], rows, "lrlrrr").splitlines())


def load_note(recs):
    """A warning when runs were recorded while the machine was busier than its cores."""
    busy = [r for r in recs if isinstance((r.get("provenance") or {}).get("load_average"), list)
            and (r["provenance"].get("cores") or 0)
            and r["provenance"]["load_average"][0] > r["provenance"]["cores"]]
    if not busy:
        return None
    worst = max(r["provenance"]["load_average"][0] for r in busy)
    return ("WARNING: %d of %d records were made while the 1-minute load average (up to %.2f) "
            "exceeded the usable cores: other work was running, so those times are noisy and "
            "their speedups look worse than they are" % (len(busy), len(recs), worst))


def report_text(recs):
    groups = build_groups(recs)
    ratios = [r for r in recs if r.get("kind") == "ratio"]
    refs = references_text(recs)
    if not groups and not ratios and not refs:
        return "no records"
    parts = [group_text(g) for g in groups]
    if refs:
        parts.append(refs)
    if ratios:
        parts.append("perf targets (median over rounds, min-max; a MISS is a finding, not a "
                     "failure)\n" + "\n".join("  " + ratio_line(r) for r in ratios))
    over = any(row.oversubscribed for g in groups for row in g.rows)
    tail = [AMDAHL_NOTE]
    if over:
        tail.append("* oversubscribed: more workers than usable cores.  Those times show what "
                    "oversubscription costs;\n  they are not valid speedup measurements and are "
                    "left out of the fit.")
    if any(g.memory_bound for g in groups):
        tail.append("GB/s: bytes the kernel reads and writes per timed run (the program's "
                    "`bytes`) / median time.")
    return ("\n\n" + "=" * 78 + "\n").join(parts) + "\n\n" + "\n\n".join(tail) + "\n"


def missing_records(recs, workers, variants):
    """What a sweep should have recorded and did not: for every workload in the records, a
    serial run, and each variant at each worker count (workers = ranks x threads)."""
    runs = [r for r in recs if r.get("kind", "run") == "run"]
    seen = {(r["workload"], r["mode"], r["variant"], r["workers"]) for r in runs}
    missing = []
    for workload, mode in sorted({(r["workload"], r["mode"]) for r in runs}):
        want = [("serial", 1)] + [(v, w) for v in variants for w in workers]
        for variant, w in want:
            if (workload, mode, variant, w) not in seen:
                missing.append("%s (%s mode) %s with %d worker(s)" % (workload, mode, variant, w))
    return missing


def all_agree(recs):
    """Every run's own checks passed, and every group that must agree (all but the naive fsum
    demonstration) holds one result: records that no harness checked against each other (a
    sweep's raw program lines) are compared here."""
    runs = [r for r in recs if r.get("kind", "run") == "run"]
    if not all(fsum.record_ok(r) for r in runs):
        return False
    return all(g.method == "naive" or len({x for row in g.rows for x in row.results}) == 1
               for g in build_groups(runs))
