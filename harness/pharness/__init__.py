"""parlab harness: runs the serial / OpenMP / MPI / hybrid programs, checks that their
answers agree, records timings with provenance, and reports, plots and compares them.

Python 3 standard library only.  Entry point: harness/parlab_harness.py.
"""
