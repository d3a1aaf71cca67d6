# SPDX-License-Identifier: MIT
# Helpers for tests on ../shared (sourced). These tests FAIL, never skip, without ../shared.
set -euo pipefail
: "${REPRINT:?}" "${SRCDIR:?}"
SHARED=${SHARED:-$SRCDIR/../shared}
[ -d "$SHARED/eval" ] || { echo "FAIL: $SHARED/eval is missing (tests on shared data need it)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# seeds_mix OUT: the first 3,000 Reuters-21578 stories, then the five seeds (id = file name)
seeds_mix() {
    python3 - "$SHARED" "$1" <<'PY'
import gzip, json, os, sys
shared, out = sys.argv[1], open(sys.argv[2], "w", encoding="utf-8")
with gzip.open(shared + "/eval/reuters21578/reuters21578.jsonl.gz", "rt", encoding="utf-8") as f:
    for n, line in enumerate(f):
        if n == 3000: break
        out.write(line)
seeds = shared + "/seeds"
for name in sorted(os.listdir(seeds)):
    text = open(os.path.join(seeds, name), encoding="utf-8").read()
    out.write(json.dumps({"id": name, "text": text}) + "\n")
PY
}

