#!/usr/bin/env bash
# The story level's original is the version the others derive from (docs/internals/story.md,
# "The original"). Shares of the clusters holding a known source whose original is that
# source, floors just below what was measured (in brackets):
# - Clough & Stevenson, --level story and --level reuse: orig_task[a-e] (4/5 each: task c's
#   `cut` answer g0pB holds the whole source plus more of the Wikipedia article);
# - the Reuters proxy (bench/story_proxy.py, seed 7, 40 stories, 400 others), undated and with
#   Reuters' dates: the unmodified story (1.0 / 1.0);
# - samples/news: harbour-bridge.txt and library-fire.txt (2/2).
source "$(dirname "$0")/common.bash"
# measure KIND PRED FLOOR: the share, checked against its floor
measure() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys, collections
kind, pred, floor = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = [json.loads(l) for l in open(pred)]
ids = {r["id"] for r in rows}
proxy = {i.rsplit("-", 1)[0] for i in ids if i.endswith(("-cut", "-excerpt", "-light", "-heavy"))}
def source(i):
    if kind == "clough": return i.startswith("orig_task")
    if kind == "proxy": return i in proxy
    return i in ("harbour-bridge.txt", "library-fire.txt")
by = collections.defaultdict(list)
for r in rows: by[r["cluster"]].append(r)
ok = n = 0
for c, mem in by.items():
    if len(mem) < 2 or not any(source(m["id"]) for m in mem): continue
    n += 1
    ok += any(source(m["id"]) and m["relation"] == "original" for m in mem)
share = ok / n if n else 0
print("original %s %s: %d/%d = %.3f (floor %.2f)"
      % (kind, pred.rsplit("/", 1)[-1], ok, n, share, floor))
sys.exit(share < floor)
PY
}
C=$SHARED/eval/clough-stevenson
"$REPRINT" cluster --quiet --level story -o "$T/cs.jsonl" "$C"
measure clough "$T/cs.jsonl" 0.75 || fail "clough story"
"$REPRINT" cluster --quiet --level reuse -o "$T/cr.jsonl" "$C"
measure clough "$T/cr.jsonl" 0.75 || fail "clough reuse"
python3 "$SRCDIR/bench/story_proxy.py" "$T/pd.jsonl" "$T/g.tsv" --seed 7 --stories 40 --others 400 \
    --dates > /dev/null
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l); o.pop("date", None); print(json.dumps(o))' "$T/pd.jsonl" > "$T/pu.jsonl"
"$REPRINT" cluster --quiet --level story -o "$T/pdc.jsonl" "$T/pd.jsonl"
measure proxy "$T/pdc.jsonl" 0.97 || fail "proxy dated"
"$REPRINT" cluster --quiet --level story -o "$T/puc.jsonl" "$T/pu.jsonl"
measure proxy "$T/puc.jsonl" 0.97 || fail "proxy undated"
"$REPRINT" cluster --quiet --level story -o "$T/n.jsonl" "$SRCDIR/samples/news"
measure news "$T/n.jsonl" 1.0 || fail "samples/news"
echo "original: ok"
