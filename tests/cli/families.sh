#!/usr/bin/env bash
# Version families and events (issue "Versions and events"): in a small collection written
# here (one flood report, its cut, a rewrite that keeps its sentence order in other words, an
# independent report of the same flood, an unrelated text):
# - the story level puts the cut and the rewrite in the original's family and leaves the
#   independent report out, although its score reaches the threshold (no lineage, no shared
#   passage): `explain` calls the pair related and prints the lineage signal;
# - five texts are too few for term statistics: the run says it used the background;
# - the event level puts the independent report's family in the original's event as related.
source "$(dirname "$0")/common.bash"
cd "$T"
python3 - f.jsonl <<'PY'
import json, sys
orig = ("Flood waters forced 2,300 residents of Varnholm to leave their homes on Tuesday after the Lumen River burst its banks. "
        "Mayor Elsa Brandt said the emergency shelters at Kestrel School would stay open through the weekend. "
        "Engineers from Tovik Water had warned in March that the northern levee was weakening. "
        "Rescue crews in boats reached 140 people trapped on rooftops in the old town. "
        "The regional weather office expects another 80 millimetres of rain by Thursday. "
        "Brandt asked volunteers to bring blankets and bottled water to the school.")
cut = " ".join(orig.split(". ")[:4]) + "."
rewrite = ("On Tuesday the Lumen River overflowed and about 2,300 people in Varnholm had to flee their houses. "
           "The shelters set up at Kestrel School will remain open until after the weekend, Mayor Elsa Brandt said. "
           "Back in March, Tovik Water engineers cautioned that the levee to the north was getting weaker. "
           "Boat crews rescued 140 residents stranded on roofs across the old town. "
           "Forecasters at the regional office predict a further 80 millimetres of rainfall before Thursday. "
           "Brandt appealed for volunteers to drop off blankets and bottled water at the school.")
indep = ("Volunteers in Varnholm spent Wednesday filling sandbags as the town counted the cost of the flood. "
         "Shopkeeper Ilse Marten said her bakery lost everything when the water came in overnight. "
         "Insurance assessors are expected next week, according to the chamber of commerce. "
         "Mayor Elsa Brandt has promised a review of the Lumen River levee once the water recedes. "
         "About 2,300 people were evacuated, and Kestrel School still houses many of them.")
other = ("The Halden chess club crowned Ilka Sorensen champion after a tense final round on Sunday. "
         "Sorensen beat Mateo Quiroga with the black pieces in 41 moves. "
         "The club will host the regional junior championship in the spring.")
with open(sys.argv[1], "w") as f:
    for i, t in (("orig", orig), ("cut", cut), ("rewrite", rewrite), ("indep", indep), ("other", other)):
        f.write(json.dumps({"id": i, "text": t}) + "\n")
PY
"$REPRINT" cluster --level story -o s.jsonl f.jsonl 2>s.err
python3 - s.jsonl <<'PY' || fail "story level: families"
import json, sys
o = {d["id"]: d for d in map(json.loads, open(sys.argv[1]))}
assert o["orig"]["relation"] == "original", o["orig"]
for v in ("cut", "rewrite"):
    assert o[v]["cluster"] == "orig" and o[v]["of"] == "orig", o[v]
assert o["cut"]["relation"] == "partial", o["cut"]
for x in ("indep", "other"):
    assert o[x]["cluster"] == x and o[x]["relation"] == "unique", o[x]
PY
grep -q "warning: 5 texts are too few for term statistics" s.err || { cat s.err; fail "no warning"; }
"$REPRINT" explain --quiet --level story -o x1.txt orig indep f.jsonl
grep -q "^verdict: related, not versions of one text" x1.txt || { head -4 x1.txt; fail "explain related"; }
grep -q "^relation: related" x1.txt || fail "explain: relation not related"
"$REPRINT" explain --quiet --level story -o x2.txt orig rewrite f.jsonl
lin=$(awk '$1 == "lineage" {print $2}' x2.txt)
python3 -c "import sys; sys.exit(0 if float('$lin') >= 0.4 else 1)" ||
    { cat x2.txt; fail "rewrite lineage $lin under 0.4"; }
"$REPRINT" cluster --quiet --level event -o e.jsonl f.jsonl
python3 - e.jsonl <<'PY' || fail "event level"
import json, sys
o = {d["id"]: d for d in map(json.loads, open(sys.argv[1]))}
for v in ("orig", "cut", "rewrite"):
    assert o[v]["cluster"] == "orig" and o[v]["family"] == "orig", o[v]
assert o["indep"]["cluster"] == "orig" and o["indep"]["family"] == "indep", o["indep"]
assert o["indep"]["relation"] == "related" and o["indep"]["of"] == "orig", o["indep"]
assert o["other"]["cluster"] == "other", o["other"]
PY
# a text without a sentence end (200,000 words) and its first half: the lineage of the pair is
# bounded work (pieces of 64 terms), not quadratic in the "sentence"
python3 - blob.jsonl <<'PY'
import json, random, sys
r = random.Random(5)
t = " ".join("w%d" % r.randrange(20000) for _ in range(200000))
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "a", "text": t}) + "\n")
    f.write(json.dumps({"id": "b", "text": t[:len(t) // 2]}) + "\n")
PY
timeout 60 "$REPRINT" cluster --quiet --level story -o blob.out blob.jsonl || fail "blob: exit $?"
[ "$(field blob.out b cluster)" = a ] || fail "blob: the half is not in the whole's family"
echo "families: ok"
