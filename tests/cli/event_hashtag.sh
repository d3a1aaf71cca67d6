#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The event level's hashtags (docs/internals/story.md S8, step 1) on a synthetic caseless
# collection: 30 tweets tag one event "knockknocklive", 30 others write "knock knock live", the
# two groups share no other word; 200 background tweets, a few with "knock" or "live" alone (so
# each part is in more texts than the hashtag). At --level event the 60 are one event (the
# hashtag counts as its words in the family centroids; without the split they stay two events);
# at --level story the two groups stay apart (the story level never sees the parts).
source "$(dirname "$0")/common.bash"
python3 - "$T/c.jsonl" <<'PY'
import json, random, sys
r = random.Random(7)
def words(n):  # made-up words of six letters, none a part of the hashtag
    return ["".join(r.choice("bcdfghjmnprstvwz") + r.choice("aeiou") for _ in range(3))
            for _ in range(n)]
va, vb, vc = words(60), words(60), words(400)
out = [("a%02d" % i, ["knockknocklive"] + r.sample(va, 5)) for i in range(30)]
out += [("b%02d" % i, ["knock", "knock", "live"] + r.sample(vb, 5)) for i in range(30)]
out += [("c%03d" % i, r.sample(vc, 7) + (["live"] if i % 10 == 0 else [])
         + (["knock"] if i % 10 == 5 else [])) for i in range(200)]
with open(sys.argv[1], "w") as f:
    for i, t in out:
        f.write(json.dumps({"id": i, "text": " ".join(t)}) + "\n")
PY
"$REPRINT" cluster --quiet --level event -o "$T/e.jsonl" "$T/c.jsonl"
"$REPRINT" cluster --quiet --level story -o "$T/s.jsonl" "$T/c.jsonl"
python3 - "$T/e.jsonl" "$T/s.jsonl" <<'PY' || fail "event hashtags"
import json, sys
e = {o["id"]: o["cluster"] for o in map(json.loads, open(sys.argv[1]))}
s = {o["id"]: o["cluster"] for o in map(json.loads, open(sys.argv[2]))}
tagged = [i for i in e if i[0] in "ab"]
assert len({e[i] for i in tagged}) == 1, sorted({e[i] for i in tagged})
ev = e["a00"]
assert sorted(i for i in e if e[i] == ev) == sorted(tagged), "only the 60 in the event"
a = {s[i] for i in s if i[0] == "a"}
b = {s[i] for i in s if i[0] == "b"}
assert not a & b, "the story level joined the two groups"
PY
echo "event_hashtag: ok"
