"""Small statistics used by the report: medians, aggregation of repeated records,
speedup, efficiency, bandwidth, and the Amdahl serial-fraction fit."""


def median(values):
    vals = sorted(values)
    if not vals:
        raise ValueError("median of an empty list")
    mid = len(vals) // 2
    if len(vals) % 2:
        return vals[mid]
    return (vals[mid - 1] + vals[mid]) / 2.0


def summary(values):
    """median, min, max and count of a list of numbers (one measurement over rounds)."""
    return {"median": median(values), "min": min(values), "max": max(values),
            "count": len(values)}


def aggregate_times(records):
    """Combine several records of the same configuration (e.g. the bench was run twice).

    Each record already holds the min / median / max over its own K timed repetitions.
    Combined: median of the medians, min of the mins, max of the maxes, total repeats.
    """
    if not records:
        raise ValueError("aggregate_times: no records")
    return {
        "time_median": median([r["time_median"] for r in records]),
        "time_min": min(r["time_min"] for r in records),
        "time_max": max(r["time_max"] for r in records),
        "repeats": sum(int(r.get("repeat") or 0) for r in records),
        "records": len(records),
    }


def speedup(t_serial, t_parallel):
    if not t_parallel or t_parallel <= 0 or t_serial is None:
        return None
    return t_serial / t_parallel


def efficiency(s, workers):
    if s is None or not workers:
        return None
    return s / workers


def bandwidth_gbs(nbytes, seconds):
    """Bytes moved per timed run divided by the time, in GB/s (1 GB = 1e9 bytes)."""
    if not nbytes or not seconds or seconds <= 0:
        return None
    return nbytes / seconds / 1e9


def amdahl_fit(points):
    """Least-squares fit of Amdahl's law to measured speedups.

    points: iterable of (p, S) with p workers and measured speedup S (callers leave out
    oversubscribed runs).  Model: 1/S = f + (1-f)/p, i.e. y = f*x with
    y = 1/S - 1/p and x = 1 - 1/p, so the least-squares slope is f = sum(xy)/sum(xx).
    Points with p = 1 carry no information (x = 0) and are ignored.

    Returns dict(f=..., points=k, residual=rms of 1/S, max_speedup=1/f or None), or None
    when there is no usable point (no p > 1).
    """
    xs, ys, used = [], [], []
    for p, s in points:
        if p is None or s is None or p <= 1 or s <= 0:
            continue
        x = 1.0 - 1.0 / p
        y = 1.0 / s - 1.0 / p
        xs.append(x)
        ys.append(y)
        used.append((p, s))
    if not xs:
        return None
    sxx = sum(x * x for x in xs)
    f = sum(x * y for x, y in zip(xs, ys)) / sxx
    resid = [(1.0 / s) - (f + (1.0 - f) / p) for p, s in used]
    rms = (sum(r * r for r in resid) / len(resid)) ** 0.5
    return {
        "f": f,
        "points": len(used),
        "workers": sorted({p for p, _ in used}),
        "rms_residual": rms,
        "max_speedup": (1.0 / f) if f > 0 else None,
    }
