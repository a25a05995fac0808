#!/usr/bin/env bash
# Installs the Debian 12 packages divert builds with, when they are missing.
# Called by every Makefile target, so a fresh machine needs only `make demo` or `make test`.
set -euo pipefail

packages=(cmake make g++ libfmt-dev nlohmann-json3-dev catch2 libcli11-dev libsimdjson-dev libbenchmark-dev)
extra=("$@")   # e.g. clang for the sanitizer/fuzz builds
missing=()
for p in "${packages[@]}" "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "divert: installing missing Debian packages: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "divert: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
