#!/usr/bin/env python3
"""Is a PMIx fence that collects no data a barrier across the nodes of a Slurm step?

  srun --mpi=pmix -N 2 -n 2 --ntasks-per-node=1 python3 pmix_barrier.py [DELAY]

Why: Open MPI's MPI_Init ends with such a fence and relies on it being a barrier: a rank that
has passed it may at once send to any other rank.  If the fence ends on each node as soon as
that node's own ranks arrive, a node that is ahead sends to a rank still in the fence before,
whose Open MPI has no handler for the message yet, and that rank dies of SIGSEGV in MPI_Init.
Slurm decides how fences travel between nodes (docs/slurm.md, "The test clusters").

Every task is one PMIx client (libpmix through ctypes: PMIx_Init, PMIx_Fence with no
processes and no info, PMIx_Finalize).  Rank 1 waits DELAY seconds (default 1) before its
fence.  Every task prints one JSON line: its rank, its host and how long its fence took.  In a
barrier every other rank waits about DELAY.  Exit status 0, or 1 when PMIx fails.
"""
import ctypes
import ctypes.util
import json
import socket
import sys
import time


class Proc(ctypes.Structure):
    """pmix_proc_t: the namespace (PMIX_MAX_NSLEN = 255, plus its NUL) and the rank."""
    _fields_ = [("nspace", ctypes.c_char * 256), ("rank", ctypes.c_uint32)]


def main():
    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    name = ctypes.util.find_library("pmix")
    if not name:
        print("pmix_barrier.py: libpmix not found", file=sys.stderr)
        return 1
    pmix = ctypes.CDLL(name)
    me = Proc()
    rc = pmix.PMIx_Init(ctypes.byref(me), None, ctypes.c_size_t(0))
    if rc != 0:
        print("pmix_barrier.py: PMIx_Init failed (%d): not started by srun --mpi=pmix?" % rc,
              file=sys.stderr)
        return 1
    if me.rank == 1:
        time.sleep(delay)
    t0 = time.monotonic()
    rc = pmix.PMIx_Fence(None, ctypes.c_size_t(0), None, ctypes.c_size_t(0))
    waited = time.monotonic() - t0
    print(json.dumps({"rank": me.rank, "host": socket.gethostname(), "fence_rc": rc,
                      "waited": round(waited, 3), "delay": delay}), flush=True)
    pmix.PMIx_Finalize(None, ctypes.c_size_t(0))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
