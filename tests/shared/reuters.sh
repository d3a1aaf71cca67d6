#!/usr/bin/env bash
# Reuters-21578: every document once, in input order; the known exact-duplicate bodies are
# found; output identical for 1 and 2 threads.
source "$(dirname "$0")/common.bash"
R=$SHARED/eval/reuters21578/reuters21578.jsonl.gz
"$REPRINT" cluster --quiet --threads 1 -o "$T/t1.jsonl" "$R"
"$REPRINT" cluster --quiet --threads 2 -o "$T/t2.jsonl" "$R"
cmp -s "$T/t1.jsonl" "$T/t2.jsonl" || fail "1 and 2 threads differ"
"$REPRINT" cluster --quiet --level exact -o "$T/ex.jsonl" "$R"
python3 - "$R" "$T/t1.jsonl" "$T/ex.jsonl" <<'PY' || fail "reuters checks"
import gzip, json, sys, collections
ids = [json.loads(l)["id"] for l in gzip.open(sys.argv[1], "rt", encoding="utf-8")]
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert [o["id"] for o in out] == ids, "not every document exactly once in input order"
assert not any("skipped" in o for o in out)
# gold: groups of identical non-empty bodies (356 groups, 717 documents per the corpus notes)
bodies = collections.defaultdict(list)
for l in gzip.open(sys.argv[1], "rt", encoding="utf-8"):
    o = json.loads(l)
    if o["text"].strip(): bodies[o["text"]].append(o["id"])
groups = [g for g in bodies.values() if len(g) > 1]
ex = {o["id"]: o["cluster"] for o in map(json.loads, open(sys.argv[3], encoding="utf-8"))}
near = {o["id"]: o["cluster"] for o in out}
for g in groups:  # identical bodies are in one cluster at both levels
    assert len({ex[i] for i in g}) == 1, g
    assert len({near[i] for i in g}) == 1, g
print("exact groups:", len(groups), "documents:", sum(map(len, groups)))
rel = collections.Counter(o["relation"] for o in out)
print("relations:", dict(rel))
assert rel["near"] > 100 and rel["exact"] >= 361
PY
echo "reuters: ok"
