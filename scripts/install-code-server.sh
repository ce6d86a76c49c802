#!/usr/bin/env bash
# Install code-server from npm into a project-local prefix (default .tools), with the
# machine's Node 20: code-server 4.100.x is the last line that runs on Node 20.
# Needs Debian's libkrb5-dev, ripgrep, python3, make and g++ (the Makefile installs them).
# @vscode/ripgrep would download ripgrep from GitHub (unreachable): its cache is seeded
# with a tarball of Debian's /usr/bin/rg, which it accepts instead.
set -euo pipefail
PREFIX="$(realpath -m "${1:-.tools}")"
VERSION="${CODE_SERVER_VERSION:-4.100.0}"
if [ -x "$PREFIX/bin/code-server" ] && "$PREFIX/bin/code-server" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "code-server $VERSION already in $PREFIX"; exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is required" >&2; exit 1; }
TMPDIR="${TMPDIR:-/tmp}"
for rgv in 1.15.9 1.15.10 1.15.11 1.15.14 1.17.0 1.17.1; do
  cache="$TMPDIR/vscode-ripgrep-cache-$rgv"
  mkdir -p "$cache"
  tar -C "$(dirname "$(command -v rg)")" -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
done
export npm_config_yes=true
mkdir -p "$PREFIX"
# code-server's postinstall runs a nested `npm install` in lib/vscode, which npm 11 breaks
# (tar entry errors, and install scripts blocked by default): use npm 10 for this install,
# first on PATH so the nested run uses it too.
NPM10="$PREFIX/npm10"
if [ ! -x "$NPM10/bin/npm" ]; then
  npm install --global --prefix "$NPM10" --no-audit --no-fund npm@10 >/dev/null
fi
rm -rf "$PREFIX/lib/node_modules/code-server"
# The package itself, scripts off: a nested install inheriting the global npm_config_* would
# treat the prefix as its project and retire code-server while installing into it.
PATH="$NPM10/bin:$PATH" npm install --global --prefix "$PREFIX" --ignore-scripts --no-audit \
  --no-fund "code-server@$VERSION" >"$PREFIX/install.log" 2>&1 \
  || { tail -40 "$PREFIX/install.log" >&2; exit 1; }
# Then, in a clean environment, its dependencies' install scripts (native modules such as
# argon2, built from source when no prebuilt binary can be fetched) and its own postinstall
# (VS Code's node_modules).
( cd "$PREFIX/lib/node_modules/code-server" && \
  env -i PATH="$NPM10/bin:/usr/local/bin:/usr/bin:/bin" HOME="$HOME" TMPDIR="$TMPDIR" \
    npm_config_yes=true npm_config_unsafe_perm=true sh -c 'npm rebuild && npm run postinstall' ) \
  >>"$PREFIX/install.log" 2>&1 || { tail -40 "$PREFIX/install.log" >&2; exit 1; }
"$PREFIX/bin/code-server" --version
