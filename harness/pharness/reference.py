"""Exact reference answers, computed independently of the C programs (Python integers).

Workloads (see the program contract):
  sum    array mode:   each of `tasks` tasks sums the values 0..n-1; the result is one task's
                       answer (every task must give it)                -> n(n-1)/2
  square array mode:   squares 1..n and adds them up                 -> n(n+1)(2n+1)/6
  square numbers mode: squares the given numbers and adds them up    -> sum of x*x
"""


def sum_array(n):
    """One task's answer: 0 + 1 + ... + (n-1)."""
    return n * (n - 1) // 2


def square_array(n):
    return n * (n + 1) * (2 * n + 1) // 6


def square_numbers(numbers):
    return sum(int(x) * int(x) for x in numbers)


def closed_form(workload, mode, n=None, tasks=None, numbers=None):
    """Return the exact expected result as a Python int."""
    if workload == "sum" and mode == "array":
        return sum_array(int(n))
    if workload == "square" and mode == "array":
        return square_array(int(n))
    if workload == "square" and mode == "numbers":
        return square_numbers(numbers)
    raise ValueError("no closed form for workload %r in mode %r" % (workload, mode))
