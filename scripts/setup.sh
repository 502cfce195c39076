#!/usr/bin/env bash
# Set-up for a fresh Debian (bookworm) machine, as root, no Docker engine:
# system packages, npm dependencies, and the native mock-broker launcher. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(librdkafka-dev kcat liblz4-dev libzstd-dev libsasl2-dev libssl-dev zlib1g-dev pkg-config gcc make tar xz-utils patch)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install ${missing[*]} (run as root or install them yourself)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "setup: installing npm dependencies"
# npm ci refuses this lock file: chdb lists optional engine packages for other platforms that the
# registry reachable here does not serve, so the lock cannot record them. npm install keeps the lock's
# versions for everything it does record.
npm install --no-audit --no-fund

echo "setup: building the mock broker launcher"
bash native/mock-broker/build.sh
echo "setup: done"
