#!/usr/bin/env bash
# Set-up for the browser test (and for offline classrooms): Debian's chromium for
# Playwright (browsers cannot be downloaded from Playwright's CDN here) with the Liberation
# fonts, and solara's
# front-end assets from the npm registry (its CDN is not reachable). Idempotent; needs
# root (or sudo) only when chromium or npm are missing. The assets go into the cache of
# the `python` first on PATH (solara's default: that interpreter's share/solara/cdn, a
# virtual environment's own).
#   --system-only   only chromium and npm        --assets-only   only solara's assets
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
case "$part" in
    all|--system-only|--assets-only) ;;
    *) echo "unknown option: $part (--system-only, --assets-only)" >&2; exit 2 ;;
esac

if [ "$part" != --assets-only ]; then
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
fi
if [ "$part" != --system-only ]; then
    python -m sim.app.assets
fi
