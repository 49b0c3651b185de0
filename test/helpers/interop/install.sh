#!/usr/bin/env bash
# Installs the Debian packages the interop tests need: python-socketio with an aiohttp server, redis-server
# and nginx. Idempotent: does nothing when every package is present; never starts a service (the tests start
# their own redis/nginx/python processes on free loopback ports and kill them by pid).
set -euo pipefail

packages=(python3-socketio python3-engineio python3-aiohttp redis-server nginx)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "interop: Debian packages already installed (${packages[*]})"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "interop: missing Debian packages: ${missing[*]}" >&2
  echo "interop: installing them needs root: run 'sudo bash $0' (or apt-get install -y ${missing[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another process (a parallel install) may hold the dpkg lock: wait for it instead of failing at once.
apt_get() { apt-get -o DPkg::Lock::Timeout=300 "$@"; }

echo "interop: installing ${missing[*]}"
# The package lists may be absent on a fresh machine: update once, then install without recommends.
if ! apt_get install -y --no-install-recommends "${missing[@]}"; then
  apt_get update
  apt_get install -y --no-install-recommends "${missing[@]}"
fi

for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    echo "interop: $pkg is still not installed after apt-get" >&2
    exit 1
  fi
done
echo "interop: installed ${missing[*]}"
