#!/usr/bin/env bash
# Planted chains: each document shares 75% of its words with the next, so consecutive pairs
# verify (Jaccard ~0.6) and pairs two apart do not (~0.3). Union-find would put the whole chain
# in one cluster; reprint must put a document in a cluster only if it is verified against the
# cluster's representative.
source "$(dirname "$0")/common.bash"
python3 - "$T" <<'PY'
import json, random, sys
rnd = random.Random(7)
words = ["w%05d" % i for i in rnd.sample(range(100000), 400)]
with open(sys.argv[1] + "/chain.jsonl", "w") as f:
    for k in range(10):  # D0 ~ D1 ~ ... ~ D9
        f.write(json.dumps({"id": "D%d" % k, "text": " ".join(words[25 * k: 25 * k + 100])}) + "\n")
PY
for keep in longest first; do
    "$REPRINT" cluster --quiet --keep $keep --verify exact -o "$T/out.jsonl" "$T/chain.jsonl"
    "$REPRINT" pairs --quiet --keep $keep --verify exact -o "$T/pairs.jsonl" "$T/chain.jsonl"
    python3 - "$T/out.jsonl" "$T/pairs.jsonl" <<'PY' || fail "chaining with keep=$keep"
import json, sys, collections
out = [json.loads(l) for l in open(sys.argv[1])]
pairs = {frozenset((p["a"], p["b"])): p for p in map(json.loads, open(sys.argv[2]))}
# consecutive documents verify, documents two apart do not
for k in range(9):
    assert frozenset(("D%d" % k, "D%d" % (k + 1))) in pairs, ("missing", k)
    if k < 8:
        assert frozenset(("D%d" % k, "D%d" % (k + 2))) not in pairs, ("unexpected", k)
clusters = collections.defaultdict(list)
for o in out:
    clusters[o["cluster"]].append(o["id"])
for rep, members in clusters.items():
    assert len(members) <= 3, ("cluster larger than a star of radius 1", members)
    for m in members:
        if m != rep:  # every member is verified against its representative
            assert frozenset((m, rep)) in pairs, ("not verified against rep", m, rep)
assert len(clusters) >= 4, clusters
print("clusters:", sorted(map(sorted, clusters.values())))
PY
done
echo "chain: ok"
