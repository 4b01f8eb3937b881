"""Speed, graded where speed is the lesson: the student's program against a reference, timed in
the same session, in pairs that alternate which runs first (each side the median of REPEAT timed
runs), and decided only when the numbers allow it.

Why this way: a shared 2-core machine drifts by 20% from minute to minute, so a fixed time limit
would fail good programs on a bad minute and pass slow ones on a good one.  A ratio of two runs
made moments apart shares the drift; the median ratio over pairs, with its nonparametric 95%
confidence interval (pharness/stats.py), says whether the data support a verdict at all.  A
verdict of "too slow" also needs a machine that left the runs alone: while other programs use a
core, two threads share one and every parallel program looks slow.  So each pair measures what
the rest of the machine did (its busy CPU time in /proc/stat, less this process's and its
children's): with `threads` threads on `cores` cores while others used O cores, a run may have
been slowed by up to threads / (cores - O), so "too slow" needs the whole interval above the
limit times that factor (others using a core or more on 2 cores: no "too slow" at all).
When neither verdict is supported after the cap of pairs, the check says "inconclusive", with
its own exit status, never "not done".  docs/exercises.md ("Speed") gives the method; each
exercise's README states its limit, and its row in pharness/exercises.py holds it.
"""
import os
import resource
import time

from . import stats

INCONCLUSIVE = 3     # the exit status of ./parlab check when the machine was too busy to judge
REPEAT = 3           # each side of a pair: the median of this many timed runs
FIRST_PAIRS = 6      # the fewest pairs with a 95% interval of their median
MAX_PAIRS = 10       # then one more at a time, up to this cap
DISTURBED = 0.1      # others' CPU use, in cores, that is worth saying


class Speed:
    """One exercise's timed check: time(student) / time(reference) at `threads` threads, median
    over pairs, must be at most `limit`.

    student, reference   what each run changes: {"way": ..., "env": {...}} of the student's own
                         program; reference "parlab" is parlab's own kernel file of the
                         exercise's workload (openmp/sum.c for 02), built like the student's
    size                 the -n (and --tasks) of every run: large enough that a run lasts
                         milliseconds, small enough that a gross mistake ends in seconds
    about                what is compared, for the check's line and the README
    """

    def __init__(self, limit, about, size, threads=2, student=None, reference="parlab"):
        self.limit, self.about, self.size, self.threads = limit, about, size, threads
        self.student, self.reference = student or {}, reference


def _busy_seconds():
    """(CPU seconds every core spent busy since boot, CPU seconds of this process and of its
    waited-for children)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    ticks = os.sysconf("SC_CLK_TCK")
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return (user + nice + system + irq + softirq) / ticks, own


class Pair:
    """The two times of one pair, and the cores others used meanwhile."""

    def __init__(self, student, reference, others):
        self.student, self.reference, self.others = student, reference, others

    @property
    def ratio(self):
        return self.student / self.reference if self.reference > 0 else float("inf")


def measure_pair(time_student, time_reference, student_first):
    """Runs both (time_*: callables returning seconds), in the given order."""
    busy0, own0 = _busy_seconds()
    wall0 = time.monotonic()
    if student_first:
        s = time_student()
        r = time_reference()
    else:
        r = time_reference()
        s = time_student()
    wall = time.monotonic() - wall0
    busy1, own1 = _busy_seconds()
    others = max(0.0, (busy1 - busy0) - (own1 - own0)) / wall if wall > 0 else 0.0
    return Pair(s, r, others)


def allowance(pairs, threads, cores):
    """How much slower other programs may have made a run: threads / (cores - others) in the
    busiest pair, at least 1; None when they left less than a quarter core per thread (then
    no slowdown can be ruled out)."""
    free = cores - busiest(pairs)
    if free < 0.25 * threads:
        return None
    return max(1.0, threads / free) if free < threads else 1.0


def decide(pairs, limit, threads, cores):
    """'fast' when the ratio's 95% interval lies at or below the limit; 'slow' when it lies above
    the limit times what others' use of the cores could explain; None while the data allow
    neither."""
    ratios = [p.ratio for p in pairs]
    ci = stats.median_ci(ratios)
    if ci is None:
        return None, ci
    if ci[1] <= limit:
        return "fast", ci
    factor = allowance(pairs, threads, cores)
    if factor is not None and ci[0] > limit * factor:
        return "slow", ci
    return None, ci


def judge(spec, time_student, time_reference, cores):
    """Pairs until a verdict, or the cap.  Returns (verdict: 'fast', 'slow' or None, ci, pairs)."""
    pairs = []
    while len(pairs) < MAX_PAIRS:
        pairs.append(measure_pair(time_student, time_reference, len(pairs) % 2 == 0))
        if len(pairs) >= FIRST_PAIRS:
            verdict, ci = decide(pairs, spec.limit, spec.threads, cores)
            if verdict:
                return verdict, ci, pairs
    verdict, ci = decide(pairs, spec.limit, spec.threads, cores)
    return verdict, ci, pairs


def median_ratio(pairs):
    return stats.median([p.ratio for p in pairs])


def summary(pairs, ci, named):
    """'yours 12.3 ms, parlab's openmp/sum.c 11.9 ms: ratio 1.04 [95% CI 0.98-1.10] over 6
    pairs'"""
    med = median_ratio(pairs)
    return "yours %s, %s %s: ratio %.2f [95%% CI %.2f-%.2f] over %d pairs" % (
        _ms(stats.median([p.student for p in pairs])), named,
        _ms(stats.median([p.reference for p in pairs])), med, ci[0] if ci else med,
        ci[1] if ci else med, len(pairs))


def busiest(pairs):
    """The most cores other programs used during one pair."""
    return max(p.others for p in pairs) if pairs else 0.0


def _ms(seconds):
    return "%.1f ms" % (1000 * seconds) if seconds < 10 else "%.1f s" % seconds
