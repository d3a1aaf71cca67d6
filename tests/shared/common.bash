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


# Tables of results against floors (versions_events.sh, translations.sh). keep_outputs DIR:
# the outputs go to DIR instead of the temporary folder removed at exit (when DIR is set).
keep_outputs() {
    if [ -n "${1:-}" ]; then
        rm -rf "$T"; trap - EXIT; mkdir -p "$1"; T=$1
    fi
}
# result METRIC VALUE [SHOWN]: one row of the table in $RES (SHOWN: printed instead of VALUE)
result() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-$2}" >>"$RES"; }
# scores GOLD PRED: pairwise F1, NMI, pairwise P and R of a `cluster` output
scores() {
    "$REPRINT" eval --json --gold "$1" -o "$T/ev.json" "$2"
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print("%.4f %.4f %.4f %.4f" % (m["pair_f1"], m["nmi"], m["pair_precision"], m["pair_recall"]))' \
        "$T/ev.json"
}
# floors_table NAME FLOORS: print $RES against FLOORS (lines "metric dir floor target"); fail
# when a result is below its floor or a floor has no result
floors_table() {
    python3 - "$RES" "$2" <<'PY' || fail "$1: a result is below its floor"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
floors = {}
for l in sys.argv[2].splitlines():
    f = l.split()
    if len(f) == 4 and not l.startswith("#"):
        floors[f[0]] = f[1:]
missed = []
print("%-20s %-60s %-8s %-7s %s" % ("metric", "result", "floor", "target", ""))
for metric, value, shown in rows:
    d, floor, target = floors.get(metric, ("", "-", "-"))
    status = ""
    if floor != "-" and value != "n/a":
        ok = float(value) >= float(floor) if d == ">=" else float(value) <= float(floor)
        status = "ok" if ok else "BELOW FLOOR"
        if not ok:
            missed.append(metric)
        if target != "-":
            met = float(value) >= float(target) if d == ">=" else float(value) <= float(target)
            status += ", target met" if met else ""
    print("%-20s %-60s %-8s %-7s %s" % (metric, shown, (d + " " + floor) if floor != "-"
                                        else "-", target, status))
missing = sorted(set(floors) - {r[0] for r in rows})
if missing:
    print("no result for:", ", ".join(missing))
    sys.exit(1)
if missed:
    print("below floor:", ", ".join(missed))
    sys.exit(1)
PY
    echo "$1: ok"
}
