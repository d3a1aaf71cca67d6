#!/usr/bin/env bash
# A planted chain A~B~C (J(A,B), J(B,C) >= threshold > J(A,C)) must not put A and C together.
source "$(dirname "$0")/common.bash"
python3 - "$T" <<'PY'
import json, random, sys
rnd = random.Random(7)
words = ["w%05d" % i for i in rnd.sample(range(100000), 150)]
# A is the longest, so with --keep longest it is visited first, as with --keep first
docs = {"A": words[0:105], "B": words[25:125], "C": words[50:150]}
with open(sys.argv[1] + "/chain.jsonl", "w") as f:
    for k, v in docs.items():
        f.write(json.dumps({"id": k, "text": " ".join(v)}) + "\n")
PY
for keep in longest first; do
    "$REPRINT" cluster --quiet --keep $keep --verify exact --threshold 0.5 -o "$T/out.jsonl" "$T/chain.jsonl"
    a=$(field "$T/out.jsonl" A cluster); c=$(field "$T/out.jsonl" C cluster)
    [ "$a" != "$c" ] || fail "chained A and C into one cluster (keep=$keep)"
    # and the pairs A-B, B-C are verified, A-C is not
    "$REPRINT" pairs --quiet --keep $keep --verify exact --threshold 0.5 -o "$T/pairs.jsonl" "$T/chain.jsonl"
    grep -q '"a":"A","b":"B"' "$T/pairs.jsonl" || grep -q '"a":"B","b":"A"' "$T/pairs.jsonl" || fail "A-B pair missing"
    grep -q '"a":"A","b":"C"\|"a":"C","b":"A"' "$T/pairs.jsonl" && fail "A-C verified"
done
# with keep=first, A comes first: B joins A, C cannot join A and is its own cluster
"$REPRINT" cluster --quiet --keep first --verify exact -o "$T/out.jsonl" "$T/chain.jsonl"
[ "$(field "$T/out.jsonl" B cluster)" = A ] || fail "B should join A"
[ "$(field "$T/out.jsonl" C relation)" = unique ] || fail "C should be unique"
echo "chain: ok"
