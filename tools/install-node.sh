#!/usr/bin/env bash
# Usage: tools/install-node.sh MAJOR
# Installs the newest Node.js MAJOR.x from the npm registry's node-linux-<arch> package (its tarball holds bin/node)
# into ${XDG_CACHE_HOME:-$HOME/.cache}/backbeat-node/<version>, reusing that folder when it is already there, and
# prints the folder holding `node`: put it first on PATH. npm itself comes from the system and runs under that node.
# When the registry cannot be reached, the newest version of MAJOR already in the cache is used.
set -euo pipefail

major="${1:?usage: tools/install-node.sh MAJOR}"
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-node: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
package="node-linux-${arch}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/backbeat-node"
mkdir -p "$cache"

version="$(npm view "${package}@${major}" version --json 2>/dev/null | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -n1 || true)"
if [ -z "$version" ]; then
  version="$(ls "$cache" 2>/dev/null | grep -E "^${major}\." | sort -V | tail -n1 || true)"
  [ -n "$version" ] || { echo "install-node: cannot resolve ${package}@${major} and none is cached" >&2; exit 1; }
fi

dir="${cache}/${version}"
if [ ! -x "${dir}/bin/node" ]; then
  work="$(mktemp -d "${cache}/.download.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack "${package}@${version}" --silent >/dev/null)
  mkdir -p "${work}/unpacked"
  tar -xzf "${work}/${package}-${version}.tgz" -C "${work}/unpacked" --strip-components=1 package/bin/node
  "${work}/unpacked/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "${work}/unpacked" "$dir"
fi
echo "${dir}/bin"
