"""Text formatting shared by the bench, report and compare tables."""


def time_unit(seconds):
    if seconds is None:
        return 1.0, "s"
    if seconds >= 1.0:
        return 1.0, "s"
    if seconds >= 1e-3:
        return 1e3, "ms"
    return 1e6, "us"


def num(x, digits=3):
    """About `digits` significant digits, no exponent for ordinary magnitudes."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax < 1e-3:
        return "%.*g" % (digits, x)
    if ax >= 10 ** digits:
        return "%.0f" % x
    decimals = 0
    while ax < 10 ** (digits - 1 - decimals) and decimals < 9:
        decimals += 1
    return "%.*f" % (decimals, x)


def time_range(med, tmin, tmax):
    """'41.2 ms (40.9-43.0)'"""
    scale, unit = time_unit(med)
    return "%s %s (%s-%s)" % (num(med * scale), unit, num(tmin * scale), num(tmax * scale))


def time_ci(med, ci, tmin, tmax):
    """'41.2 ms [40.9-43.0]', the median and its 95% confidence interval; with too few
    repetitions for an interval, '41.2 ms (min-max 40.9-43.0)'."""
    scale, unit = time_unit(med)
    if ci is None:
        return "%s %s (min-max %s-%s)" % (num(med * scale), unit, num(tmin * scale),
                                          num(tmax * scale))
    return "%s %s [%s-%s]" % (num(med * scale), unit, num(ci[0] * scale), num(ci[1] * scale))


def ratio_ci(ratio, ci):
    """'1.95 [1.90-2.01]', or '1.95' without an interval, or '-' without a ratio."""
    if ratio is None:
        return "-"
    if ci is None:
        return "%.2f" % ratio
    return "%.2f [%.2f-%.2f]" % (ratio, ci[0], ci[1])


def table(headers, rows, align=None):
    """Fixed-width text table.  align: string of 'l'/'r' per column."""
    cols = len(headers)
    align = align or "l" * cols
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(cols)]
    out = []
    for k, r in enumerate(cells):
        parts = []
        for i, c in enumerate(r):
            parts.append(c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i]))
        out.append("  ".join(parts).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def workers_label(variant, ranks, threads, oversubscribed):
    w = ranks * threads
    label = str(w)
    if variant == "hybrid":
        label += " (%dx%d)" % (ranks, threads)
    if oversubscribed:
        label += " *"
    return label


def duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return "%d:%02d:%02d" % (seconds // 3600, seconds % 3600 // 60, seconds % 60)
    return "%d:%02d" % (seconds // 60, seconds % 60)
