#!/bin/bash
# Installs parlab's programs into BINDIR: meson install runs it (dist/meson.build), with every
# program of the build as an argument, so a workload added to the build is installed with no
# edit here.  Why a script and not `install: true` on each executable(): the executables are
# declared in the top-level meson.build, one call per workload and variant; this keeps the
# install rule in one place.  The programs link only static internal libraries, so the built
# file is the installed file; a program whose run path points into the build directory (which
# meson would have rewritten) is refused instead of being installed broken.
#   install-programs.sh BINDIR PROGRAM...     (BINDIR relative to the prefix, or absolute)
set -euo pipefail

bindir=${1:?usage: install-programs.sh BINDIR PROGRAM...}
shift
if [[ $bindir == /* ]]; then
    dest=${DESTDIR:-}$bindir
else
    dest=${MESON_INSTALL_DESTDIR_PREFIX:?run by meson install}/$bindir
fi
mkdir -p "$dest"
for exe in "$@"; do
    dynamic=
    if command -v readelf >/dev/null; then
        dynamic=$(readelf -d "$exe" 2>/dev/null) || dynamic=
    fi
    if [[ -n ${MESON_BUILD_ROOT:-} && $dynamic =~ R(UN)?PATH[^$'\n']*"$MESON_BUILD_ROOT" ]]; then
        echo "install-programs.sh: $exe has a run path into the build directory; not installing it" >&2
        exit 1
    fi
    echo "Installing $exe to $dest"
    install -m 755 "$exe" "$dest/"
done
