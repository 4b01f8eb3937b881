#!/usr/bin/python3
"""A stand-in for mpiexec in harness tests: `fake_mpiexec.py -n R [launcher options] PROGRAM
ARGS...` runs PROGRAM once with OMPI_COMM_WORLD_SIZE=R, OMPI_COMM_WORLD_RANK=0.
With FAKE_MPIEXEC_SINGLETONS=1 it instead starts R unconnected one-rank copies, the classic
launcher/library mismatch, which the harness must catch."""
import os
import subprocess
import sys

if sys.argv[1:2] == ["--version"]:
    print("fake mpiexec 0.0")
    sys.exit(0)
args = sys.argv[1:]
ranks = 1
while args and args[0].startswith("-"):
    opt = args.pop(0)
    if opt in ("-n", "-np"):
        ranks = int(args.pop(0))
    elif opt in ("--bind-to", "--map-by"):
        args.pop(0)
env = dict(os.environ)
if os.environ.get("FAKE_MPIEXEC_SINGLETONS") == "1":
    env.update(OMPI_COMM_WORLD_SIZE="1", OMPI_COMM_WORLD_RANK="0")
    rcs = [subprocess.call(args, env=env) for _ in range(ranks)]
    sys.exit(max(rcs))
env.update(OMPI_COMM_WORLD_SIZE=str(ranks), OMPI_COMM_WORLD_RANK="0")
sys.exit(subprocess.call(args, env=env))
