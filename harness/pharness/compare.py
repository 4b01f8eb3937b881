"""`compare`: two recorded result sets (before/after a change, laptop/cluster).

Cells are matched by workload, size and variant shape (ranks x threads).  For each cell the
ratio new/old of the median times is shown, with its 95% interval.  A cell is a regression,
and makes the exit status 1, only when the data support it: the ratio is above 1 + tolerance
and the two medians' 95% confidence intervals do not overlap (docs/timing.md).  Records
without the repetitions' times (older files) are judged on the ratio alone, and say so.
Results that differ between the two sets are flagged too.  Oversubscribed cells are shown but
not judged unless --include-oversubscribed.
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
        agg_a, agg_b = stats.aggregate_times(ra), stats.aggregate_times(rb)
        if metric == "time_min":
            ta, tb = min(r["time_min"] for r in ra), min(r["time_min"] for r in rb)
            apart, ratio_ci = None, None
        else:
            ta, tb = agg_a["time_median"], agg_b["time_median"]
            apart = stats.overlap(agg_a["ci"], agg_b["ci"])
            apart = None if apart is None else not apart
            ratio_ci = stats.ratio_ci(agg_b["times"], agg_a["times"]) if apart is not None \
                else None
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
            elif apart is False:
                verdict.append("slower, within the noise: the 95% intervals overlap")
            else:
                busy = _busiest(ra + rb)
                verdict.append("REGRESSION" + (" (recorded on a loaded machine: load %.2f on "
                                               "%d cores)" % busy if busy else "") +
                               (" (no times to give an interval: judged on the ratio alone)"
                                if apart is None and metric != "time_min" else ""))
                flagged += 1
        elif ratio < 1.0 / (1.0 + tolerance):
            verdict.append("faster" if apart is not False else "faster, within the noise")
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
                     _t(ta), _t(tb), fmt.ratio_ci(ratio, ratio_ci), ", ".join(verdict) or "ok"])
    only_a = len(set(a) - set(b))
    only_b = len(set(b) - set(a))
    out = ["compare %s: %s (old) vs %s (new)" % (metric, old_name, new_name),
           "  old: " + "; ".join(_machines(old)),
           "  new: " + "; ".join(_machines(new)),
           "  a regression: new/old above %.2f, and the two medians' 95%% confidence intervals "
           "apart" % (1 + tolerance), ""]
    if rows:
        out.append(fmt.table(["workload", "size", "variant", "workers", "old", "new",
                              "new/old [95% CI]", "verdict"], rows, "llllrrrl"))
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
