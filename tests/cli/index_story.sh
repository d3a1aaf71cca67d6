#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The index at --level story on a generated collection (made-up words): five stories, each
# told three times in different words with the same names and numbers, each with a distractor
# on the same topic with other actors, and background stories. Added one document at a time,
# the versions of a story end in one cluster and the distractors stay out; a version dated
# beyond the window starts its own cluster; queries store nothing; `index stats` shows the term
# and line statistics growing with adds and shrinking with removals; reuse is refused.
source "$(dirname "$0")/common.bash"
python3 - "$T/c.jsonl" <<'PY'
import json, random, sys
rng = random.Random(11)
syl = ["ka", "lo", "mi", "tu", "ra", "ve", "no", "si", "pe", "da", "gu", "fo", "ze", "bi"]
def word(n): return "".join(rng.choice(syl) for _ in range(n))
filler = sorted({word(rng.randint(2, 3)) for _ in range(600)})
def names(k): return [word(3).capitalize() for _ in range(k)]
def topic(): return [word(4) for _ in range(25)]
def page(top, actors, nums, seed):
    r = random.Random(seed)
    paras = []
    for _ in range(6):
        sents = []
        for _ in range(3):
            ws = [r.choice(top) if i % 3 == 1 else r.choice(filler) for i in range(12)]
            ws.append(r.choice(actors))
            if r.random() < 0.5: ws.append(str(r.choice(nums)))
            sents.append(" ".join(ws).capitalize() + ".")
        paras.append(" ".join(sents))
    lines = ["Share this story with your friends"] + paras[:2] + ["Advertisement"] + paras[2:]
    return "\n".join(lines + ["Reporting by the newsroom staff"])
out = open(sys.argv[1], "w")
def emit(i, day, text):
    out.write(json.dumps({"id": i, "date": "2026-03-%02d" % day, "text": text}) + "\n")
docs = []
for k in range(40):
    docs.append(("bg%02d" % k, 1 + k % 5, page(topic(), names(3), [rng.randint(10, 99)], k)))
stories = []
for s in range(5):
    top, actors, nums = topic(), names(3), [rng.randint(1000, 9999) for _ in range(2)]
    stories.append((top, actors, nums))
    for v in range(3):
        docs.append(("s%d-v%d" % (s, v), 10, page(top, actors, nums, 100 * s + v)))
    # same topic: a third of its words, other actors and numbers
    docs.append(("s%d-other" % s, 10,
                 page(top[:8] + topic()[:17], names(3), [rng.randint(1000, 9999)], 100 * s + 9)))
rng.shuffle(docs)
for d in docs: emit(*d)
# beyond the window: story 0 again, 20 days later
top, actors, nums = stories[0]
emit("s0-late", 30, page(top, actors, nums, 77))
PY
ix="$T/ix"
expect_exit 2 "$REPRINT" index create "$T/ixr" --level reuse
"$REPRINT" index create "$ix" --level story
stats() { "$REPRINT" index stats "$ix" > "$T/stats$1.json"; }
stats 0
"$REPRINT" index add --quiet --batch 1 -o "$T/add.jsonl" "$ix" "$T/c.jsonl"
stats 1
"$REPRINT" index export -o "$T/export.jsonl" "$ix"
# a query: a fourth version of story 1, nothing stored
python3 - "$T/c.jsonl" > "$T/q.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["id"] == "s1-v2": o["id"] = "s1-q"; print(json.dumps(o))
PY
"$REPRINT" index query -o "$T/query.jsonl" "$ix" "$T/q.jsonl"
stats 2
for s in 0 1 2 3 4; do "$REPRINT" index remove --quiet "$ix" --id "s$s-other"; done
stats 3
python3 - "$T" <<'PY' || fail "story index"
import json, sys
t = sys.argv[1]
ex = {o["id"]: o for o in map(json.loads, open(t + "/export.jsonl"))}
add = [json.loads(l) for l in open(t + "/add.jsonl")]
st = [json.load(open("%s/stats%d.json" % (t, i))) for i in range(4)]
assert len(ex) == 61 and len(add) == 61, (len(ex), len(add))
for s in range(5):
    cl = {ex["s%d-v%d" % (s, v)]["cluster"] for v in range(3)}
    assert len(cl) == 1, ("story %d split" % s, [ex["s%d-v%d" % (s, v)] for v in range(3)])
    c = cl.pop()
    assert ex["s%d-other" % s]["cluster"] != c, ("distractor joined", s, ex["s%d-other" % s])
    members = sorted(i for i, o in ex.items() if o["cluster"] == c)
    assert members == ["s%d-v%d" % (s, v) for v in range(3)], members
    for v in range(3):
        o = ex["s%d-v%d" % (s, v)]
        assert o["relation"] in ("original", "rewrite", "near"), o
assert ex["s0-late"]["cluster"] == "s0-late", ex["s0-late"]
assert sum(1 for o in ex.values() if o["relation"] == "original") == 5
q = json.loads(open(t + "/query.jsonl").read())
assert q["cluster"] == ex["s1-v0"]["cluster"] and q["relation"] in ("rewrite", "near"), q
assert st[0]["level"] == "story" and st[0]["terms"] == 0 and st[0]["lines"] == 0
assert st[0]["named_contents"] == 0, st[0]
# statistics grew with the adds: every content counted, its lines, boilerplate learnt
assert st[1]["term_contents"] == 61 and st[1]["terms"] > 1000, st[1]
# str.capitalize() lowers every word but a sentence's first: no page has names (capitals at
# a sentence or line start are not names), so the collection has no case
assert st[1]["named_contents"] == 0, st[1]
# distinct lines: the share line, the ad, the byline (in many contexts: boilerplate) and six
# paragraphs per page
assert st[1]["lines"] == 3 + 6 * 61 and st[1]["boilerplate_lines"] == 3, st[1]
assert st[2] == st[1], "a query changed the index"
# and shrank with the removals
assert st[3]["term_contents"] == 56 and st[3]["documents"] == 56, st[3]
assert st[3]["named_contents"] == 0, st[3]
assert st[3]["terms"] < st[1]["terms"] and st[3]["lines"] == 3 + 6 * 56, st[3]
assert st[3]["clusters"] == 5, st[3]
PY
echo "index story: ok"
