"""`bench`: run workloads x variants x worker counts, check every answer, record every run."""
import datetime
import os
import random
import sys
import time
import uuid

from . import fmt, fsum, launch, provenance, records, registry, report, stats

# The registry holds the workloads, variants, shapes and presets; these names are its.
VARIANTS = registry.VARIANTS
WORKLOADS = registry.WORKLOADS
PRESETS = registry.PRESETS
DEFAULT_PRESET = registry.DEFAULT_PRESET


class UsageError(Exception):
    """Bad options or a missing build: exit status 2 with this message."""


class Job:
    """One program run in the matrix."""

    def __init__(self, wname, variant, ranks, threads, cores, method=None, scale=1):
        self.wname = wname
        self.scale = scale   # weak scaling: the run's size is `scale` times the preset's
        self.row = WORKLOADS[wname]
        self.workload, self.mode = self.row.program, self.row.mode
        # a row's method (fsum: "reproducible", the checked run, or "naive", a demonstration)
        self.method = method if method else next(iter(self.row.methods))
        self.variant = variant
        self.ranks = ranks
        self.threads = threads
        self.workers = ranks * threads
        self.oversubscribed = self.workers > cores

    def describe(self):
        shape = {"serial": "1 worker", "openmp": _plural(self.threads, "thread"),
                 "mpi": _plural(self.ranks, "rank"),
                 "hybrid": "%s x %s" % (_plural(self.ranks, "rank"),
                                        _plural(self.threads, "thread"))}[self.variant]
        return "%s%s %s %s%s" % (self.wname, " " + " ".join(self.row.methods[self.method])
                                 if self.row.methods[self.method] else "",
                                 self.variant, shape,
                                 " (oversubscribed)" if self.oversubscribed else "")

    @property
    def group(self):
        """Jobs of one table: a workload, for fsum its method, and in weak scaling its size."""
        return (self.wname, self.method, self.scale)


def _plural(k, word):
    return "%d %s%s" % (k, word, "" if k == 1 else "s")


def default_worker_counts(cores):
    """1, 2, 4, ... up to the usable cores, the core count itself, and one oversubscribed
    count (2 x cores) that is labelled as such."""
    counts, p = [], 1
    while p < cores:
        counts.append(p)
        p *= 2
    counts.append(cores)
    counts.append(2 * cores)
    return sorted(set(counts))


def binary_name(wname, variant):
    return WORKLOADS[wname].program_name(variant)


def resolve_binaries(build_dir, wnames, overrides):
    """{(wname, variant): path} for programs that exist.  overrides: {'openmp': path} (all
    workloads) or {'sum_openmp': path} (one program)."""
    found = {}
    for w in wnames:
        for v in VARIANTS:
            name = binary_name(w, v)
            path = overrides.get(name) or overrides.get(v) or os.path.join(build_dir, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                found[(w, v)] = os.path.abspath(path)
            elif name in overrides or v in overrides:
                raise UsageError("--binary %s: %s is not an executable file"
                                 % (name if name in overrides else v, path))
    return found


def plan(wnames, variants, binaries, worker_counts, cores, hybrid_threads=None, naive=True):
    """The runs, in order: per workload the serial reference first, then every variant at
    every worker count.  fsum then repeats the whole set with --naive (the demonstration)."""
    jobs = []
    for w in wnames:
        methods = [m for m in WORKLOADS[w].methods if naive or m not in WORKLOADS[w].demos]
        for method in methods:
            if (w, "serial") in binaries:
                jobs.append(Job(w, "serial", 1, 1, cores, method))  # the reference goes first
            for p in worker_counts:
                for v in variants:
                    if v == "serial" or (w, v) not in binaries:
                        continue
                    shape = registry.shape(v, p, hybrid_threads)
                    if shape:
                        jobs.append(Job(w, v, shape[0], shape[1], cores, method))
    return jobs


def interleave(count, seed, shuffle=True):
    """The order of the runs, round after round: each a permutation of range(count), drawn
    from `seed` (the same seed gives the same orders).  shuffle=False (one round, nothing to
    interleave) keeps the plan's order, serial first."""
    rng = random.Random(seed)
    while True:
        yield rng.sample(range(count), count) if shuffle else list(range(count))


def tight_enough(by_job, count, within):
    """Whether each of the `count` configurations' median has a 95% interval within +-`within`
    (a fraction) of it, over all its rounds so far (by_job: {plan index: its records};
    bench --ci-within)."""
    for idx in range(count):
        recs = by_job.get(idx)
        agg = stats.aggregate_times(recs) if recs else None
        if not agg or agg["ci"] is None:
            return False
        lo, hi = agg["ci"]
        if hi - agg["time_median"] > within * agg["time_median"] or \
                agg["time_median"] - lo > within * agg["time_median"]:
            return False
    return True


def weak_size(row, size, p):
    """The size of a weak-scaling run at p workers: p times the work of SIZE (an array's -n;
    a grid's rows, so that a process grid of p ranks gets blocks of the base size's cells);
    None for a row whose size is not a count of values (the seed's numbers)."""
    if "n" not in size:
        return None
    if any(k in size for k in registry.GRID_KEYS):
        return dict(size, ny=size.get("ny", size["n"]) * p)
    return dict(size, n=size["n"] * p)


def plan_weak(wnames, variants, binaries, worker_counts, cores, sizes, hybrid_threads=None):
    """Weak scaling: per workload and worker count p, the serial reference at p times the size
    (its answer is the reference of that size; at p = 1 its time is every efficiency's
    baseline), then every variant at p workers on that size.  No demonstrations (fsum's naive
    sum): they are not a speed."""
    jobs = []
    for w in wnames:
        if weak_size(WORKLOADS[w], sizes[w], 1) is None or (w, "serial") not in binaries:
            continue
        method = next(iter(WORKLOADS[w].methods))
        for p in sorted(set([1] + list(worker_counts))):
            jobs.append(Job(w, "serial", 1, 1, cores, method, scale=p))
            if p not in worker_counts:
                continue
            for v in variants:
                shape = registry.shape(v, p, hybrid_threads)
                if v != "serial" and (w, v) in binaries and shape:
                    jobs.append(Job(w, v, shape[0], shape[1], cores, method, scale=p))
    return jobs


class Progress:
    """'[k/N] what ... elapsed m:ss, about m:ss left' on stderr."""

    def __init__(self, total, stream=None, enabled=True):
        self.total = total
        self.done = 0
        self.t0 = time.monotonic()
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.spent = []

    def start(self, what):
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.t0
        left = ""
        if self.done:
            est = elapsed / self.done * (self.total - self.done)
            left = ", about %s left" % fmt.duration(est)
        self.stream.write("[%*d/%d] %s  (elapsed %s%s)\n"
                          % (len(str(self.total)), self.done + 1, self.total, what,
                             fmt.duration(elapsed), left))
        self.stream.flush()

    def finish(self):
        self.done += 1


def new_id():
    return uuid.uuid4().hex


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def check_answer(job, pj, closed, serial_result, serial_expected=None):
    """Return a list of problems: each names workload, variant, workers and both values.
    fsum (closed is None): see pharness/fsum.py; serial_result is then the serial
    reproducible result_hex and serial_expected the serial run's expected_hex."""
    who = "workload %s (%s mode), variant %s, %s" % (
        job.workload, job.mode, job.variant, _plural(job.workers, "worker"))
    if job.variant == "hybrid":
        who += " (%d ranks x %d threads)" % (job.ranks, job.threads)
    if job.method:
        who = who.replace("variant", "method %s, variant" % job.method, 1)
    return job.row.check.problems(who, pj, job.method, job.method in job.row.demos, closed,
                                  serial_result, serial_expected)


def check_shape(job, pj):
    """The program must report the threads and ranks it was asked for (a build without
    OpenMP runs one thread; a mismatched launcher starts N one-rank copies: docs/mpi-launch.md)."""
    problems = []
    for key, want in (("workload", job.workload), ("variant", job.variant), ("mode", job.mode),
                      ("threads", job.threads), ("ranks", job.ranks)):
        if pj.get(key) != want:
            problems.append("reported %s=%r, expected %r" % (key, pj.get(key), want))
    for key in ("time_min", "time_median", "time_max"):
        if not isinstance(pj.get(key), (int, float)) or isinstance(pj.get(key), bool):
            problems.append("%s missing or not a number" % key)
    if not isinstance(pj.get("oversubscribed"), bool):  # the program's word is the record's
        problems.append("oversubscribed missing or not true/false")
    return problems


def make_record(job, pj, size, closed, serial_result, argv, env, stderr, wall, ctx,
                serial_expected=None, stdout_text=""):
    check = job.row.check  # fsum: the bits, as hex; the reference is the exact sum
    result = pj.get(check.result_key)
    closed = check.expected(pj, closed, serial_expected)
    rec = {
        "schema": records.SCHEMA,
        "kind": "run",
        "suite": ctx.get("suite", "bench"),
        "record_id": new_id(),
        "run_id": ctx["run_id"],
        "date": now(),
        "label": ctx.get("label"),
        "preset": ctx.get("preset"),
        "row": job.wname,
        "method": job.method,
        "workload": job.workload,
        "mode": job.mode,
        "variant": job.variant,
        "workers": job.workers,
        "ranks": job.ranks,
        "threads": job.threads,
        # The program decides, per host: ranks on rank 0's host x threads > the CPUs those ranks
        # may use (right for runs across several nodes, where the harness only sees its own
        # node; check_shape requires it).
        "oversubscribed": pj["oversubscribed"],
        "n": size.get("n"),
        "tasks": size.get("tasks"),
        "numbers": size.get("numbers"),
        "delay": size.get("delay"),
        "repeat": int(pj.get("repeat") or 0),
        "warmup": pj.get("warmup") if isinstance(pj.get("warmup"), int) else None,
        "time_min": float(pj["time_min"]),
        "time_median": float(pj["time_median"]),
        "time_max": float(pj["time_max"]),
        "times": [float(t) for t in pj["times"]] if isinstance(pj.get("times"), list) else None,
        "timer_resolution": pj.get("timer_resolution"),
        "bytes": pj.get("bytes") if isinstance(pj.get("bytes"), int) else None,
        "result": str(result),
        "expected": str(closed),
        "program_expected": None if pj.get("expected") is None else str(
            pj.get(check.expected_key)),
        "verified": pj.get("verified") is True,
        "serial_result": serial_result,
        "agrees_serial": None if serial_result is None else str(result) == serial_result,
        "agrees_closed_form": check.agrees_closed_form(pj, result, closed),
        "command": argv,
        "env": env,
        "binding": launch.binding_lines(stderr, stdout_text),
        "wall_seconds": round(wall, 6),
        "provenance": provenance.record_provenance(
            ctx["host_prov"], pj,
            launcher=ctx["launcher"] if job.variant in launch.MPI_VARIANTS else None,
            launcher_ver=ctx["launcher_version"] if job.variant in launch.MPI_VARIANTS else None),
        "program": pj,  # the program's JSON line, whole: nothing it reports is lost
    }
    rec.update(check.record_fields(pj, serial_result))
    return rec


def scaling_check(job, binary, size, repeat, timeout, t_n, ctx, out):
    """The folding check (docs/folding.md): the serial time at n should be about twice the time at n/2.  If it is not
    clearly larger (ratio < 1.3), the compiler may have replaced the loop by a formula.
    Flags only: tiny sizes are noisy.  n/2 rather than 2n keeps memory and time low."""
    half = dict(size, n=max(1, size["n"] // 2))
    argv, env = launch.build_launch("serial", binary, job.row.args(half, repeat, job.method),
                                    1, 1, False, bind=ctx["bind"])
    try:
        rc, so, se, _ = launch.run(argv, env, timeout)
        pj = launch.parse_json_line(so, se, rc)
        t_half = float(pj["time_median"])
    except (launch.LaunchError, KeyError, TypeError, ValueError) as exc:
        out.append("note: scaling check for %s skipped: %s" % (job.wname, exc))
        return None
    ratio = t_n / t_half if t_half > 0 else None
    if ratio is not None and ratio < 1.3:
        out.append("WARNING: %s serial took %.3g s at n=%d but %.3g s at n/2: ratio %.2f < 1.3. "
                   "The time does not grow with n: the compiler may have folded the loop "
                   "into a formula (docs/folding.md), or n is too small to time."
                   % (job.wname, t_n, size["n"], t_half, ratio))
    return ratio


def mpi_launcher(explicit, mpi_binaries, required=True):
    """(launcher, its version line) for the MPI programs: the one given, or the one that belongs
    to the library the programs link (never a bare mpirun).  (None, None) when there is no MPI
    program, or (required=False) no launcher."""
    mpi_binaries = [b for b in mpi_binaries if os.access(b, os.X_OK)]
    if not mpi_binaries and not explicit:
        return None, None
    launcher = explicit
    if not launcher:
        lib = launch.mpi_flavor_of_binary(mpi_binaries[0]) if mpi_binaries else None
        launcher = launch.find_launcher(lib)
    if not launcher:
        if not required:
            return None, None
        raise UsageError("MPI programs are built but no MPI launcher was found (looked for "
                         "mpiexec.openmpi / mpiexec.mpich); pass --mpiexec PATH, or "
                         "--variants serial,openmp")
    try:
        launch.shared_launch_env()
    except launch.LaunchError as exc:
        raise UsageError(str(exc))
    return launcher, provenance.launcher_version(launcher)


def run_bench(opts, stdout=None, stderr=None):
    """Run the matrix.  Returns the exit status (0 all agree, 1 disagreement or failed run)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    preset = PRESETS[opts.preset]
    cores = provenance.usable_cores()
    wnames = opts.workloads or registry.preset_rows(opts.preset)
    for w in wnames:
        if w not in WORKLOADS:
            raise UsageError("unknown workload %r (choose from %s)"
                             % (w, ", ".join(WORKLOADS)))
    sizes = {w: dict(WORKLOADS[w].sizes.get(opts.preset) or WORKLOADS[w].sizes["small"])
             for w in wnames}
    for w in wnames:
        if opts.n is not None and "n" in sizes[w]:
            sizes[w]["n"] = opts.n
        if opts.tasks is not None and "tasks" in sizes[w]:
            sizes[w]["tasks"] = opts.tasks
        if opts.delay is not None and "delay" in sizes[w]:
            sizes[w]["delay"] = opts.delay
        if opts.repeat:
            sizes[w].pop("repeat", None)
    repeat = opts.repeat or preset["repeat"]
    timeout = opts.timeout or preset["timeout"]
    worker_counts = opts.workers or default_worker_counts(cores)

    binaries = resolve_binaries(opts.build, wnames, opts.binary)
    want = opts.variants or list(VARIANTS)
    for v in want:
        if v not in VARIANTS:
            raise UsageError("unknown variant %r (choose from %s)"
                             % (v, ", ".join(VARIANTS)))
    skipped = []
    if not opts.workloads:  # a preset's workload is skipped when it is not built (older builds)
        for w in [w for w in wnames if (w, "serial") not in binaries]:
            wnames = [x for x in wnames if x != w]
            skipped.append("note: workload %s skipped: no %s in %s"
                           % (w, binary_name(w, "serial"), opts.build))
    if not wnames:
        raise UsageError("--build %s: no parlab programs there (build first: ./parlab build, "
                         "or meson setup build && meson compile -C build)" % opts.build)
    missing_serial = [w for w in wnames if (w, "serial") not in binaries]
    if missing_serial:
        raise UsageError("no serial reference program for %s in %s "
                         "(build first: meson setup build && meson compile -C build, "
                         "or pass --build DIR)"
                         % (", ".join(binary_name(w, "serial") for w in missing_serial),
                            opts.build))
    # -n beyond a workload's limit: refused here, naming the workload, not after the runs
    # before it (a grid's -n is its side: heat takes at most 32768)
    for w in wnames:
        if opts.n is not None and "n" in sizes[w] and (w, "serial") in binaries:
            try:
                limit = registry.n_max(registry.describe(binaries[(w, "serial")]))
            except registry.DescribeError:
                continue
            if opts.n > limit:
                raise UsageError("-n %d: %s takes at most %d (%s); choose a smaller -n, or "
                                 "--workloads without it"
                                 % (opts.n, w, limit, registry.options(registry.describe(
                                     binaries[(w, "serial")]))["-n"]["help"]))
    variants = ["serial"] + [v for v in want if v != "serial"]
    weak = getattr(opts, "scaling", "strong") == "weak"
    if weak:
        jobs = plan_weak(wnames, variants, binaries, worker_counts, cores, sizes,
                         opts.hybrid_threads)
        for w in wnames:
            if weak_size(WORKLOADS[w], sizes[w], 1) is None:
                skipped.append("note: %s left out of weak scaling: its size is a list of "
                               "numbers, not a count that can grow" % w)
    else:
        jobs = plan(wnames, variants, binaries, worker_counts, cores, opts.hybrid_threads,
                    naive=getattr(opts, "naive", True))

    def size_of(job):
        return sizes[job.wname] if job.scale == 1 else \
            weak_size(job.row, sizes[job.wname], job.scale)

    rounds = getattr(opts, "rounds", None) or preset["rounds"]
    shuffle_seed = getattr(opts, "seed", None)
    if shuffle_seed is None:
        shuffle_seed = random.randrange(1, 10**6)
    within = getattr(opts, "ci_within", None)
    max_rounds = max(rounds, getattr(opts, "max_rounds", None) or rounds) if within else rounds

    def run_args(job, size):
        """One run's arguments: its --repeat is the configuration's repetitions (the preset's,
        or the row's own) shared out over the rounds."""
        share = -(-size.get("repeat", repeat) // rounds)
        return job.row.args(dict(size, repeat=share), share, job.method)

    launcher = launcher_ver = flavor = None
    if any(j.variant in launch.MPI_VARIANTS for j in jobs):
        launcher, launcher_ver = mpi_launcher(
            opts.mpiexec, [p for (w, v), p in binaries.items() if v in launch.MPI_VARIANTS])
        flavor = launch.launcher_flavor(launcher_ver)

    if opts.dry_run:
        for j in jobs:
            argv, env = launch.build_launch(j.variant, binaries[(j.wname, j.variant)],
                                            run_args(j, size_of(j)),
                                            j.ranks, j.threads, j.oversubscribed,
                                            launcher=launcher, flavor=flavor, bind=opts.bind)
            stdout.write(" ".join("%s=%s" % kv for kv in sorted(env.items())) + " "
                         + " ".join(argv) + "\n")
        return 0

    # never append to a results file we cannot read back (names file and line)
    if os.path.exists(opts.results):
        records.load(opts.results)

    ctx = {
        "run_id": "%s-%s" % (datetime.datetime.now().strftime("%Y%m%dT%H%M%S"),
                             uuid.uuid4().hex[:8]),
        "label": opts.label,
        "preset": opts.preset,
        "host_prov": provenance.host_provenance(launch.REPO_ROOT),
        "launcher": launcher,
        "launcher_version": launcher_ver,
        "bind": opts.bind,
    }
    stdout.write("parlab bench: preset %s (%s), %d usable cores, workers %s, %d timed repeats "
                 "per configuration after 1 warm-up per run, %d configurations%s; results -> "
                 "%s\n"
                 % (opts.preset, preset["about"], cores, ",".join(map(str, worker_counts)),
                    repeat, len(jobs), "" if max_rounds == 1 else
                    " in %d rounds%s, each in a new shuffled order (--seed %d)"
                    % (rounds, "" if max_rounds == rounds else ", and more up to %d until every "
                       "median's 95%% interval is within +-%g%%" % (max_rounds, 100 * within),
                       shuffle_seed), opts.results))
    busy = provenance.load_warning(cores)
    if busy:
        stdout.write(busy + "\n")
    stdout.flush()

    # The rounds (docs/timing.md): every run of the plan once per round, in an order shuffled
    # anew each round, so that a machine that drifts (a frequency change, another job) costs
    # every variant alike instead of the one that ran at the bad moment.  The seed and the
    # order are in every record; a round's answers are checked after it, in plan order, so
    # that each run meets its serial reference whatever ran first.
    order = interleave(len(jobs), shuffle_seed, shuffle=max_rounds > 1)
    progress = Progress(len(jobs) * rounds, stderr, enabled=not opts.quiet)
    problems, notes, recorded, pictures = [], list(skipped), [], []
    serial_result = {}
    serial_expected = {}   # fsum: the serial reproducible run's expected_hex
    serial_time = {}
    by_job = {}
    ran = 0
    for number, positions in zip(range(1, max_rounds + 1), order):
        if number > rounds:   # --ci-within: one more round while an interval is too wide
            if tight_enough(by_job, len(jobs), within):
                break
            progress.total += len(jobs)
        first = number == 1
        outcomes = {}
        for position, idx in enumerate(positions, start=1):
            job = jobs[idx]
            size = size_of(job)
            binary = binaries[(job.wname, job.variant)]
            extra = picture_args(job, binary, size, opts.plots) if first else []
            argv, env = launch.build_launch(job.variant, binary,
                                            run_args(job, size) + extra, job.ranks, job.threads, job.oversubscribed,
                                            launcher=launcher, flavor=flavor, bind=opts.bind)
            progress.start(job.describe() + ("" if max_rounds == 1 else ", round %d of %d%s"
                                             % (number, rounds, "" if max_rounds == rounds else
                                                " (up to %d)" % max_rounds)))
            try:
                rc, so, se, wall = launch.run(argv, env, timeout, watch=binary
                                              if job.variant in launch.MPI_VARIANTS else None)
                pj = launch.parse_json_line(so, se, rc)
                shape = check_shape(job, pj)
                if shape:
                    raise launch.LaunchError("; ".join(shape))
                outcomes[idx] = (position, argv, env, extra, rc, so, se, wall, pj, None)
            except launch.LaunchError as exc:
                outcomes[idx] = (position, argv, env, extra, None, None, None, None, None, exc)
            progress.finish()
        for idx, job in enumerate(jobs):
            position, argv, env, extra, rc, so, se, wall, pj, exc = outcomes[idx]
            size = size_of(job)
            key = (job.wname, job.scale)   # the serial reference of this size
            closed = job.row.closed_form(size) if job.row.closed_form else None
            if exc is not None:
                _problem(problems, stderr, "FAILED: %s%s: %s\n    command: %s"
                         % (job.describe(), "" if max_rounds == 1 else " (round %d)" % number,
                            exc, " ".join(argv)))
                continue
            ref = serial_result.get(key)
            ref_expected = serial_expected.get(key)
            reference_run = job.method not in job.row.demos
            if reference_run and job.variant == "serial" and number == 1:
                ref = ref_expected = None  # this run is the reference
            found = check_answer(job, pj, closed, ref, ref_expected)
            if rc != 0:
                found.append("%s: %s (stderr: %s)"
                             % (job.describe(), launch.describe_exit(rc), launch.tail(se)))
            for p in found:
                _problem(problems, stderr, "DISAGREEMENT: " + p)
            rec = make_record(job, pj, size, closed, ref, argv, env, se, wall, ctx, ref_expected,
                              stdout_text=so)
            rec["round"] = number
            rec["order"] = {"rounds": rounds, "position": position, "runs": len(positions),
                            "seed": shuffle_seed}
            if weak:
                rec["scaling"] = {"kind": "weak", "factor": job.scale}
            records.append(opts.results, rec)
            recorded.append(rec)
            by_job.setdefault(idx, []).append(rec)
            pictures += extra[1:]
            if job.variant == "serial":
                serial_time[job.group] = rec["time_median"]
            if job.variant == "serial" and reference_run and number == 1:
                serial_result[key] = rec["result"]
                serial_expected[key] = job.row.check.reference(pj)
                if "n" in size and opts.scaling_check and not weak:
                    scaling_check(job, binaries[(job.wname, job.variant)], size,
                                  rec["repeat"], timeout, rec["time_median"], ctx, notes)

        ran = number
    if within:
        tight = tight_enough(by_job, len(jobs), within)
        notes.append("%s after %d round%s: %s" % (
            "note" if tight else "WARNING", ran, "" if ran == 1 else "s",
            "every median's 95%% interval is within +-%g%% of it" % (100 * within) if tight
            else "the cap (--max-rounds %d), and some median's 95%% interval is still wider "
            "than +-%g%% of it: the machine is noisy, or the runs too short" % (
                max_rounds, 100 * within)))
    for idx in range(len(jobs)):
        _maybe_table(stdout, jobs, idx, recorded, sizes, serial_time, serial_result)

    if weak and recorded:
        stdout.write("\n" + report.weak_text(recorded) + "\n")
    if recorded:
        csv_path, nrec = records.write_csv_view(opts.results)
        stdout.write("\nrecorded %d runs in %s (CSV view of all %d records: %s)\n"
                     % (len(recorded), opts.results, nrec, csv_path))
    if recorded and opts.plots:
        from . import plots
        try:
            # weak scaling: one figure of efficiencies, not one per size
            files = (plots.plot_weak(report.weak_tables(recorded), opts.plots) if weak
                     else plots.plot_records(recorded, opts.plots)) + pictures
            if ("heat", "serial") in binaries and not weak:  # the capstone's field, fading
                files += plots.heat_animation(binaries[("heat", "serial")], opts.plots)
            if files:
                stdout.write("plots: %s\n" % ", ".join(files))
        except plots.PlotError as exc:
            notes.append("note: no plots: %s" % exc)
    busy = provenance.load_warning(cores)
    if busy and busy not in notes:
        notes.append(busy)
    for n in notes:
        stdout.write(n + "\n")
    if problems:
        stderr.write("\nparlab bench: %d problem(s):\n" % len(problems))
        for p in problems:
            stderr.write("  " + p + "\n")
        stdout.write("RESULT: %d problem(s) (failed runs or wrong answers), listed on "
                     "stderr.\n" % len(problems))
        return 1
    naive = sum(1 for r in recorded if fsum.is_naive(r))
    stdout.write("RESULT: all %d runs agree bit for bit with the serial reference and the "
                 "closed form%s.\n"
                 % (len(recorded) - naive,
                    "" if not naive else " (fsum: with the serial fsum, and within error_bound "
                    "of the exact sum); %d fsum --naive demonstration runs are within their "
                    "error bound" % naive))
    return 0


def picture_args(job, binary, size, plot_dir):
    """['--picture', PATH] for the serial reference run of a program that draws its result
    (heat's field: --picture, in its --describe), when plots are drawn; else [].  The program
    writes it after its timed runs, outside the clock."""
    if not plot_dir or job.variant != "serial" or job.method != next(iter(job.row.methods)) \
            or job.scale != 1:
        return []       # one picture: the serial run of the row's first method, at its size
    try:
        if "--picture" not in registry.options(registry.describe(binary)):
            return []
    except registry.DescribeError:
        return []
    os.makedirs(plot_dir, exist_ok=True)
    name = "%s_n%d%s_field.png" % (job.wname, size["n"], "".join(
        "_%s%s" % (k, size[k]) for k in registry.GRID_KEYS if k in size))
    return ["--picture", os.path.join(plot_dir, name)]


def _problem(problems, stderr, text):
    """Say it now (a long run shows it at once) and again in the summary at the end."""
    problems.append(text)
    stderr.write("  !! " + text + "\n")
    stderr.flush()


def _maybe_table(stdout, jobs, idx, recorded, sizes, serial_time, serial_result):
    """Print a row's table once its last run is done: the report's own table (fsum: one for
    the reproducible runs, then the naive demonstration)."""
    group = jobs[idx].group
    if idx + 1 < len(jobs) and jobs[idx + 1].group == group:
        return
    wname, method, scale = group
    rows = [r for r in recorded if r.get("row") == wname and r.get("method") == method
            and (r.get("scaling") or {}).get("factor", 1) == scale]
    if method in WORKLOADS[wname].demos:
        text = fsum.demo_table(rows, serial_result.get((wname, scale)))
    elif rows:
        text = report.group_text(report.Group(rows))
    else:
        text = "%s  [%s]\n  (no successful runs)" % (WORKLOADS[wname].about,
                                                    WORKLOADS[wname].describe(sizes[wname]))
    stdout.write("\n" + text + "\n")
    stdout.flush()
