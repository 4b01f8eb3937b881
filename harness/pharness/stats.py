"""Small statistics used by the report: medians with their confidence intervals, aggregation
of repeated records, speedup, efficiency, bandwidth, and the Amdahl serial-fraction fit.

Why nonparametric: run times are not normal (a floor, and a long tail of interruptions), so a
mean and a standard deviation describe them badly.  The median's confidence interval from order
statistics assumes nothing about their shape (docs/timing.md, after Hoefler and Belli's rules)."""
import math

CONFIDENCE = 0.95   # every interval parlab prints


def median(values):
    vals = sorted(values)
    if not vals:
        raise ValueError("median of an empty list")
    mid = len(vals) // 2
    if len(vals) % 2:
        return vals[mid]
    return (vals[mid - 1] + vals[mid]) / 2.0


def median_ci(values, confidence=CONFIDENCE):
    """The median's nonparametric confidence interval (lo, hi): two order statistics of the
    sorted sample, x(j) and x(n+1-j), with j the largest index for which the number of values
    below the true median, Binomial(n, 1/2), is below j with probability at most (1-level)/2.
    Exact for any continuous distribution.  None when the sample is too small for the level
    (fewer than 6 values at 95%)."""
    vals = sorted(values)
    n = len(vals)
    tail = (1.0 - confidence) / 2.0
    j, below = 0, 0.0   # below: P(Binomial(n, 1/2) <= j - 1)
    while j < n // 2:
        nxt = below + math.comb(n, j) / 2.0 ** n
        if nxt > tail:
            break
        below, j = nxt, j + 1
    if j == 0:
        return None
    return vals[j - 1], vals[n - j]


def ratio_ci(top, bottom, confidence=CONFIDENCE):
    """The interval of median(top) / median(bottom) that the two medians' intervals allow:
    (lo_top / hi_bottom, hi_top / lo_bottom).  Conservative (its level is at least
    2 * level - 1 when the samples are independent), and it needs no assumption about either
    distribution.  None when either sample is too small."""
    a, b = median_ci(top, confidence), median_ci(bottom, confidence)
    if a is None or b is None or b[0] <= 0:
        return None
    return a[0] / b[1], a[1] / b[0]


def overlap(a, b):
    """Whether two intervals (lo, hi) overlap; None when either is unknown."""
    if a is None or b is None:
        return None
    return a[0] <= b[1] and b[0] <= a[1]


def pooled_times(records):
    """Every timed repetition of these records (one configuration, several runs and rounds),
    or [] when a record has no list of times (recorded before parlab kept them)."""
    times = []
    for r in records:
        each = r.get("times")
        if not isinstance(each, list) or not each:
            return []
        times += [float(t) for t in each]
    return times


def summary(values):
    """median, min, max and count of a list of numbers (one measurement over rounds)."""
    return {"median": median(values), "min": min(values), "max": max(values),
            "count": len(values)}


def aggregate_times(records):
    """Combine several records of the same configuration (e.g. the bench was run twice).

    Each record holds the min / median / max over its own K timed repetitions, and the
    repetitions themselves (`times`).  Combined: the median of all repetitions with its
    confidence interval (`ci`, None if too few), min of the mins, max of the maxes, total
    repeats.  Records without `times` (older files) give the median of their medians, no ci.
    """
    if not records:
        raise ValueError("aggregate_times: no records")
    times = pooled_times(records)
    return {
        # the median of every repetition when the records list them, else of their medians
        "time_median": median(times) if times else median([r["time_median"] for r in records]),
        "ci": median_ci(times) if times else None,
        "times": times,
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
