#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Story and reuse levels on a synthetic collection (tests/cli/story_synth.py): the original,
# its cut and its rewrite form one story with the right relations and original; the same
# template with other actors stays out; boilerplate lines are learnt; reuse passages point at
# the same words in both texts; the date window splits the day-1 rewrite off; explain agrees.
source "$(dirname "$0")/common.bash"
python3 "$SRCDIR/tests/cli/story_synth.py" "$T/c.jsonl"
"$REPRINT" cluster --level story -o "$T/s.jsonl" "$T/c.jsonl" 2> "$T/err"
grep -qE '[1-9][0-9]* boilerplate lines learnt' "$T/err" || fail "no boilerplate learnt: $(cat "$T/err")"
"$REPRINT" cluster --quiet --level story --window 0.5 -o "$T/w.jsonl" "$T/c.jsonl"
"$REPRINT" pairs --quiet --level reuse -o "$T/p.jsonl" "$T/c.jsonl"
"$REPRINT" explain --quiet -o "$T/x1.txt" s-orig s-rewrite "$T/c.jsonl"
"$REPRINT" explain --quiet -o "$T/x2.txt" s-orig s-other "$T/c.jsonl"
python3 - "$T/c.jsonl" "$T/s.jsonl" "$T/w.jsonl" "$T/p.jsonl" <<'PY' || fail "story levels"
import json, re, sys
texts = {json.loads(l)["id"]: json.loads(l)["text"].encode() for l in open(sys.argv[1])}
s = {o["id"]: o for o in map(json.loads, open(sys.argv[2]))}
w = {o["id"]: o for o in map(json.loads, open(sys.argv[3]))}
assert len(s) == 304 and list(s)[-1] == "s-other"
c = s["s-orig"]["cluster"]
assert c == "s-orig" and s["s-orig"]["relation"] == "original", s["s-orig"]
assert s["s-cut"]["cluster"] == c and s["s-cut"]["relation"] == "partial", s["s-cut"]
assert s["s-rewrite"]["cluster"] == c and s["s-rewrite"]["relation"] in ("reuse", "rewrite")
assert s["s-other"]["cluster"] != c, "same template, other actors: merged"
members = [i for i, o in s.items() if o["cluster"] == c]
assert sorted(members) == ["s-cut", "s-orig", "s-rewrite"], members
assert s["s-orig"]["members"] == 3
# a window of half a day keeps the day-1 rewrite out, the day-0 cut in
assert w["s-cut"]["cluster"] == w["s-orig"]["cluster"]
assert w["s-rewrite"]["cluster"] != w["s-orig"]["cluster"]
# reuse: the cut shares its paragraphs with the original, offsets on the same words
p = [q for q in map(json.loads, open(sys.argv[4])) if {q["a"], q["b"]} == {"s-orig", "s-cut"}]
assert len(p) == 1 and p[0]["passages"], p
q = p[0]
tok = lambda b: re.findall(r"\w+", b.decode().lower())
for ps in q["passages"]:
    a = texts[q["a"]][ps["a"][0]:ps["a"][1]]
    b = texts[q["b"]][ps["b"][0]:ps["b"][1]]
    assert tok(a) == tok(b), (a[:60], b[:60])
    # boilerplate never starts or ends a passage (an ad line inside one is bridged)
    assert not a.startswith(b"Advertisement") and not a.endswith(b"Advertisement"), a[:40]
    assert b"Share this article" not in a and b"Reporting by" not in a, "boilerplate in a passage"
cut_words = len(tok(texts["s-cut"]))
covered = sum(len(tok(texts["s-cut"][x["b" if q["b"] == "s-cut" else "a"][0]:
                                     x["b" if q["b"] == "s-cut" else "a"][1]]))
              for x in q["passages"])
assert covered >= 0.8 * cut_words, (covered, cut_words)
print("story levels: cluster", members, "cut covered %d/%d words" % (covered, cut_words))
PY
grep -q "^verdict: linked" "$T/x1.txt" || fail "explain s-orig s-rewrite: $(head -3 "$T/x1.txt")"
grep -q "^verdict: not one story" "$T/x2.txt" || fail "explain s-orig s-other: $(head -3 "$T/x2.txt")"
grep -qE "^  names +0\.0000" "$T/x2.txt" || fail "explain: names signal of other actors not 0"
echo "story_levels: ok"
