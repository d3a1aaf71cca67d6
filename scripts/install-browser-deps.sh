#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what the browser tests (tests/browser/, ctest label "browser") need, from Debian
# packages: headless Chromium, its WebDriver and Selenium for the system python3. Idempotent:
# installs only what is missing.
set -eu
exec sh "$(dirname "$0")/install-deps.sh" chromium chromium-driver python3 python3-selenium \
    fonts-dejavu-core
