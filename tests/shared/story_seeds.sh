#!/usr/bin/env bash
# Story level on the seeds: the five versions of one AFP story, mixed into 3,000 Reuters-21578
# stories (ids and text as given), form one cluster with no Reuters story in it; 001 and 002
# are related as partial or reuse with shared passages reported (byte offsets that point at
# the same words in both texts); the cluster lists the names the versions disagree on.
source "$(dirname "$0")/common.bash"
seeds_mix "$T/mix.jsonl"
"$REPRINT" cluster --quiet --level story -o "$T/c.jsonl" "$T/mix.jsonl"
"$REPRINT" pairs --quiet --level story -o "$T/p.jsonl" "$T/mix.jsonl"
"$REPRINT" explain --quiet -o "$T/x.txt" 001_02203d8443b8ee9e.txt 002_9ee4c7d27894c3a3.txt \
    "$T/mix.jsonl"
python3 - "$T/mix.jsonl" "$T/c.jsonl" "$T/p.jsonl" "$T/x.txt" <<'PY' || fail "story seeds"
import json, sys, collections
texts = {}
for l in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(l)
    texts[o["id"]] = o["text"].encode("utf-8")
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(out) == 3005
seeds = [o for o in out if o["id"][:3] in ("000", "001", "002", "003", "004")]
assert len(seeds) == 5
clusters = {o["cluster"] for o in seeds}
assert len(clusters) == 1, "seeds split: %s" % [(o["id"], o["cluster"]) for o in seeds]
cid = clusters.pop()
members = [o["id"] for o in out if o["cluster"] == cid]
assert sorted(members) == sorted(o["id"] for o in seeds), "Reuters in the seed cluster: %s" % members
orig = [o for o in out if o["id"] == cid][0]
assert orig["relation"] == "original" and orig["members"] == 5
# the names the versions disagree on: the group's acronym, the village, the region's spelling
variants = [sorted(v["text"] for v in d["variants"]) for d in orig["disagreements"]]
print("disagreements:", variants)
flat = [set(v) for v in variants]
assert any({"GSIM", "JNIM", "UIM"} <= s for s in flat), "GSIM/JNIM/UIM not listed"
assert any({"Moura", "Mora"} <= s for s in flat), "Moura/Mora not listed"
for d in orig["disagreements"]:
    for v in d["variants"]:
        assert set(v["docs"]) <= set(members)
# 001 and 002: partial or reuse, with passages whose offsets point at the same words
pairs = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
p = [q for q in pairs if {q["a"][:3], q["b"][:3]} == {"001", "002"}]
assert len(p) == 1, "pair 001-002 not linked"
p = p[0]
assert p["relation"] in ("partial", "reuse"), p["relation"]
assert len(p["passages"]) >= 3, p["passages"]
import re
words = lambda b: re.findall(r"\w+", b.decode("utf-8", "replace").lower())
for ps in p["passages"]:
    a = texts[p["a"]][ps["a"][0]:ps["a"][1]]
    b = texts[p["b"]][ps["b"][0]:ps["b"][1]]
    wa, wb = words(a), words(b)
    assert len(wa) >= 10 and len(wb) >= 10, (a, b)
    common = len(set(wa) & set(wb)) / max(len(set(wa)), len(set(wb)))
    assert common >= 0.6, (a, b)
# the quoted statement shared by 001, 002 and 003 is a passage
assert "captured a soldier of the Russian Wagner forces" in open(sys.argv[4]).read()
# no Reuters story is related to a seed
for q in pairs:
    ins = [x[:3] in ("000", "001", "002", "003", "004") for x in (q["a"], q["b"])]
    assert all(ins) or not any(ins), q
rel = collections.Counter(o["relation"] for o in seeds)
print("seed relations:", dict(rel), "pair 001-002:", p["relation"], len(p["passages"]), "passages")
PY
grep -q "verdict: linked" "$T/x.txt" || fail "explain: 001 and 002 not linked"
echo "story_seeds: ok"
