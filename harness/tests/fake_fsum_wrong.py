#!/usr/bin/python3
"""A broken fsum "OpenMP" program for the harness test: its reproducible result is 1 ulp away
from the serial one, still within its error bound and claiming verified:true.  Only the bit
comparison with the serial fsum can catch it; the harness must."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_program  # noqa: E402

sys.exit(fake_program.main("fsum", "openmp", wrong=True))
