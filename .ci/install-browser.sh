#!/usr/bin/env bash
# Set-up for the browser test (and for offline classrooms): Debian's chromium for
# Playwright (browsers cannot be downloaded from Playwright's CDN here) with the
# Liberation fonts, and solara's front-end assets from the npm registry (its CDN is not
# reachable). Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
# The app's layout is tested with a metric-compatible Arial (chromium only recommends it).
fc-list 2>/dev/null | grep -qi "Liberation Sans" || missing+=(fonts-liberation)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python -m sim.app.assets
