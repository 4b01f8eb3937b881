#!/usr/bin/python3
"""A broken "OpenMP" program for the harness test: it prints a JSON line whose result is
off by one but still claims verified:true.  The harness must catch it.
Which workload it plays is FAKE_WRONG_WORKLOAD's (default sum); the arguments pick its mode."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_program  # noqa: E402

sys.exit(fake_program.main(os.environ.get("FAKE_WRONG_WORKLOAD", "sum"), "openmp", wrong=True))
