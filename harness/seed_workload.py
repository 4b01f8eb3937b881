#!/usr/bin/env python3
"""The seed notebook's summation workload, for bench.py to time next to parlab's C programs.

cpu_heavy_task() and the bodies of sequential() and with_pool() are copied verbatim from the seed
notebook that parlab grew out of (its cells "Testing without multiprocessing" and
"Testing with multi processing"); only their print() lines were dropped, and the timings and
results are returned instead.  The notebook itself is not part of the repository, hence the copy.

    seed_workload.py sequential|pool     prints one JSON line: {"mode", "seconds", "results_ok"}
"""
import json
import multiprocessing
import sys
import time


# --- from the seed, verbatim -------------------------------------------------------------------
def cpu_heavy_task(n):
    count = 0
    for i in range(10**7):
        count += i
    return count
# -----------------------------------------------------------------------------------------------


def sequential():
    # the seed's "Testing without multiprocessing" cell
    numbers = [1, 2, 3, 4]

    start_time = time.time()

    results = []
    for n in numbers:
        results.append(cpu_heavy_task(n))

    end_time = time.time()
    return end_time - start_time, results


def with_pool():
    # the seed's "Testing with multi processing" cell
    numbers = [1, 2, 3, 4]

    start_time = time.time()

    with multiprocessing.Pool() as pool:

        results = pool.map(cpu_heavy_task, numbers)

    end_time = time.time()
    return end_time - start_time, results


def main():
    modes = {"sequential": sequential, "pool": with_pool}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        print("usage: seed_workload.py sequential|pool", file=sys.stderr)
        return 2
    seconds, results = modes[sys.argv[1]]()
    expected = 10**7 * (10**7 - 1) // 2
    print(json.dumps({"mode": sys.argv[1], "seconds": seconds, "tasks": len(results),
                      "n": 10**7, "results_ok": results == [expected] * 4}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
