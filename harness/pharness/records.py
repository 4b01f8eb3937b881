"""Result records: schema check, safe concurrent appends, loading, and the CSV view.

A results file is JSON Lines: one JSON object per line, one line per program run.
Many writers may append at once (a Slurm array finishing together): each append opens the
file with O_APPEND, takes an exclusive flock, checks that the file ends with a newline,
and writes the whole line with one os.write.  Records are never rewritten or removed.
The schema is documented in results/README.md.
"""
import csv
import errno
import fcntl
import io
import json
import os
import uuid

SCHEMA = 3

# key -> (accepted types, required)
_NUM = (int, float)
_OPT_NUM = (int, float, type(None))
_OPT_STR = (str, type(None))
_OPT_INT = (int, type(None))
_COMMON = {
    "schema": ((int,), True),
    "kind": ((str,), True),
    "record_id": ((str,), True),
    "run_id": ((str,), True),
    "date": ((str,), True),
    "label": (_OPT_STR, False),
    "preset": (_OPT_STR, False),
    "suite": (_OPT_STR, False),        # which command wrote it: bench, perf, sweep
    "round": (_OPT_INT, False),        # perf and bench: the round it belongs to (from 1)
    "key": (_OPT_STR, False),          # perf: the measurement it is a value of
    "provenance": ((dict,), False),
    "command": ((list, str), False),
    "env": ((dict,), False),
}
# kind "run": one run of one parlab program (bench, perf, a sweep).  The harness's view of the
# run, plus "program": the program's own JSON line, whole, so no field it prints is lost.
RUN_FIELDS = dict(_COMMON, **{
    "row": (_OPT_STR, False),          # the registry row (sum, square, seed, fsum, ...)
    "workload": ((str,), True),
    "mode": ((str,), True),
    "variant": ((str,), True),
    "workers": ((int,), True),
    "ranks": ((int,), True),
    "threads": ((int,), True),
    "oversubscribed": ((bool,), True),
    "n": (_OPT_INT, True),
    "tasks": (_OPT_INT, True),
    "numbers": ((list, type(None)), False),
    "delay": (_OPT_NUM, False),
    "repeat": ((int,), True),
    "warmup": (_OPT_INT, False),
    "time_min": (_NUM, True),
    "time_median": (_NUM, True),
    "time_max": (_NUM, True),
    "times": ((list, type(None)), False),   # every timed repetition (absent before schema 3's)
    "order": ((dict, type(None)), False),   # bench: rounds, position in its round, runs, seed
    "timer_resolution": (_OPT_NUM, False),
    "bytes": (_OPT_INT, False),
    "result": ((str,), True),
    "expected": ((str,), True),
    "program_expected": (_OPT_STR, False),
    "verified": ((bool,), True),
    "serial_result": (_OPT_STR, False),
    "agrees_serial": ((bool, type(None)), True),
    "agrees_closed_form": ((bool,), True),
    "binding": ((list,), False),
    "wall_seconds": (_OPT_NUM, False),
    "walls": ((list, type(None)), False),   # perf: whole-process times of repeated launches
    "provenance": ((dict,), True),
    "program": ((dict, type(None)), True),  # null only in records upgraded from schema 1
    # fsum only (absent or null for the integer workloads); see results/README.md
    "method": (_OPT_STR, False),
    "result_hex": (_OPT_STR, False),
    "expected_hex": (_OPT_STR, False),
    "result_decimal": (_OPT_STR, False),
    "error": (_OPT_NUM, False),
    "error_bound": (_OPT_NUM, False),
    "sum_abs": (_OPT_NUM, False),
    "reproducible": ((bool, type(None)), False),
    "runs_identical": ((bool, type(None)), False),
    "data": (_OPT_STR, False),
    "ulps_from_reproducible": (_OPT_INT, False),
})
# kind "probe": one run of the bandwidth probe (harness/probe.c), one kernel of it.
PROBE_FIELDS = dict(_COMMON, **{
    "probe": ((str,), True), "threads": ((int,), True), "workers": ((int,), True),
    "n": ((int,), True), "bytes": (_NUM, True), "time_min": (_NUM, True),
    "time_median": (_NUM, True), "time_max": (_NUM, True), "program": ((dict,), True),
})
# kind "reference": something parlab is compared with, not a parlab program: numpy's a.sum(),
# the seed's own Python.  "name" says which; time_* in seconds.
REFERENCE_FIELDS = dict(_COMMON, **{
    "name": ((str,), True), "workload": (_OPT_STR, False), "workers": ((int,), True),
    "n": (_OPT_INT, False), "bytes": (_OPT_NUM, False), "time_min": (_NUM, True),
    "time_median": (_NUM, True), "time_max": (_NUM, True), "program": ((dict,), True),
})
# kind "ratio": a perf target, a ratio of two measurements taken in the same rounds.
RATIO_FIELDS = dict(_COMMON, **{
    "name": ((str,), True), "label": (_OPT_STR, False), "what": (_OPT_STR, False),
    "numerator": (_OPT_STR, False), "denominator": (_OPT_STR, False),
    "op": (_OPT_STR, True), "target": (_OPT_NUM, True), "values": ((list,), True),
    "median": (_NUM, True), "min": (_NUM, True), "max": (_NUM, True),
    "pass": ((bool, type(None)), True), "commands": ((list,), False),
    "note": (_OPT_STR, False),
})
# kind "header": what a perf run was (its options, notes and plots).
HEADER_FIELDS = dict(_COMMON, **{"notes": ((list,), False), "plots": ((list,), False),
                                 "options": ((dict,), False)})
KINDS = {"run": RUN_FIELDS, "probe": PROBE_FIELDS, "reference": REFERENCE_FIELDS,
         "ratio": RATIO_FIELDS, "header": HEADER_FIELDS}
FIELDS = RUN_FIELDS

PROVENANCE_FIELDS = [
    "git_commit", "git_dirty", "host", "cpu_model", "cores", "compiler", "compiler_version",
    "cflags", "mpi_library", "mpi_launcher", "omp", "slurm",
]

CSV_COLUMNS = [
    "date", "run_id", "record_id", "label", "preset", "workload", "mode", "variant", "workers",
    "ranks", "threads", "oversubscribed", "n", "tasks", "numbers", "delay", "repeat", "warmup",
    "time_min", "time_median", "time_max", "timer_resolution", "bytes", "result", "expected",
    "verified", "agrees_serial", "agrees_closed_form",
    "method", "data", "result_hex", "expected_hex", "error", "error_bound",
    "ulps_from_reproducible", "runs_identical",
    "provenance.host", "provenance.cpu_model", "provenance.cores", "provenance.compiler",
    "provenance.compiler_version", "provenance.cflags", "provenance.mpi_library",
    "provenance.mpi_launcher", "provenance.mpi_launcher_version", "provenance.git_commit",
    "provenance.git_dirty", "provenance.omp.num_threads", "provenance.omp.proc_bind",
    "provenance.omp.places", "provenance.omp.wait_policy", "provenance.omp.dynamic",
    "env.OMP_NUM_THREADS", "env.OMP_PROC_BIND", "env.OMP_PLACES", "env.OMP_WAIT_POLICY",
    "provenance.slurm.job_id", "provenance.slurm.array_job_id", "provenance.slurm.array_task_id",
    "provenance.slurm.cpus_per_task", "binding", "command",
]


class ResultsFileError(Exception):
    """A results file that cannot be read or appended to safely.  str() names file and line."""

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.message = message
        where = "%s:%d" % (path, line) if line else str(path)
        super().__init__("%s: %s" % (where, message))


def validate(rec):
    """Return a list of problems with one record (empty list when it is fine)."""
    if not isinstance(rec, dict):
        return ["not a JSON object"]
    if rec.get("schema") != SCHEMA:
        return ["schema version %r, this harness reads version %d (and upgrades 1, 2 and "
                "parlab-bench/1 when it loads them)" % (rec.get("schema"), SCHEMA)]
    fields = KINDS.get(rec.get("kind"))
    if fields is None:
        return ["kind %r is none of %s" % (rec.get("kind"), ", ".join(sorted(KINDS)))]
    problems = []
    for key, (types, required) in fields.items():
        if key not in rec:
            if required:
                problems.append("missing field %r" % key)
            continue
        val = rec[key]
        # bool is a subclass of int: do not accept true/false where a number is expected
        if isinstance(val, bool) and bool not in types:
            problems.append("field %r is a boolean, expected %s" % (key, _typenames(types)))
        elif not isinstance(val, types):
            problems.append("field %r has type %s, expected %s"
                            % (key, type(val).__name__, _typenames(types)))
    if not problems and "time_median" in fields:
        if not (rec["time_min"] <= rec["time_median"] <= rec["time_max"]):
            problems.append("times not ordered: time_min <= time_median <= time_max fails")
    if not problems and rec["kind"] == "run" and rec["workers"] != rec["ranks"] * rec["threads"]:
        problems.append("workers (%d) != ranks (%d) x threads (%d)"
                        % (rec["workers"], rec["ranks"], rec["threads"]))
    return problems


def _typenames(types):
    names = {int: "integer", float: "number", str: "string", bool: "boolean",
             list: "array", dict: "object", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


# ---- older files: schema 1 and 2 (bench), parlab-bench/1 (the old perf command), and raw
# program lines (a sweep recorded with PARLAB_SWEEP_RECORDER=raw).  Each becomes records of
# this schema. ----
def _from_schema_2(rec):
    """Schema 2 kept the harness's own host and oversubscription next to the program's
    (program_host, program_oversubscribed), and the program's core count again in
    program_cores; schema 3 keeps the program's host as the host, its oversubscribed (which
    the record's already was), and its core count only in its line ("program")."""
    rec = dict(rec, schema=SCHEMA)
    rec.pop("program_oversubscribed", None)
    if isinstance(rec.get("provenance"), dict) and rec.get("kind") == "run":
        prov = rec["provenance"] = dict(rec["provenance"])
        prov.pop("program_cores", None)
        if "program_host" in prov:
            prov["host"] = prov.pop("program_host")
    return rec


def _upgrade(rec, path, lineno):
    """Records of this schema for one line of any format this harness has written: a list,
    empty for lines that hold nothing to report (an old perf file's derived summaries)."""
    if not isinstance(rec, dict):
        return [rec]
    schema = rec.get("schema")
    if schema == 1:
        return [_from_schema_2(dict(rec, kind="run", program=None))]
    if schema == 2:
        return [_from_schema_2(rec)]
    if schema == "parlab-bench/1":
        return _upgrade_old_perf(rec, "%s:%d" % (path, lineno))
    if schema is None and "workload" in rec and "variant" in rec and "result" in rec:
        return [run_from_program(rec, run_id="raw-" + os.path.basename(str(path)),
                                 record_id="%s:%d" % (os.path.basename(str(path)), lineno))]
    return [rec]


def run_from_program(pj, **harness):
    """A run record made from a program's JSON line alone (no harness ran it): the program's
    own verdict stands in for the harness's checks."""
    threads, ranks = pj.get("threads") or 1, pj.get("ranks") or 1
    rec = {"schema": SCHEMA, "kind": "run", "record_id": harness.pop("record_id", None) or
           uuid.uuid4().hex, "run_id": harness.pop("run_id", "raw"), "date": harness.pop(
               "date", None) or "unknown", "workload": pj.get("workload"), "mode": pj.get("mode"),
           "variant": pj.get("variant"), "workers": threads * ranks, "ranks": ranks,
           "threads": threads, "oversubscribed": pj.get("oversubscribed") is True,
           "n": pj.get("n"), "tasks": pj.get("tasks"), "repeat": pj.get("repeat") or 0,
           "time_min": pj.get("time_min"), "time_median": pj.get("time_median"),
           "time_max": pj.get("time_max"), "bytes": pj.get("bytes"),
           "result": str(pj.get("result_hex") or pj.get("result")),
           "expected": str(pj.get("expected_hex") or pj.get("expected")),
           "verified": pj.get("verified") is True, "agrees_serial": None,
           "agrees_closed_form": pj.get("verified") is True, "method": pj.get("method"),
           "data": pj.get("data"),
           "provenance": {k: pj.get(k) for k in ("host", "cpu_model", "cores", "compiler",
                                                  "compiler_version", "cflags", "mpi_library",
                                                  "omp")},
           "program": pj}
    rec["provenance"]["slurm"] = {"job_id": pj["slurm_job_id"]} if pj.get("slurm_job_id") else {}
    rec.update(harness)
    return rec


def _date_of_run_id(run_id):
    """'bench-2026-11-25T171401' -> '2026-11-25T17:14:01' (old perf records have no date)."""
    stamp = str(run_id).split("-", 1)[-1]
    if len(stamp) == 17 and stamp[10] == "T":
        return "%s:%s:%s" % (stamp[:13], stamp[13:15], stamp[15:])
    return "unknown"


def _upgrade_old_perf(rec, where):
    kind, base = rec.get("kind"), {"schema": SCHEMA, "run_id": rec.get("run_id") or "old-perf",
                                   "record_id": where,
                                   "date": rec.get("date") or _date_of_run_id(rec.get("run_id")),
                                   "suite": "perf", "round": rec.get("round"),
                                   "key": rec.get("key")}
    command = rec.get("command")
    if command is not None:
        base["command"] = command
    if kind == "measurement" and isinstance(rec.get("program"), dict):
        out = run_from_program(rec["program"], **dict(base, wall_seconds=rec.get("wall")))
        # the program's own core count follows its binding (1 for a bound MPI rank): not the
        # machine's, which is what reports group by
        out["provenance"]["cores"] = None
        if isinstance(rec["program"].get("walls"), list):
            out["walls"] = rec["program"]["walls"]
        return [out]
    if kind == "measurement" and isinstance(rec.get("probe"), dict):
        p = rec["probe"]
        return [dict(base, kind="probe", probe=p.get("probe"), threads=p.get("threads"),
                     workers=p.get("threads"), n=p.get("n"), bytes=p.get("bytes"),
                     time_min=p.get("time_min"), time_median=p.get("time_median"),
                     time_max=p.get("time_max"), program=p)]
    if kind == "measurement" and isinstance(rec.get("numpy"), dict):
        p = rec["numpy"]
        return [dict(base, kind="reference", name="numpy_sum_int64", workload="sum", workers=1,
                     n=p.get("n"), bytes=p.get("bytes"), time_min=p.get("time_min"),
                     time_median=p.get("time_median"), time_max=p.get("time_max"), program=p)]
    if kind == "measurement" and isinstance(rec.get("python"), dict):
        p = rec["python"]
        t = p.get("seconds")
        return [dict(base, kind="reference", name="seed_python_" + str(p.get("mode")),
                     workload="sum", workers=1, n=p.get("n"), time_min=t, time_median=t,
                     time_max=t, program=p)]
    if kind == "ratio":
        return [dict(base, kind="ratio", **{k: rec.get(k) for k in (
            "name", "label", "what", "numerator", "denominator", "op", "target", "values",
            "median", "min", "max", "pass", "commands")})]
    if kind == "header":
        return [dict(base, kind="header", provenance=rec.get("provenance") or {},
                     notes=rec.get("notes") or [], plots=rec.get("plots") or [])]
    return []  # "summary": derived from the measurements, which are kept


def load(path, kinds=None):
    """Read and check every record of a results file, upgrading older formats.  Raises
    ResultsFileError naming the file and the line of the first bad record (truncated lines
    included).  kinds: keep only records of these kinds (default: all)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ResultsFileError(path, 0, "no such results file")
    except IsADirectoryError:
        raise ResultsFileError(path, 0, "is a directory, not a results file")
    except OSError as exc:
        raise ResultsFileError(path, 0, "cannot read: %s" % exc.strerror)
    records = []
    lines = data.split(b"\n")
    last = len(lines) - 1  # after a final newline, lines[last] == b""
    for i, raw in enumerate(lines):
        lineno = i + 1
        if i == last and raw == b"":
            break
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ResultsFileError(path, lineno, "not UTF-8 text")
        try:
            rec = json.loads(text)
        except ValueError as exc:
            hint = ""
            if i == last:
                hint = " (last line has no newline: the file was truncated or a write was cut off)"
            raise ResultsFileError(path, lineno, "not valid JSON: %s%s" % (exc, hint))
        for upgraded in _upgrade(rec, path, lineno):
            problems = validate(upgraded)
            if problems:
                raise ResultsFileError(path, lineno, "bad record: " + "; ".join(problems))
            if kinds is None or upgraded["kind"] in kinds:
                records.append(upgraded)
        if i == last:
            raise ResultsFileError(path, lineno,
                                   "last line has no newline at end of file (truncated write?)")
    return records


def append(path, rec):
    """Append one record as one line.  Safe with many concurrent writers (O_APPEND + flock,
    one write per line).  Refuses to write into a file whose last line is incomplete, and a
    write that fails (a full disk) is undone: the file is cut back to its old length, so it
    never holds a torn line, and ResultsFileError says what happened."""
    problems = validate(rec)
    if problems:
        raise ValueError("refusing to record an invalid record: " + "; ".join(problems))
    line = (json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
    if b"\n" in line[:-1]:
        raise ValueError("record serialised to more than one line")
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ResultsFileError(path, 0, "cannot open for appending: %s" % exc.strerror)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                raise ResultsFileError(path, _count_lines(fd, size) + 1,
                                       "last line has no newline (truncated write?); "
                                       "not appending; fix or move the file")
            try:
                written = os.write(fd, line)
                if written != len(line):  # a full disk: only part of the line fitted
                    raise OSError(errno.ENOSPC, "%s (%d of %d bytes written)"
                                  % (os.strerror(errno.ENOSPC), written, len(line)))
                os.fsync(fd)
            except OSError as exc:
                os.ftruncate(fd, size)  # no torn line: the file is as it was
                raise ResultsFileError(path, 0, "could not append a record (%s); the file "
                                       "is unchanged, with its %d earlier record(s)"
                                       % (exc.strerror or exc, _count_lines(fd, size)))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _count_lines(fd, size):
    count, off = 0, 0
    while off < size:
        chunk = os.pread(fd, 1 << 20, off)
        if not chunk:
            break
        count += chunk.count(b"\n")
        off += len(chunk)
    return count


def flatten(rec, prefix=""):
    out = {}
    for key, val in rec.items():
        name = prefix + key
        if isinstance(val, dict):
            out.update(flatten(val, name + "."))
        else:
            out[name] = val
    return out


def _csv_value(val):
    if val is None:
        return ""
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, list):
        sep = " | " if any(" " in str(v) for v in val) else " "
        return sep.join(str(v) for v in val)
    if isinstance(val, float):
        return repr(val)
    return str(val)


def csv_text(records):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for rec in records:
        flat = flatten(rec)
        w.writerow([_csv_value(flat.get(col)) for col in CSV_COLUMNS])
    return buf.getvalue()


def csv_path_for(jsonl_path):
    base = jsonl_path[:-len(".jsonl")] if jsonl_path.endswith(".jsonl") else jsonl_path
    return base + ".csv"


def write_csv_view(jsonl_path, csv_path=None):
    """Regenerate the CSV view of a results file (all its records), atomically, while
    holding the results file's lock so the view never misses a finished append."""
    csv_path = csv_path or csv_path_for(jsonl_path)
    fd = os.open(jsonl_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            records = load(jsonl_path, kinds=("run",))
            tmp = "%s.tmp.%d" % (csv_path, os.getpid())
            try:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    fh.write(csv_text(records))
                os.replace(tmp, csv_path)
            except OSError as exc:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise ResultsFileError(csv_path, 0, "could not write the CSV view: %s"
                                       % (exc.strerror or exc))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return csv_path, len(records)
