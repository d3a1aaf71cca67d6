#!/usr/bin/env bash
# Same partition for 1 and N threads and for shuffled input; quality on a planted corpus.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 300 3
python3 -c "
import random,sys
l=open('$T/c.jsonl').readlines(); random.Random(9).shuffle(l); open('$T/shuf.jsonl','w').writelines(l)"
"$REPRINT" cluster --quiet --threads 1 -o "$T/t1.jsonl" "$T/c.jsonl"
"$REPRINT" cluster --quiet --threads 4 -o "$T/t4.jsonl" "$T/c.jsonl"
cmp -s "$T/t1.jsonl" "$T/t4.jsonl" || fail "1 vs 4 threads differ"
"$REPRINT" cluster --quiet --threads 2 -o "$T/sh.jsonl" "$T/shuf.jsonl"
python3 - "$T/t1.jsonl" "$T/sh.jsonl" <<'PY' || fail "shuffled input gives another partition"
import json, sys
a = {json.loads(l)["id"]: json.loads(l)["cluster"] for l in open(sys.argv[1])}
b = {json.loads(l)["id"]: json.loads(l)["cluster"] for l in open(sys.argv[2])}
assert a == b, "partitions differ"
PY
n_in=$(wc -l < "$T/c.jsonl"); n_out=$(wc -l < "$T/t1.jsonl")
[ "$n_in" = "$n_out" ] || fail "documents in $n_in != out $n_out"
"$REPRINT" eval --gold "$T/gold.tsv" --json "$T/t1.jsonl" > "$T/eval.json"
python3 - "$T/eval.json" <<'PY' || fail "quality below bar"
import json, sys
s = json.load(open(sys.argv[1]))
p = s.get("pair_precision", s.get("pairwise", {}).get("precision"))
r = s.get("pair_recall", s.get("pairwise", {}).get("recall"))
print("precision", p, "recall", r)
assert p >= 0.999 and r >= 0.98, s
PY
echo "determinism: ok"
