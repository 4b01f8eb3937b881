#!/usr/bin/python3
"""A broken "OpenMP" program for the harness test: it prints a JSON line whose result is
off by one but still claims verified:true.  The harness must catch it.
Which workload it plays is read from the arguments (--tasks: sum; -n: square array;
plain numbers: square numbers mode)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_program  # noqa: E402

args = sys.argv[1:]
workload = "sum" if "--tasks" in args else "square"
sys.exit(fake_program.main(workload, "openmp", wrong=True))
