#!/usr/bin/env bash
# Build VirtualGL from source into a project-local prefix (default .tools): VirtualGL goes
# to PREFIX/VirtualGL (laid out like /opt/VirtualGL), and PREFIX/bin gets small wrappers for
# vglrun, glxspheres64 and eglxspheres64 (VirtualGL is not packaged by Debian). VirtualGL's
# own glxinfo/eglinfo stay in PREFIX/VirtualGL/bin: on PATH they would shadow Mesa's, whose
# output the renderer check parses. Needs Debian's cmake, g++ and -dev packages (the Makefile's APT list:
# libturbojpeg0-dev libx11-dev libxext-dev libxtst-dev libgl-dev libglu1-mesa-dev libegl-dev
# libopengl-dev libxcb1-dev libxcb-keysyms1-dev libxcb-glx0-dev libxv-dev libx11-xcb-dev).
#
#   scripts/install-virtualgl.sh [--if-missing] [PREFIX]
#
# --if-missing: do nothing when a vglrun other than PREFIX's is installed (on PATH or in
# /opt/VirtualGL/bin): `make` builds VirtualGL only for machines without one.
#
# Source: $VIRTUALGL_TARBALL when set (the Makefile's `fetch-virtualgl` puts the verified
# tarball there, from its offline cache or VirtualGL's GitHub release), else the 3.1.4 tag
# archive downloaded from VirtualGL's GitHub repository. Both are `git archive` output of tag
# 3.1.4 (commit c041878557cb…): the uncompressed tar stream is checked against a pinned
# sha256, so a different gzip of the same tree passes and nothing else does. Idempotent: nothing is done when PREFIX/bin/vglrun already reports 3.1.4.
set -euo pipefail
VERSION=3.1.4
#: sha256 of the uncompressed `git archive` tar of tag 3.1.4 (prefix virtualgl-3.1.4/).
SHA256_TAR=47bf827cda439a26329037c0bc735cd1458033ba91ce08dddb029b9ebd4faf37
URL="https://github.com/VirtualGL/virtualgl/archive/refs/tags/$VERSION.tar.gz"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IF_MISSING=
if [ "${1:-}" = "--if-missing" ]; then IF_MISSING=1; shift; fi
PREFIX="$(realpath -m "${1:-$ROOT/.tools}")"
VGL="$PREFIX/VirtualGL"

version_of() {
  # vglrun --version prints "VirtualGL v3.1.4 (Build 20…)".
  [ -x "$1" ] && "$1" --version 2>/dev/null | sed -n 's/^VirtualGL v\([0-9.]*\) .*/\1/p' | head -1
}
wrappers() {
  # Wrappers, not links: vglrun finds its .vglrun.vars64 (the faker's libdir) next to $0.
  mkdir -p "$PREFIX/bin"
  for program in vglrun glxspheres64 eglxspheres64; do
    [ -x "$VGL/bin/$program" ] || continue
    printf '#!/bin/sh\n# VirtualGL %s, built by scripts/install-virtualgl.sh\nexec "%s" "$@"\n' \
      "$VERSION" "$VGL/bin/$program" >"$PREFIX/bin/$program"
    chmod 755 "$PREFIX/bin/$program"
  done
}
if [ "$(version_of "$PREFIX/bin/vglrun")" = "$VERSION" ]; then
  echo "VirtualGL $VERSION already in $PREFIX"
  exit 0
fi
if [ "$(version_of "$VGL/bin/vglrun")" = "$VERSION" ]; then
  wrappers
  echo "VirtualGL $VERSION already built in $VGL (wrappers written to $PREFIX/bin)"
  exit 0
fi

if [ -n "$IF_MISSING" ]; then
  for candidate in $(type -ap vglrun) /opt/VirtualGL/bin/vglrun; do
    if [ -x "$candidate" ] && ! [ "$candidate" -ef "$PREFIX/bin/vglrun" ]; then
      echo "VirtualGL: using the installed $candidate ($("$candidate" --version 2>/dev/null))"
      exit 0
    fi
  done
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/virtualgl-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
TARBALL="$WORK/virtualgl-$VERSION.tar.gz"
if [ -n "${VIRTUALGL_TARBALL:-}" ]; then
  echo "VirtualGL $VERSION source from $VIRTUALGL_TARBALL"
  cp "$VIRTUALGL_TARBALL" "$TARBALL"
else
  echo "VirtualGL $VERSION source from $URL"
  curl --fail --location --silent --show-error --retry 3 -o "$TARBALL" "$URL"
fi
actual="$(gzip -dc "$TARBALL" | sha256sum | cut -d' ' -f1)"
if [ "$actual" != "$SHA256_TAR" ]; then
  echo "the VirtualGL $VERSION source is not tag $VERSION: tar sha256 $actual, expected $SHA256_TAR" >&2
  exit 1
fi

tar -xzf "$TARBALL" -C "$WORK"
SRC="$WORK/virtualgl-$VERSION"
mkdir -p "$WORK/build" "$VGL" "$PREFIX/bin"
LOG="$VGL/build.log"
echo "building VirtualGL $VERSION into $VGL (log: $LOG; about 3 min on 2 cores)"
(
  cd "$WORK/build"
  cmake -G"Unix Makefiles" -DCMAKE_INSTALL_PREFIX="$VGL" -DCMAKE_BUILD_TYPE=Release \
    -DVGL_FAKEOPENCL=0 -DTJPEG_INCLUDE_DIR=/usr/include -DTJPEG_LIBRARY=-lturbojpeg "$SRC"
  make -j"$(nproc)"
  make install
) >"$LOG" 2>&1 || { tail -40 "$LOG" >&2; exit 1; }
wrappers
[ "$(version_of "$PREFIX/bin/vglrun")" = "$VERSION" ] \
  || { echo "VirtualGL was built but $PREFIX/bin/vglrun does not report $VERSION" >&2; exit 1; }
echo "VirtualGL $VERSION installed in $PREFIX"
