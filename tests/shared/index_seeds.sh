#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The story-level index on the seeds: an index preloaded with the first 3,000 Reuters-21578
# stories (one transaction), then the five versions of one AFP story (../shared/seeds) added
# one at a time: they end in one cluster with no Reuters story in it, each later version a
# rewrite of the first; the Reuters statistics (terms, lines, boilerplate) are in the index.
source "$(dirname "$0")/common.bash"
python3 - "$SHARED" "$T" <<'PY'
import gzip, json, os, sys
shared, t = sys.argv[1], sys.argv[2]
with gzip.open(shared + "/eval/reuters21578/reuters21578.jsonl.gz", "rt", encoding="utf-8") as f, \
        open(t + "/reuters.jsonl", "w", encoding="utf-8") as out:
    for n, line in enumerate(f):
        if n == 3000: break
        out.write(line)
for i, name in enumerate(sorted(os.listdir(shared + "/seeds"))):
    text = open(os.path.join(shared, "seeds", name), encoding="utf-8").read()
    with open("%s/seed%d.jsonl" % (t, i), "w", encoding="utf-8") as out:
        out.write(json.dumps({"id": name, "text": text}) + "\n")
PY
"$REPRINT" index create "$T/ix" --level story
"$REPRINT" index add --quiet -o /dev/null "$T/ix" "$T/reuters.jsonl"
for i in 0 1 2 3 4; do
    "$REPRINT" index add --quiet "$T/ix" "$T/seed$i.jsonl" >> "$T/seeds.jsonl"
done
"$REPRINT" index export -o "$T/export.jsonl" "$T/ix"
"$REPRINT" index stats "$T/ix" > "$T/stats.json"
python3 - "$T" <<'PY' || fail "seeds in the story index"
import json, sys
t = sys.argv[1]
seeds = [json.loads(l) for l in open(t + "/seeds.jsonl", encoding="utf-8")]
out = [json.loads(l) for l in open(t + "/export.jsonl", encoding="utf-8")]
st = json.load(open(t + "/stats.json"))
assert len(out) == 3005 and len(seeds) == 5
first = seeds[0]["id"]
assert seeds[0]["relation"] == "unique", seeds[0]
for o in seeds[1:]:
    assert o["cluster"] == first and o["relation"] == "rewrite", o
members = sorted(o["id"] for o in out if o["cluster"] == first)
assert members == sorted(o["id"] for o in seeds), "Reuters in the seed cluster: %s" % members
assert st["term_contents"] > 2500 and st["terms"] > 10000 and st["boilerplate_lines"] > 10, st
PY
echo "index seeds: ok"
