# SPDX-License-Identifier: MIT
# Shared helpers for the CLI tests (sourced, not a test). Env: REPRINT (binary), SRCDIR.
set -euo pipefail
: "${REPRINT:?REPRINT must point to the reprint binary}"
: "${SRCDIR:?SRCDIR must point to the source tree}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Compiler flags a program linked against this build's libreprint.a needs beyond reprint.pc:
# the sanitizers of a RP_SANITIZE build (make asan), whose objects call their runtimes.
build_cc_flags() {
    grep -q '^RP_SANITIZE:BOOL=ON' "$1/CMakeCache.txt" 2> /dev/null &&
        echo "-fsanitize=address,undefined" || true
}
# jq-like field extraction with python3: field FILE ID KEY -> value of KEY for the line of ID
field() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o["id"] == sys.argv[2]:
        v = o.get(sys.argv[3]); print("null" if v is None else v); break
else:
    print("MISSING")
PY
}
# expect_exit CODE CMD... : run CMD, check its exit status
expect_exit() {
    local want=$1; shift
    set +e; "$@"; local got=$?; set -e
    [ "$got" = "$want" ] || fail "exit $got, expected $want: $*"
}
