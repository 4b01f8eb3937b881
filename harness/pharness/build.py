"""Build a student's file, a pitfall program or a test's program against what Meson built: for
the exercise checks (./parlab check, grade), the pitfall lab and the tests that compile with
several compilers.

Why Meson's build and not a recipe here: a program outside meson.build (a student's file) must
still be compiled and linked exactly as Meson builds parlab's own, with the libraries Meson
built, or the two drift apart.  So the checker and the lab keep Meson build directories of
their own under build-check/ (PARLAB_CHECK_BUILD), one per compiler and MPI library:

    gcc-openmpi, clang-openmpi     gcc and clang, -Werror, the MPI library named (or none)
    tsan-none                      clang with -Db_sanitize=thread, for ThreadSanitizer

prepare(kind, mpi) configures one (once; the first check is slower) and builds what the checks
need with ninja (the alias target check-libs of harness/meson.build: parlab's libraries and the
probes), and the pitfall programs (pitfalls/meson.build).  A student's program is then compiled
with the compile line Meson uses for the variant's reference program (its introspection,
meson-info/intro-targets.json) and linked with the link line ninja runs for it, the student's
file in place of the kernel's:

    program(sources, variant, output, kind="gcc", mpi="openmpi", flags=(), probes=()) -> output

A program with a main() of its own (an exercise that is not a parlab workload) is built with
parlab=False: the same lines without parlab's libraries.  prefix is a command the compiler runs
under, e.g. the exercise grader's setpriv and prlimit; the grader prepares the directories before
its sandbox starts (the sandbox's file system is read-only), and readonly=True then only reads
them.

build() compiles parlab's sources itself, with any compiler and flags (tests/fsum_paths.py
builds fsum at -O3 and -march=native); the sources are Meson's own list, read from the gcc
directory's introspection.
"""
import fcntl
import json
import os
import shlex
import shutil
import subprocess

from . import registry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMON = os.path.join(REPO, "common")
WARNINGS = ["-Wall", "-Wextra"]
# ThreadSanitizer with OpenMP: clang with its own runtime (libomp), whose internals TSan cannot
# see through and reports falsely; the suppressions name only the runtime's frames.  The tsan
# build directory compiles parlab with -fsanitize=thread; -g -O1 are for the student's file
# (line numbers in the reports).
TSAN = ["-fsanitize=thread", "-g", "-O1"]
TSAN_SUPPRESSIONS = os.path.join(REPO, "harness", "tsan.supp")
# The build directories: kind -> (compiler, meson setup options beyond -Dmpi).
KINDS = {
    "gcc": ("gcc", ["-Dwerror=true"]),
    "clang": ("clang", ["-Dwerror=true"]),
    "tsan": ("clang", ["-Dwerror=true", "-Db_sanitize=thread", "-Db_lundef=false"]),
}
RECIPE = "parlab-recipe.json"  # in each build directory, written by prepare()


class BuildError(Exception):
    """The compiler refused the file: str() is its first errors."""


def build_root():
    return os.environ.get("PARLAB_CHECK_BUILD") or os.path.join(REPO, "build-check")


def build_dir(kind, mpi):
    return os.path.join(build_root(), "%s-%s" % (kind, mpi))


def mpi_flags(mpi="openmpi", link=True):
    """Compile and link flags of an MPI library, from pkg-config (ompi-c or mpich); with
    link=False the compile flags only.  Raises BuildError when the library is not there."""
    package = {"openmpi": "ompi-c", "mpich": "mpich"}[mpi]
    try:
        out = subprocess.run(["pkg-config", "--cflags"] + (["--libs"] if link else []) + [package],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError("cannot run pkg-config for %s: %s" % (package, exc))
    if out.returncode != 0:
        raise BuildError("no %s for pkg-config (Debian: apt-get install %s)"
                         % (package, "libopenmpi-dev" if mpi == "openmpi" else "libmpich-dev"))
    return out.stdout.split()


def have_mpi(mpi):
    try:
        mpi_flags(mpi, link=False)
        return True
    except BuildError:
        return False


def mpi_missing(mpi):
    """Why the MPI library `mpi` cannot be built with, in one line."""
    try:
        mpi_flags(mpi, link=False)
    except BuildError as exc:
        return str(exc)
    return ""


def mpi_for(variant, kind, mpi):
    """The MPI library of the build directory a program of `variant` is built in: `mpi` for an
    MPI variant; for the others, none under ThreadSanitizer (one build for all), else `mpi`
    where it is installed (the directory the MPI programs use too), else none."""
    if variant in registry.MPI_VARIANTS:
        return mpi
    if kind == "tsan" or not have_mpi(mpi):
        return "none"
    return mpi


def _run(cmd, timeout, **kw):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                              **kw)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError("%s: %s" % (" ".join(cmd[:3]), exc))


def prepare(kind, mpi, targets=("check-libs",), timeout=900):
    """Configures the build directory of (kind, mpi) if needed, builds `targets` in it (ninja:
    nothing when they are up to date) and writes its recipe; returns the directory.  One process
    at a time per directory (a lock beside it): checks run in parallel in the tests."""
    compiler, options = KINDS[kind]
    folder = build_dir(kind, mpi)
    if not shutil.which(compiler):
        raise BuildError("%s is not installed" % compiler)
    os.makedirs(build_root(), exist_ok=True)
    with open(folder + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(folder, "build.ninja")):
            shutil.rmtree(folder, ignore_errors=True)  # a setup that was interrupted
            done = _run(["meson", "setup", folder, REPO, "-Dmpi=" + mpi] + options, timeout,
                        env=dict(os.environ, CC=compiler))
            if done.returncode != 0:
                shutil.rmtree(folder, ignore_errors=True)
                raise BuildError("meson setup %s: %s" % (folder, _tail(done.stdout + done.stderr)))
        done = _run(["ninja", "-C", folder] + list(targets), timeout)
        if done.returncode != 0:
            raise BuildError("ninja -C %s %s: %s" % (folder, " ".join(targets),
                                                     _tail(done.stdout + done.stderr)))
        recipe_file = os.path.join(folder, RECIPE)
        if not os.path.exists(recipe_file) or os.path.getmtime(recipe_file) < \
                os.path.getmtime(os.path.join(folder, "build.ninja")):
            text = json.dumps(_make_recipe(folder, timeout), indent=1)
            with open(recipe_file + ".new", "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(recipe_file + ".new", recipe_file)
    return folder


def _tail(text, lines=6):
    return " | ".join(text.strip().splitlines()[-lines:])


def _make_recipe(folder, timeout):
    """What Meson does for each variant's reference program, in absolute paths: the compiler,
    its compile parameters, its link arguments after the object, and which of those are parlab's
    own libraries; the probes' libraries."""
    folder = os.path.realpath(folder)  # Meson's paths are real ones (./parlab test links builds)
    with open(os.path.join(folder, "harness", "parlab-check.json"), encoding="utf-8") as fh:
        wanted = json.load(fh)
    with open(os.path.join(folder, "meson-info", "intro-targets.json"), encoding="utf-8") as fh:
        targets = {t["name"]: t for t in json.load(fh)}
    own = {f for t in targets.values() if t["type"] == "static library" for f in t["filename"]}
    recipe = {"variants": {}, "probes": {}}
    for variant, name in wanted["reference"].items():
        target = targets[name]
        sources = target["target_sources"][0]
        exe = os.path.relpath(target["filename"][0], folder)
        done = _run(["ninja", "-C", folder, "-t", "commands", exe], timeout)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise BuildError("ninja -t commands %s: %s" % (exe, _tail(done.stderr)))
        words = shlex.split(lines[-1])[1:]  # the link line, without the compiler
        link = []
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word == "-o":
                skip = True
                continue
            if word.endswith(".o"):
                continue
            # a file: relative to the build directory (it may not be built yet)
            link.append(word if word.startswith("-") else
                        os.path.normpath(os.path.join(folder, word)))
        recipe["variants"][variant] = {
            "compiler": sources["compiler"], "compile": sources["parameters"], "link": link,
            "libraries": [w for w in link if w in own],
            "sources": sorted({s for w in link if w in own for t in targets.values()
                               if w in t["filename"] for ts in t["target_sources"]
                               for s in ts["sources"]})}
    for probe, name in wanted["probes"].items():
        recipe["probes"][probe] = targets[name]["filename"][0]
    return recipe


def recipe(kind, mpi):
    """The recipe prepare() wrote for (kind, mpi); BuildError when there is none."""
    path = os.path.join(build_dir(kind, mpi), RECIPE)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        raise BuildError("no build in %s: it is made by the first ./parlab check (and by "
                         "./parlab grade before its sandbox starts)" % build_dir(kind, mpi))


def program(sources, variant, output, kind="gcc", mpi="openmpi", flags=(), probes=(),
            parlab=True, prefix=(), timeout=300):
    """Compiles and links `sources` (a kernel file of `variant`, or with parlab=False a program
    with its own main()) as Meson builds the variant's programs in the (kind, mpi) directory,
    with -Wall -Wextra -Werror and `flags`; `probes` (names of the recipe's probes) are linked
    whole.  Returns the program's path, or raises BuildError with the compiler's errors."""
    if isinstance(sources, str):
        sources = [sources]
    r = recipe(kind, mpi)
    if variant not in r["variants"]:
        raise BuildError("the %s build has no %s variant (configured with -Dmpi=%s)"
                         % (kind, variant, mpi))
    v = r["variants"][variant]
    link = v["link"] if parlab else [w for w in v["link"] if w not in v["libraries"]]
    whole = []
    if probes:
        whole = (["-Wl,--whole-archive"] + [r["probes"][p] for p in probes]
                 + ["-Wl,--no-whole-archive"])
    # -lm last: a student's file may use <math.h>; parlab's own programs do not need it.
    cmd = (list(prefix) + v["compiler"] + v["compile"] + ["-fdiagnostics-color=never"]
           + WARNINGS + ["-Werror"] + list(flags) + ["-o", output] + list(sources) + whole
           + link + ["-lm"])
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError("%s took more than %d s" % (KINDS[kind][0], timeout))
    if done.returncode != 0:
        lines = [l for l in done.stderr.splitlines() if "error" in l or "warning" in l]
        raise BuildError("; ".join(lines[:3]) or done.stderr.strip()[-500:])
    return output


def meson_program(target, kind="gcc", mpi="openmpi"):
    """A program that Meson builds (a pitfall program, pitfalls/meson.build), built now in the
    (kind, mpi) directory; returns its path."""
    folder = prepare(kind, mpi, targets=("build.ninja",))  # reconfigured if meson.build changed
    with open(os.path.join(folder, "meson-info", "intro-targets.json"), encoding="utf-8") as fh:
        found = [t["filename"][0] for t in json.load(fh) if t["name"] == target]
    if not found:
        raise BuildError("no target %s in %s" % (target, folder))
    prepare(kind, mpi, targets=(os.path.relpath(found[0], os.path.realpath(folder)),))
    return found[0]


def built_program(target, kind="gcc", mpi="openmpi"):
    """The path of a program that Meson built in the (kind, mpi) directory as part of
    check-libs (harness/meson.build: the serial heat, the halo exercises' reference), built by
    prepare() and only read here (the grader's sandbox cannot write); BuildError if missing."""
    folder = build_dir(kind, mpi)
    try:
        with open(os.path.join(folder, "meson-info", "intro-targets.json"), encoding="utf-8") as fh:
            found = [t["filename"][0] for t in json.load(fh) if t["name"] == target]
    except (OSError, ValueError) as exc:
        raise BuildError("no build in %s: %s" % (folder, exc))
    if not found or not os.path.exists(found[0]):
        raise BuildError("%s is not built in %s (ninja -C %s check-libs)" % (target, folder,
                                                                            folder))
    return found[0]


def parlab_sources(variant, mpi="openmpi"):
    """parlab's own sources that a kernel file of `variant` links with: Meson's list (the
    sources of the libraries Meson links the variant's programs with)."""
    mpi = mpi_for(variant, "gcc", mpi)
    prepare("gcc", mpi)
    return recipe("gcc", mpi)["variants"][variant]["sources"]


def command(sources, variant, output, compiler="gcc", flags=(), werror=True, mpi="openmpi",
            parlab=True):
    """A whole-program compiler command line: these sources and parlab's own (Meson's list),
    compiled together with any compiler and flags (for tests/fsum_paths.py's builds at other
    optimisation levels; everything else uses program())."""
    cmd = [compiler, "-std=c11", "-D_GNU_SOURCE", '-DPARLAB_VERSION="scratch"', "-O2"]
    cmd += WARNINGS + (["-Werror"] if werror else []) + list(flags)
    cmd += ["-I", COMMON, "-o", output] + list(sources)
    if parlab:
        cmd += parlab_sources(variant, mpi)
    if variant in ("openmp", "hybrid"):
        cmd.append("-fopenmp")
    if variant in ("mpi", "hybrid"):
        cmd += mpi_flags(mpi)
    return cmd + ["-lm"]


def build(sources, variant, output, compiler="gcc", flags=(), werror=True, mpi="openmpi",
          timeout=300, parlab=True, prefix=()):
    """Compiles command(); returns the program's path, or raises BuildError."""
    if isinstance(sources, str):
        sources = [sources]
    if not shutil.which(compiler):
        raise BuildError("%s is not installed" % compiler)
    cmd = list(prefix) + command(sources, variant, output, compiler, flags, werror, mpi,
                                 parlab=parlab)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError("%s took more than %d s" % (compiler, timeout))
    if done.returncode != 0:
        lines = [l for l in done.stderr.splitlines() if "error" in l or "warning" in l]
        raise BuildError("; ".join(lines[:3]) or done.stderr.strip()[-500:])
    return output


def tsan_env():
    """The environment a ThreadSanitizer build runs with: the suppressions, and one report
    per race location on stderr, exit 66 when it found one.

    history_size=7 and suppress_equal_addresses=0: TSan (LLVM 14) drops a race's report when it
    cannot rebuild the earlier access's stack from the other thread's recent history, and by
    default it then stays silent about that address for the rest of the run.  A longer history
    and a second chance at the same address: on pitfalls/race at n = 4e6, with three busy loops
    beside it on 2 cores, 10 of 10 runs reported the race, against 2 of 10 with the defaults
    (10 of 10 either way on a quiet machine; pitfalls/race/README.md)."""
    return {"TSAN_OPTIONS": "suppressions=%s exitcode=66 halt_on_error=0 report_signal_unsafe=0 "
            "history_size=7 suppress_equal_addresses=0" % TSAN_SUPPRESSIONS}


def races(stderr):
    """The data races ThreadSanitizer reported: one (location, function) per SUMMARY line, e.g.
    ('race.c:14:13', '.omp_outlined._debug__.1'), in the order reported, without repeats."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("SUMMARY: ThreadSanitizer: data race "):
            rest = line[len("SUMMARY: ThreadSanitizer: data race "):].split(" in ", 1)
            where = os.path.basename(rest[0].strip())
            item = (where, rest[1].strip() if len(rest) > 1 else "?")
            if item not in found:
                found.append(item)
    return found
