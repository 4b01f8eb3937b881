"""Result records: schema check, safe concurrent appends, loading, and the CSV view.

A results file is JSON Lines: one JSON object per line, one line per program run.
Many writers may append at once (a Slurm array finishing together): each append opens the
file with O_APPEND, takes an exclusive flock, checks that the file ends with a newline,
and writes the whole line with one os.write.  Records are never rewritten or removed.
The schema is documented in results/README.md.
"""
import csv
import fcntl
import io
import json
import os

SCHEMA = 1

# key -> (accepted types, required)
_NUM = (int, float)
_OPT_STR = (str, type(None))
_OPT_INT = (int, type(None))
FIELDS = {
    "schema": ((int,), True),
    "record_id": ((str,), True),
    "run_id": ((str,), True),
    "date": ((str,), True),
    "label": (_OPT_STR, False),
    "preset": (_OPT_STR, False),
    "workload": ((str,), True),
    "mode": ((str,), True),
    "variant": ((str,), True),
    "workers": ((int,), True),
    "ranks": ((int,), True),
    "threads": ((int,), True),
    "oversubscribed": ((bool,), True),
    "program_oversubscribed": ((bool, type(None)), False),
    "n": (_OPT_INT, True),
    "tasks": (_OPT_INT, True),
    "numbers": ((list, type(None)), False),
    "delay": ((int, float, type(None)), False),
    "repeat": ((int,), True),
    "warmup": (_OPT_INT, False),
    "time_min": (_NUM, True),
    "time_median": (_NUM, True),
    "time_max": (_NUM, True),
    "timer_resolution": ((int, float, type(None)), False),
    "bytes": (_OPT_INT, False),
    "result": ((str,), True),
    "expected": ((str,), True),
    "program_expected": (_OPT_STR, False),
    "verified": ((bool,), True),
    "serial_result": (_OPT_STR, False),
    "agrees_serial": ((bool, type(None)), True),
    "agrees_closed_form": ((bool,), True),
    "command": ((list,), False),
    "env": ((dict,), False),
    "binding": ((list,), False),
    "wall_seconds": ((int, float, type(None)), False),
    "provenance": ((dict,), True),
    # fsum only (absent or null for the integer workloads); see results/README.md
    "method": (_OPT_STR, False),
    "result_hex": (_OPT_STR, False),
    "expected_hex": (_OPT_STR, False),
    "result_decimal": (_OPT_STR, False),
    "error": ((int, float, type(None)), False),
    "error_bound": ((int, float, type(None)), False),
    "sum_abs": ((int, float, type(None)), False),
    "reproducible": ((bool, type(None)), False),
    "runs_identical": ((bool, type(None)), False),
    "data": (_OPT_STR, False),
    "ulps_from_reproducible": (_OPT_INT, False),
}

PROVENANCE_FIELDS = [
    "git_commit", "git_dirty", "host", "cpu_model", "cores", "compiler", "compiler_version",
    "cflags", "mpi_library", "mpi_launcher", "omp", "slurm",
]

CSV_COLUMNS = [
    "date", "run_id", "record_id", "label", "preset", "workload", "mode", "variant", "workers",
    "ranks", "threads", "oversubscribed", "program_oversubscribed", "n", "tasks", "numbers", "delay", "repeat", "warmup",
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
    problems = []
    for key, (types, required) in FIELDS.items():
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
    if not problems and rec["schema"] != SCHEMA:
        problems.append("schema version %r, this harness reads version %d" % (rec["schema"], SCHEMA))
    if not problems:
        if not (rec["time_min"] <= rec["time_median"] <= rec["time_max"]):
            problems.append("times not ordered: time_min <= time_median <= time_max fails")
        if rec["workers"] != rec["ranks"] * rec["threads"]:
            problems.append("workers (%d) != ranks (%d) x threads (%d)"
                            % (rec["workers"], rec["ranks"], rec["threads"]))
    return problems


def _typenames(types):
    names = {int: "integer", float: "number", str: "string", bool: "boolean",
             list: "array", dict: "object", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def load(path):
    """Read and check every record of a results file.  Raises ResultsFileError naming
    the file and the line of the first bad record (truncated lines included)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ResultsFileError(path, 0, "no such results file")
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
        problems = validate(rec)
        if problems:
            raise ResultsFileError(path, lineno, "bad record: " + "; ".join(problems))
        if i == last:
            raise ResultsFileError(path, lineno,
                                   "last line has no newline at end of file (truncated write?)")
        records.append(rec)
    return records


def append(path, rec):
    """Append one record as one line.  Safe with many concurrent writers (O_APPEND + flock,
    one write per line).  Refuses to write into a file whose last line is incomplete."""
    problems = validate(rec)
    if problems:
        raise ValueError("refusing to record an invalid record: " + "; ".join(problems))
    line = (json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
    if b"\n" in line[:-1]:
        raise ValueError("record serialised to more than one line")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                raise ResultsFileError(path, _count_lines(fd, size) + 1,
                                       "last line has no newline (truncated write?); "
                                       "not appending; fix or move the file")
            written = os.write(fd, line)
            if written != len(line):
                raise OSError("short write to %s (%d of %d bytes)" % (path, written, len(line)))
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
            records = load(jsonl_path)
            tmp = "%s.tmp.%d" % (csv_path, os.getpid())
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(csv_text(records))
            os.replace(tmp, csv_path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return csv_path, len(records)
