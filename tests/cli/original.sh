#!/usr/bin/env bash
# The story level names the version the others derive from as a cluster's original, and dedup
# keeps it: the undated wire story (not its syndicated copy with a header, an ad line and a
# typo, nor its cut); with dates, the earliest. Fixtures written for this test.
source "$(dirname "$0")/common.bash"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
wire = """Dam inspectors clear Varnholt reservoir after spring floods

Inspectors cleared the Varnholt reservoir dam for full use on Thursday, six weeks after
spring floods pushed the water level to a record height.

The regional water authority said engineers found minor erosion on the eastern spillway,
which crews repaired with concrete blocks and a new drainage channel. The repairs cost
about 1.8 million euros and were paid from the authority's emergency fund.

"The dam behaved exactly as designed," said chief inspector Helga Marsden. "The spillway
carried the flood water away and the embankment never moved."

Farmers downstream had been told to move livestock to higher ground during the floods.
The authority will lift the last water restrictions on Monday and publish its full report
on the flood response in September."""
# the syndicated copy: a newspaper's header, a byline, an ad line, one typo (milion)
paper = ("THE VALLEY GAZETTE | Regional | Environment\nSign up for our morning newsletter\n\n"
         + wire.replace("\n\nInspectors", "\n\nBy Staff Reporter\n\nInspectors")
               .replace("1.8 million", "1.8 milion")
               .replace("\n\nFarmers", "\n\nAdvertisement\n\nFarmers"))
# a cut: the first three paragraphs
cut = "\n\n".join(wire.split("\n\n")[:3])
other = [
    "Orchard growers report early cherry harvest\n\nCherry growers in the Lenmark valley began "
    "picking two weeks early after a warm April. Prices at the wholesale market fell by a third "
    "as the first crates arrived, and growers said the season could end before the summer fair.",
    "Council approves new cycle lanes on the ring road\n\nThe city council voted on Tuesday to "
    "build protected cycle lanes along the northern ring road. Work starts in August and should "
    "take eight months; two car lanes will become bus lanes during the construction.",
    "Museum returns borrowed paintings after exhibition\n\nThe national museum sent forty "
    "borrowed landscape paintings back to their owners on Friday after its summer exhibition "
    "drew a record number of visitors, the director said.",
]
def write(name, dates):
    # the copy first: keep order (and length) would name it
    docs = [("paper", paper), ("wire", wire), ("cut", cut)]
    with open("%s/%s" % (t, name), "w") as f:
        for i, (k, x) in enumerate(docs):
            r = {"id": k, "text": x}
            if dates: r["date"] = dates[k]
            f.write(json.dumps(r) + "\n")
        for i, x in enumerate(other):
            f.write(json.dumps({"id": "other%d" % i, "text": x}) + "\n")
write("undated.jsonl", None)
# dated: the wire story is the earliest, its copy and its cut come later
write("dated.jsonl", {"wire": "2024-03-07", "paper": "2024-03-08", "cut": "2024-03-09"})
# dated the other way: a copy dated before the wire story is its original (dates decide first)
write("early.jsonl", {"wire": "2024-03-08", "paper": "2024-03-07", "cut": "2024-03-09"})
PY
check() { # check FILE EXPECTED_ORIGINAL
    "$REPRINT" cluster --quiet --level story "$T/$1" > "$T/out.jsonl"
    grep -q "\"id\":\"$2\",\"cluster\":\"$2\",\"relation\":\"original\"" "$T/out.jsonl" ||
        { cat "$T/out.jsonl"; fail "$1: $2 should be the original"; }
    for v in paper wire cut; do
        [ "$v" = "$2" ] && continue
        grep -q "\"id\":\"$v\",\"cluster\":\"$2\"," "$T/out.jsonl" ||
            { cat "$T/out.jsonl"; fail "$1: $v should be in $2's cluster"; }
    done
    "$REPRINT" dedup --quiet --level story -o "$T/d-$1" "$T/$1"
    kept=$(python3 -c 'import json, sys
print(" ".join(i for i in (json.loads(l)["id"] for l in open(sys.argv[1]))
               if not i.startswith("other")))' "$T/d-$1")
    [ "$kept" = "$2" ] || fail "$1: dedup kept '$kept', expected $2"
}
check undated.jsonl wire
check dated.jsonl wire
check early.jsonl paper
# the typo and the added lines are what tell the wire story from its copy when only two
# versions exist (their shared words tie): without the cut, the wire story stays the original
head -2 "$T/undated.jsonl" > "$T/pair.jsonl"
tail -3 "$T/undated.jsonl" >> "$T/pair.jsonl"
"$REPRINT" cluster --quiet --level story "$T/pair.jsonl" > "$T/out.jsonl"
grep -q '"id":"wire","cluster":"wire","relation":"original"' "$T/out.jsonl" ||
    { cat "$T/out.jsonl"; fail "pair: wire should be the original"; }
echo "original: ok"
