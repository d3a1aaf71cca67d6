#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# eval_basic.sh -- `reprint eval` on a tiny hand-scored gold/prediction pair (JSON values),
# then a malformed gold line (exit 1, file:line on stderr) and usage errors (exit 2).
set -u
: "${REPRINT:?set REPRINT to the reprint binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Gold {a,b,c} {d,e} {f} {g}. Prediction {a,b} {c,d,e} and f skipped; g is not predicted
# (scored as a singleton); zz is not in gold (ignored).
#   pairs: TP = ab + de = 2; predicted pairs 1 + 3 = 4 -> FP = 2; gold pairs 3 + 1 = 4 -> FN = 2
#   P = R = F1 = 0.5
#   ARI: C(7,2) = 21, E = 4 * 4 / 21 = 16/21, M = 4, ARI = (2 - 16/21) / (4 - 16/21) = 26/68
#   B-cubed P = (a,b: 2*1 + c: 1/3 + d,e: 2*2/3 + f,g: 2*1) / 7 = (17/3) / 7 = 17/21
#   B-cubed R = (a,b: 2*2/3 + c: 1/3 + d,e: 2*1 + f,g: 2*1) / 7 = (17/3) / 7 = 17/21
cat > g.tsv <<'EOF'
# id	cluster
a	story-1
b	story-1
c	story-1

d	story-2
e	story-2
f	story-3
g	story-4
EOF
cat > p.jsonl <<'EOF'
{"id": "a", "cluster": "0"}
{"id": "b", "cluster": "0"}
{"id": "c", "cluster": "1"}
{"id": "d", "cluster": "1"}
{"id": "e", "cluster": "1"}
{"id": "f", "skipped": "no_text"}
{"id": "zz", "cluster": "0"}
EOF

out=$("$REPRINT" eval --gold g.tsv --json p.jsonl)
rc=$?
[ "$rc" -eq 0 ] || fail "eval exit $rc, want 0"
printf '%s\n' "$out" > out.json
python3 - out.json <<'EOF' || fail "JSON values"
import json, sys
r = json.load(open(sys.argv[1]))
want_int = {"items": 7, "gold_only": 1, "pred_only": 1, "pred_skipped": 1,
            "gold_clusters": 4, "pred_clusters": 4, "pair_tp": 2, "pair_fp": 2, "pair_fn": 2}
want_real = {"pair_precision": 0.5, "pair_recall": 0.5, "pair_f1": 0.5, "ari": 26 / 68,
             "bcubed_precision": 17 / 21, "bcubed_recall": 17 / 21, "bcubed_f1": 17 / 21}
bad = [k for k, v in want_int.items() if r.get(k) != v]
bad += [k for k, v in want_real.items() if abs(r.get(k, -9) - v) > 1e-8]
# NMI from the contingency table (items a..g; f and g are prediction singletons).
from math import log
gold = "1 1 1 2 2 3 4".split()
pred = "0 0 1 1 1 f g".split()
n = len(gold)
cnt = lambda xs: {x: xs.count(x) for x in xs}
ga, pb, nij = cnt(gold), cnt(pred), cnt(list(zip(gold, pred)))
mi = sum(c / n * log(n * c / (ga[i] * pb[j])) for (i, j), c in nij.items())
h = lambda m: -sum(c / n * log(c / n) for c in m.values())
if abs(r.get("nmi", -9) - mi / ((h(ga) + h(pb)) / 2)) > 1e-8:
    bad.append("nmi")
if bad:
    sys.exit("mismatch: " + ", ".join("%s=%r" % (k, r.get(k)) for k in bad))
EOF

# The human table goes to -o FILE and names every score.
"$REPRINT" eval --gold g.tsv -o table.txt p.jsonl > stdout.txt || fail "table run failed"
[ -s stdout.txt ] && fail "stdout not empty with -o"
for word in "items scored" pairwise B-cubed ARI NMI "pairs TP"; do
    grep -q "$word" table.txt || fail "table lacks '$word'"
done

# A perfect prediction scores 1 everywhere.
awk -F '\t' '!/^#/ && NF == 2 { printf "{\"id\": \"%s\", \"cluster\": \"%s\"}\n", $1, $2 }' \
    g.tsv > perfect.jsonl
"$REPRINT" eval --gold g.tsv --json perfect.jsonl > perfect.json || fail "perfect run failed"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
keys = ["pair_f1", "ari", "bcubed_f1", "nmi"]
sys.exit(0 if all(abs(r[k] - 1.0) < 1e-12 for k in keys) else "not perfect: %r" % r)
' perfect.json || fail "perfect scores"

# A malformed gold line: exit 1 and file:line on stderr.
printf 'a\tstory-1\nno tab here\n' > bad.tsv
"$REPRINT" eval --gold bad.tsv p.jsonl > /dev/null 2> err.txt
rc=$?
[ "$rc" -eq 1 ] || fail "malformed gold: exit $rc, want 1"
grep -q 'bad.tsv:2' err.txt || fail "malformed gold: stderr lacks bad.tsv:2: $(cat err.txt)"

# Invalid JSON in the prediction: exit 1 and file:line.
printf '{"id": "a", "cluster": "0"}\n{"id": \n' > bad.jsonl
"$REPRINT" eval --gold g.tsv bad.jsonl > /dev/null 2> err.txt
rc=$?
[ "$rc" -eq 1 ] || fail "bad JSON: exit $rc, want 1"
grep -q 'bad.jsonl:2' err.txt || fail "bad JSON: stderr lacks bad.jsonl:2: $(cat err.txt)"

# Usage errors: exit 2.
"$REPRINT" eval p.jsonl > /dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "missing --gold: exit $rc, want 2"
"$REPRINT" eval --gold g.tsv --no-such-option p.jsonl > /dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc, want 2"

[ "$fails" -eq 0 ] || { echo "eval_basic: $fails failure(s)" >&2; exit 1; }
echo "eval_basic: ok"
