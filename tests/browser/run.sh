#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one browser test (tests/browser/*.py) under headless Chromium via Selenium.
# Env: REPRINT (binary), SRCDIR, OUTDIR (screenshots and reports go there).
# Dependencies (Debian): chromium chromium-driver python3-selenium -- see
# scripts/install-browser-deps.sh. When they are missing the test is skipped (exit 77), unless
# RP_BROWSER_REQUIRED=1 (set by `make check-browser` and CI), where it fails.
set -euo pipefail
test=$1
missing() {
    if [ "${RP_BROWSER_REQUIRED:-0}" = 1 ]; then
        echo "FAIL: $* (run scripts/install-browser-deps.sh)" >&2
        exit 1
    fi
    echo "SKIP: $* (run scripts/install-browser-deps.sh)" >&2
    exit 77
}
py=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import selenium' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || missing "python3-selenium is not installed"
command -v "${CHROMIUM:-chromium}" >/dev/null || missing "chromium is not installed"
command -v "${CHROMEDRIVER:-chromedriver}" >/dev/null || missing "chromium-driver is not installed"
exec "$py" "$(dirname "$0")/$test"
