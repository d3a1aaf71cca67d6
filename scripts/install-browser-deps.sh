#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what the browser tests (tests/browser/, ctest label "browser") need, from Debian
# packages: headless Chromium, its WebDriver and Selenium for the system python3. Idempotent:
# installs only what is missing.
set -eu
PKGS="chromium chromium-driver python3 python3-selenium fonts-dejavu-core"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "install-browser-deps: installing$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
