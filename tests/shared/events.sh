#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The event level on the labelled event corpora (../shared/eval), default settings: NMI and
# pairwise F1 floors just below the values measured when S8 was written (docs/internals/
# story.md), the issue's NMI targets printed next to them; the five seeds stay one event.
source "$(dirname "$0")/common.bash"
E=$SHARED/eval
python3 - "$E" "$T" <<'PY'
import gzip, json, sys
e, t = sys.argv[1], sys.argv[2]
for name in ("TS", "S", "Tweet"):  # no ids: the line number is the id
    with gzip.open("%s/googlenews/%s.jsonl.gz" % (e, name), "rt", encoding="utf-8") as f, \
            open("%s/%s.jsonl" % (t, name), "w") as o, open("%s/%s.tsv" % (t, name), "w") as g:
        for i, l in enumerate(f):
            d = json.loads(l)
            o.write(json.dumps({"id": str(i), "text": d["text"]}) + "\n")
            g.write("%d\t%s\n" % (i, d["cluster"]))
for name, path in (("News", "mstream-news/News.jsonl"),
                   ("MTweets", "mstream-news/Tweets.jsonl.gz")):
    op = gzip.open if path.endswith(".gz") else open
    with op("%s/%s" % (e, path), "rt", encoding="utf-8") as f, \
            open("%s/%s.tsv" % (t, name), "w") as g:
        for l in f:
            d = json.loads(l)
            g.write("%s\t%s\n" % (d["Id"], d["clusterNo"]))
PY
run() { # NAME NMI_FLOOR F1_FLOOR TARGET ARGS...
    local name=$1 nmi=$2 f1=$3 target=$4
    shift 4
    "$REPRINT" cluster --quiet --level event -o "$T/$name.out" "$@"
    "$REPRINT" eval --json --gold "$T/$name.tsv" -o "$T/$name.eval" "$T/$name.out"
    python3 - "$T/$name.eval" "$name" "$nmi" "$f1" "$target" <<'PY' || fail "$name"
import json, sys
m = json.load(open(sys.argv[1]))
name, nmi, f1, target = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print("events %-8s NMI %.4f (floor %.3f, issue target %s)  pairwise F1 %.4f (floor %.3f)"
      % (name, m["nmi"], nmi, target, m["pair_f1"], f1))
assert m["nmi"] >= nmi and m["pair_f1"] >= f1
PY
}
run TS 0.935 0.85 0.95 "$T/TS.jsonl"
run S 0.895 0.77 0.91 "$T/S.jsonl"
run Tweet 0.90 0.78 0.90 "$T/Tweet.jsonl"
run News 0.865 0.70 0.89 --id-field Id --text-field textCleaned "$E/mstream-news/News.jsonl"
run MTweets 0.86 0.71 0.90 --id-field Id --text-field textCleaned "$E/mstream-news/Tweets.jsonl.gz"
# the five seeds (one AFP story: wire copy, cut, translations, rewrite) are one event
"$REPRINT" cluster --quiet --level event -o "$T/seeds.out" "$SHARED/seeds"
python3 - "$T/seeds.out" <<'PY' || fail "seeds"
import json, sys
c = {json.loads(l)["cluster"] for l in open(sys.argv[1])}
assert len(c) == 1, c
PY
echo "events: ok"
