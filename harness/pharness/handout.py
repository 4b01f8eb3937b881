"""./parlab handout DIR: a copy of parlab for students, with the exercises and without their
solutions.

Why a copy of the whole tree and not of exercises/ alone: a student's `./parlab check NN` needs
the checker, the build helper, the launcher, the probes and the common/ sources its kernel file
links with; none of them holds an answer.  What is left out is every exercise's solution/ and
wrong/ folder (the wrong solutions are the tests' and would give the answers away).  The tests
list their exercise cases from the files that exist (pharness/exercises.py cases), so the copy
still configures and builds with Meson.
"""
import os
import shutil
import subprocess

from . import exercises

REPO = exercises.REPO
LEFT_OUT = ("solution", "wrong")


class UsageError(Exception):
    pass


def files(root=REPO):
    """The files of the checkout at root (default: this one): git's (tracked, and new ones it
    does not ignore) in a checkout, else every file but build directories and caches."""
    try:
        done = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                               "--exclude-standard"], capture_output=True, timeout=60, check=False)
        if done.returncode == 0 and done.stdout:
            return sorted({p for p in done.stdout.decode().split("\0") if p and
                           os.path.isfile(os.path.join(root, p))})
    except (OSError, subprocess.TimeoutExpired):
        pass
    found = []
    for base, dirs, names in os.walk(root):
        rel = os.path.relpath(base, root)
        dirs[:] = [d for d in dirs if not (d.startswith(("build", ".git")) or d == "__pycache__"
                                           or (rel == "." and d in ("b",)))]
        found += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return sorted(found)


def is_answer(path):
    """exercises/NN-name/solution/... and exercises/NN-name/wrong/..."""
    parts = path.split("/")
    return len(parts) >= 4 and parts[0] == "exercises" and parts[2] in LEFT_OUT


def handout(dest, out):
    dest = os.path.abspath(dest)
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        raise UsageError("DIR: %s exists and is not an empty directory; give a new one" % dest)
    if dest == REPO or dest.startswith(REPO + os.sep):
        raise UsageError("DIR: %s is inside the repository; give a directory outside it" % dest)
    copied, left = 0, 0
    for path in files():
        if is_answer(path):
            left += 1
            continue
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(REPO, path), target)
        copied += 1
    out.write("handout: %d files in %s: the %d exercises with their READMEs and skeletons and "
              "the checker (./parlab check NN); %d files of solutions and wrong solutions left "
              "out\n" % (copied, dest, len(exercises.EXERCISES), left))
    return 0
