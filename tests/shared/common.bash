# SPDX-License-Identifier: MIT
# Helpers for tests on ../shared (sourced). These tests FAIL, never skip, without ../shared.
set -euo pipefail
: "${REPRINT:?}" "${SRCDIR:?}"
SHARED=${SHARED:-$SRCDIR/../shared}
[ -d "$SHARED/eval" ] || { echo "FAIL: $SHARED/eval is missing (tests on shared data need it)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
