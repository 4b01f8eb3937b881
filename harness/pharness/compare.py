"""`compare`: two recorded result sets (before/after a change, laptop/cluster).

Cells are matched by workload, size and variant shape (ranks x threads).  For each cell the
ratio new/old of the median times is shown; a ratio above 1 + tolerance is a regression and
makes the exit status 1.  Results that differ between the two sets are flagged too.
Oversubscribed cells are shown but not judged unless --include-oversubscribed.
"""
from . import fmt, registry, report, stats


def _cells(recs):
    cells = {}
    for r in recs:
        if r.get("kind", "run") != "run":
            continue
        cells.setdefault((report.config_key(r), report.cell_key(r)), []).append(r)
    return cells


def _machines(recs):
    seen = []
    for r in recs:
        if r.get("kind", "run") != "run":  # perf's ratios and headers: no machine of their own
            continue
        p = r["provenance"]
        m = "%s (%s, %s cores, commit %s)" % (p.get("host"), p.get("cpu_model"), p.get("cores"),
                                             (p.get("git_commit") or "unknown")[:12])
        if m not in seen:
            seen.append(m)
    return seen


def compare(old, new, tolerance=0.10, include_oversubscribed=False, metric="time_median",
            old_name="old", new_name="new"):
    """Return (text, flagged_count, matched_count)."""
    a, b = _cells(old), _cells(new)
    common = sorted(set(a) & set(b), key=lambda k: (
        k[0][0], k[0][1], k[0][2] or 0, k[0][3] or 0, k[0][6] or "", k[0][7] or "",
        tuple(x or 0 for x in k[0][8:]), report.VARIANT_ORDER.get(k[1][0], 9),
        k[1][1] * k[1][2], k[1][1]))
    rows, flagged = [], 0
    for k in common:
        ra, rb = a[k], b[k]
        if metric == "time_min":
            ta, tb = min(r["time_min"] for r in ra), min(r["time_min"] for r in rb)
        else:
            ta = stats.aggregate_times(ra)["time_median"]
            tb = stats.aggregate_times(rb)["time_median"]
        ratio = tb / ta if ta > 0 else float("inf")
        over = any(r["oversubscribed"] for r in ra + rb)
        res_a = {r["result"] for r in ra}
        res_b = {r["result"] for r in rb}
        verdict = []
        naive = any(r.get("method") == "naive" for r in ra + rb)
        if naive and (res_a != res_b or len(res_a) != 1):
            verdict.append("naive bits differ (a demonstration, not judged)")
        elif res_a != res_b or len(res_a) != 1:
            verdict.append("RESULT DIFFERS: %s vs %s" % ("/".join(sorted(res_a)),
                                                        "/".join(sorted(res_b))))
            flagged += 1
        if ratio > 1.0 + tolerance:
            if over and not include_oversubscribed:
                verdict.append("slower, oversubscribed: not judged")
            else:
                busy = _busiest(ra + rb)
                verdict.append("REGRESSION" + (" (recorded on a loaded machine: load %.2f on "
                                               "%d cores)" % busy if busy else ""))
                flagged += 1
        elif ratio < 1.0 / (1.0 + tolerance):
            verdict.append("faster")
        (workload, mode, n, tasks, numbers, delay, method, data), grid = k[0][:8], k[0][8:]
        variant, ranks, threads = k[1]
        size = ("n=%s" % format(n, ",") if n is not None else "numbers %d" % len(numbers))
        if tasks is not None:
            size += " tasks=%d" % tasks
        size += "".join(" %s=%s" % kv for kv in zip(registry.GRID_KEYS, grid)
                        if kv[1] is not None)
        if method:
            size += " " + method + ("" if data in (None, "random") else " " + data)
        rows.append(["%s/%s" % (workload, mode), size, variant,
                     fmt.workers_label(variant, ranks, threads, over),
                     _t(ta), _t(tb), "%.2f" % ratio, ", ".join(verdict) or "ok"])
    only_a = len(set(a) - set(b))
    only_b = len(set(b) - set(a))
    out = ["compare %s: %s (old) vs %s (new)" % (metric, old_name, new_name),
           "  old: " + "; ".join(_machines(old)),
           "  new: " + "; ".join(_machines(new)),
           "  tolerance: a ratio new/old above %.2f is a regression" % (1 + tolerance), ""]
    if rows:
        out.append(fmt.table(["workload", "size", "variant", "workers", "old", "new",
                              "new/old", "verdict"], rows, "llllrrrl"))
    else:
        out.append("no configuration appears in both sets (sizes, workloads or worker counts "
                   "differ)")
    if only_a or only_b:
        out.append("")
        out.append("not compared: %d configuration(s) only in old, %d only in new"
                   % (only_a, only_b))
    if any(r.get("oversubscribed") for r in old + new):
        out.append("* oversubscribed (more workers than cores)")
    out.append("")
    out.append("%d flagged out of %d compared" % (flagged, len(rows)))
    return "\n".join(out) + "\n", flagged, len(rows)


def _busiest(recs):
    """(load, cores) of the busiest record made while the load exceeded the cores, or None."""
    worst = None
    for r in recs:
        p = r.get("provenance") or {}
        load, cores = (p.get("load_average") or [None])[0], p.get("cores")
        if load is not None and cores and load > cores and (worst is None or load > worst[0]):
            worst = (load, cores)
    return worst


def _t(seconds):
    scale, unit = fmt.time_unit(seconds)
    return "%s %s" % (fmt.num(seconds * scale), unit)
