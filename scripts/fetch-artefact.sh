#!/usr/bin/env bash
# Put a public artefact (a source tarball, a chart) in the download cache, verified by sha256.
#
#   scripts/fetch-artefact.sh [--gunzipped] DEST SHA256 URL [OFFLINE_COPY]
#
# DEST          the cached file to make (e.g. .tools/cache/virtualgl-3.1.4.tar.gz)
# SHA256        its sha256; with --gunzipped, the sha256 of its gunzipped content, so that the
#               same tar compressed by another gzip (GitHub's archive, a vendored copy) verifies
# URL           the artefact's public home, downloaded when no offline copy is there
# OFFLINE_COPY  a local copy to take instead of downloading, when it exists (the Makefile passes
#               its offline cache; nothing else reads one)
# A cached DEST that still verifies is kept; nothing is ever used unverified.
set -euo pipefail
gunzipped=0
if [ "${1:-}" = "--gunzipped" ]; then gunzipped=1; shift; fi
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
dest="$1" sha="$2" url="$3" offline="${4:-}"

digest() {
  if [ "$gunzipped" = 1 ]; then gzip -dc -- "$1" | sha256sum; else sha256sum -- "$1"; fi | cut -d' ' -f1
}
verify() { [ "$(digest "$1" 2>/dev/null || true)" = "$sha" ]; }

if [ -f "$dest" ] && verify "$dest"; then
  echo "$dest: cached, sha256 OK"
  exit 0
fi
mkdir -p "$(dirname "$dest")"
part="$dest.part.$$"
trap 'rm -f "$part"' EXIT
if [ -n "$offline" ] && [ -f "$offline" ]; then
  from="$offline"
  cp -- "$offline" "$part"
else
  from="$url"
  echo "downloading $url"
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 --connect-timeout 20 -o "$part" "$url"
  elif command -v wget >/dev/null; then
    wget -q -O "$part" "$url"
  else
    python3 -c 'import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=60) as r, open(sys.argv[2], "wb") as f:
    shutil.copyfileobj(r, f)' "$url" "$part"
  fi
fi
got="$(digest "$part" 2>/dev/null || echo unreadable)"
if [ "$got" != "$sha" ]; then
  what=sha256; [ "$gunzipped" = 1 ] && what="sha256 of the gunzipped content"
  echo "fetch-artefact: $from has $what $got, expected $sha" >&2
  exit 1
fi
mv -f -- "$part" "$dest"
echo "$dest: from $from, sha256 OK"
