#!/usr/bin/env bash
# Sets up a fresh Debian 12 (bookworm) machine for crossedit: lavapipe from Mesa >= 24 (Dawn refuses
# Mesa 22's), pnpm, and the workspace's dependencies. Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

lavapipe_ok() {
  # lavapipe's ICD file is present and Mesa's Vulkan drivers are at least version 24
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && [ -e /usr/share/vulkan/icd.d/lvp_icd.json ] && dpkg --compare-versions "$v" ge 24
}

if command -v apt-get >/dev/null 2>&1 && ! lavapipe_ok; then
  echo "[setup] installing lavapipe (mesa-vulkan-drivers >= 24 from bookworm-backports)" >&2
  if grep -qs bookworm /etc/os-release && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/crossedit-backports.list >/dev/null
  fi
  $SUDO apt-get update -q >/dev/null
  if grep -qs bookworm /etc/os-release; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
fi

# Debian's chromium: the grid report's browser test (benchmarks/src/grid/html.test.ts) loads report.html in it
if command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
  echo "[setup] installing chromium (headless browser for the report test)" >&2
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "[setup] installing pnpm" >&2
  npm install -g pnpm@10 >/dev/null 2>&1
fi

echo "[setup] installing workspace dependencies" >&2
pnpm install --frozen-lockfile --reporter=silent
echo "[setup] done" >&2
