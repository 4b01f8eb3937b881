"""The floating-point sum (fsum): what agreement means for it, and the naive demonstration.

fsum has no closed form.  Its reference is the exact sum, which every fsum program computes
itself, untimed, with an integer accumulator, and reports correctly rounded as `expected_hex`
(docs/float.md).  The harness checks:

  reproducible method (the default)
    * result_hex is bit-identical to the serial fsum's, at every worker count;
    * error <= error_bound, and |result - expected| <= error_bound + 1 ulp of expected,
      recomputed here from the two hex values (a check on the reported `error`);
    * expected_hex is the same as the serial program's (every exact accumulator agrees).
  naive method (`--naive`, a demonstration)
    * result_hex may differ from the reproducible result: that is reported, never a failure;
    * only error > error_bound (or a failed run) fails, plus the same expected_hex check.
"""
import math
import struct
from fractions import Fraction

METHODS = ("reproducible", "naive")


def parse_hex(text):
    """float from a C99 %a string ('-0x1.5a0a0d16a37fdp+37'); None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return float.fromhex(text)
    except (ValueError, OverflowError):
        return None


def _ordered(x):
    """Map a double to an integer so that adjacent doubles differ by 1 (sign-magnitude to
    two's complement over the bit pattern)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def ulps_between(a, b):
    """a - b counted in units in the last place (doubles between them, signed); None when
    either is not a finite number."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    return _ordered(a) - _ordered(b)


def is_naive(rec):
    return rec.get("method") == "naive"


def record_ok(rec):
    """A record's own verdict.  Naive fsum runs only need to be verified and within their
    bound (their bits may differ from the reproducible result); everything else must also
    agree bit for bit with serial and with the reference."""
    if is_naive(rec):
        return rec["verified"] and rec["agrees_closed_form"]
    return rec["agrees_closed_form"] and rec["agrees_serial"] is not False and rec["verified"]


def _num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check(who, pj, method, serial_hex, serial_expected_hex):
    """Problems with one fsum answer; each names `who` and both values.

    serial_hex: the serial reproducible result_hex (None for the serial run itself; naive
    runs are never compared with it).  serial_expected_hex: the serial run's expected_hex."""
    problems = []
    rhex, ehex = pj.get("result_hex"), pj.get("expected_hex")
    r, e = parse_hex(rhex), parse_hex(ehex)
    if r is None:
        return ["%s: result_hex %r is not a hex float" % (who, rhex)]
    if e is None:
        return ["%s: expected_hex %r is not a hex float" % (who, ehex)]
    if pj.get("method") != method:
        problems.append("%s: reported method %r, expected %r" % (who, pj.get("method"), method))
    if method == "reproducible" and serial_hex is not None and rhex != serial_hex:
        problems.append("%s: result_hex %s != serial reference %s (%+d ulp): the reproducible "
                        "sum must be bit-identical at every worker count"
                        % (who, rhex, serial_hex, ulps_between(r, parse_hex(serial_hex)) or 0))
    if serial_expected_hex is not None and ehex != serial_expected_hex:
        problems.append("%s: expected_hex %s != serial's expected_hex %s (the exact sums "
                        "disagree)" % (who, ehex, serial_expected_hex))
    err, bound = pj.get("error"), pj.get("error_bound")
    if not (_num(err) and _num(bound)):
        problems.append("%s: error %r / error_bound %r missing or not numbers" % (who, err, bound))
    elif not within_bound(pj):  # the program's verdict on its error is `verified`, below
        problems.append("%s: |result %s - expected %s| exceeds error_bound %r"
                        % (who, rhex, ehex, bound))
    if pj.get("verified") is not True:
        problems.append("%s: the program's own check failed (verified=%r)"
                        % (who, pj.get("verified")))
    if method == "reproducible" and pj.get("runs_identical") is False:
        problems.append("%s: the timed runs gave different bits (runs_identical=false)" % who)
    return problems


def within_bound(pj):
    """The harness's own test of the program's numbers (not its verdict, which is `verified`):
    the distance between the two hex values, in exact rational arithmetic, within the error
    bound.  expected is the exact sum rounded, so |result - expected| may exceed the true error
    by at most half an ulp of expected."""
    r, e, bound = parse_hex(pj.get("result_hex")), parse_hex(pj.get("expected_hex")), \
        pj.get("error_bound")
    if r is None or e is None or not _num(bound):
        return False
    return abs(Fraction(r) - Fraction(e)) <= Fraction(bound) + Fraction(math.ulp(e))


def demo_table(rows, reproducible_hex):
    """The naive demonstration: one row per naive run.  rows: records (method naive)."""
    from . import fmt
    out_rows = []
    differ = 0
    for r in rows:
        d = r.get("ulps_from_reproducible")
        if d:
            differ += 1
        out_rows.append([r["variant"],
                         fmt.workers_label(r["variant"], r["ranks"], r["threads"],
                                           r["oversubscribed"]),
                         r.get("result_hex") or r["result"],
                         "-" if d is None else ("0 (same bits)" if d == 0 else "%+d" % d),
                         "%.3g / %.3g" % (r["error"], r["error_bound"])
                         if _num(r.get("error")) and _num(r.get("error_bound")) else "-",
                         "" if record_ok(r) else "OUT OF BOUND"])
    head = ("naive demonstration (fsum --naive, not a check): a plain reduction(+) / MPI_Reduce "
            "at each worker count,\ncompared with the reproducible result %s. Differing bits are "
            "expected; only error > error_bound fails." % reproducible_hex)
    text = head + "\n" + fmt.table(["variant", "workers", "naive result_hex",
                                    "ulps from reproducible", "error / bound", "note"],
                                   out_rows, "lrrrrl")
    text += ("\n%d of %d naive runs differ from the reproducible bits"
             % (differ, len(rows)))
    return text
