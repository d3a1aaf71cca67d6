#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The event level on a synthetic collection (tests/cli/event_synth.py): two version families
# (a wire story and its cut; another outlet's own report and its updated copy) telling one
# event in independent words, an unrelated text and background texts. At --level event they
# are one event of two families: the second family's original is `related` to the event's
# representative, no relation crosses families otherwise, dedup keeps one document per
# family; the story level keeps the two families apart and prints no "family". With one more
# text: one that shares only the town's name stays out of the event, a lone one that shares two
# of its words (a weak cosine) joins it.
source "$(dirname "$0")/common.bash"
python3 "$SRCDIR/tests/cli/event_synth.py" "$T/c.jsonl"
"$REPRINT" cluster --quiet --level event -o "$T/e.jsonl" "$T/c.jsonl"
"$REPRINT" cluster --quiet --level story -o "$T/s.jsonl" "$T/c.jsonl"
"$REPRINT" dedup --quiet --level event -o "$T/d.jsonl" "$T/c.jsonl"
"$REPRINT" explain --quiet --level event -o "$T/x.txt" a-orig b-orig "$T/c.jsonl"
"$REPRINT" report --quiet --level event -o "$T/r.html" "$T/c.jsonl"
python3 - "$T/e.jsonl" "$T/s.jsonl" "$T/d.jsonl" "$T/r.html" <<'PY' || fail "event level"
import json, sys
e = {o["id"]: o for o in map(json.loads, open(sys.argv[1]))}
s = {o["id"]: o for o in map(json.loads, open(sys.argv[2]))}
kept = [json.loads(l)["id"] for l in open(sys.argv[3])]
four = ["a-orig", "a-cut", "b-orig", "b-copy"]
# one event, two families
assert len({e[i]["cluster"] for i in four}) == 1, [e[i] for i in four]
ev = e["a-orig"]["cluster"]
assert e["other"]["cluster"] != ev, e["other"]
assert sorted(i for i, o in e.items() if o["cluster"] == ev) == sorted(four), "event members"
assert e["a-orig"]["family"] == e["a-cut"]["family"] == "a-orig", (e["a-orig"], e["a-cut"])
assert e["b-orig"]["family"] == e["b-copy"]["family"] == "b-orig", (e["b-orig"], e["b-copy"])
assert all("family" in o for o in e.values())
# the representative is an original; the other family's original is related to it
assert ev == "a-orig" and e["a-orig"]["relation"] == "original", e["a-orig"]
assert e["b-orig"]["relation"] == "related" and e["b-orig"]["of"] == "a-orig", e["b-orig"]
# copies point inside their family; nothing but `related` crosses families
for i, o in e.items():
    if o["of"] is not None and o["relation"] != "related":
        assert e[o["of"]]["family"] == o["family"], o
    assert o["relation"] != "rewrite" or e[o["of"]]["family"] == o["family"], o
assert e["a-cut"]["of"] == "a-orig" and e["b-copy"]["of"] == "b-orig", (e["a-cut"], e["b-copy"])
# the story level: the same families, apart, without the event's fields
assert s["a-orig"]["cluster"] != s["b-orig"]["cluster"], "story level merged the families"
assert s["a-cut"]["cluster"] == "a-orig" and s["b-copy"]["cluster"] == "b-orig"
assert not any("family" in o or o["relation"] == "related" for o in s.values())
# dedup keeps one document per family, not per event
assert "a-orig" in kept and "b-orig" in kept and "other" in kept, kept
assert "a-cut" not in kept and "b-copy" not in kept, kept
# the report lists the event's families apart, each original first (the input interleaves them)
import re
html = open(sys.argv[4], encoding="utf-8").read()
data = json.loads(re.search(r'id="rp-data"[^>]*>(.*?)</script>', html, re.S).group(1))
assert data["level"] == "event" and "related" in data["rels"], data["rels"]
docs = data["docs"]
groups = [[docs[i][0] for i in c["m"]] for c in data["clusters"]]
assert ["a-orig", "a-cut", "b-orig", "b-copy"] in groups, groups
PY
# moving a family in the refinement: a text sharing one word with an event (the town) does
# not join it; a text alone sharing two (the town, its school) joins at the pairs' floor
for x in one lone; do
    python3 "$SRCDIR/tests/cli/event_synth.py" "$T/c_$x.jsonl" "$x"
    "$REPRINT" cluster --quiet --level event -o "$T/e_$x.jsonl" "$T/c_$x.jsonl"
done
python3 - "$T/e_one.jsonl" "$T/e_lone.jsonl" <<'PY' || fail "event level: moving a family"
import json, sys
one = {o["id"]: o for o in map(json.loads, open(sys.argv[1]))}
lone = {o["id"]: o for o in map(json.loads, open(sys.argv[2]))}
assert one["x-one"]["cluster"] != one["a-orig"]["cluster"], one["x-one"]
assert one["b-orig"]["cluster"] == one["a-orig"]["cluster"], one["b-orig"]
assert lone["x-lone"]["cluster"] == lone["a-orig"]["cluster"], lone["x-lone"]
assert lone["x-lone"]["relation"] == "related", lone["x-lone"]
PY
grep -q '^event: same event (a-orig), different families (a-orig, b-orig)$' "$T/x.txt" ||
    fail "explain: $(cat "$T/x.txt")"
# the index stays at the story level: --level event is a usage error there
expect_exit 2 "$REPRINT" index create --level event "$T/ix" 2> "$T/ierr"
grep -q "reprint cluster --level event" "$T/ierr" || fail "index: $(cat "$T/ierr")"
echo "event_level: ok"
