#!/usr/bin/env bash
# Every input format and codec gives the same clusters for the same documents.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 40 5
python3 - "$T" <<'PY'
import json, os, sys
t = sys.argv[1]
docs = [json.loads(l) for l in open(t + "/c.jsonl")]
# JSON array, NDJSON with CRLF and blank lines, text directory, WARC (conversion records)
json.dump(docs, open(t + "/c.json", "w"))
with open(t + "/c.ndjson", "w", newline="") as f:
    for d in docs: f.write(json.dumps(d) + "\r\n\r\n")
os.makedirs(t + "/dir/sub")
for i, d in enumerate(docs):
    open("%s/dir/%s%s.txt" % (t, "sub/" if i % 2 else "", d["id"]), "w").write(d["text"])
with open(t + "/c.warc", "wb") as f:
    f.write(b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n")
    for d in docs:
        body = d["text"].encode()
        f.write(("WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: %s\r\n"
                 "WARC-Target-URI: http://example.org/%s\r\nContent-Length: %d\r\n\r\n"
                 % (d["id"], d["id"], len(body))).encode() + body + b"\r\n\r\n")
PY
gzip -k "$T/c.jsonl"; zstd -q -k "$T/c.jsonl" -o "$T/c.jsonl.zst"; gzip -k "$T/c.warc"
# split gzip in two members
head -n 20 "$T/c.jsonl" | gzip > "$T/multi.jsonl.gz"; tail -n +21 "$T/c.jsonl" | gzip >> "$T/multi.jsonl.gz"
canon() { # partition as sorted groups of ids, ids mapped through $2 (sed expr)
    python3 - "$1" <<'PY'
import json, sys, collections, re
g = collections.defaultdict(list)
for l in open(sys.argv[1]):
    o = json.loads(l)
    i = re.sub(r"^(sub/)?(.*?)(\.txt)?$", r"\2", o["id"])
    c = re.sub(r"^(sub/)?(.*?)(\.txt)?$", r"\2", o["cluster"])
    g[c].append(i)
print(sorted(sorted(v) for v in g.values()))
PY
}
"$REPRINT" cluster --quiet -o "$T/ref.jsonl" "$T/c.jsonl"
ref=$(canon "$T/ref.jsonl")
for f in c.jsonl.gz c.jsonl.zst multi.jsonl.gz c.json c.ndjson dir c.warc c.warc.gz; do
    "$REPRINT" cluster --quiet -o "$T/o.jsonl" "$T/$f"
    [ "$(canon "$T/o.jsonl")" = "$ref" ] || fail "$f gives other clusters"
done
# stdin, sniffed
"$REPRINT" cluster --quiet - < "$T/c.jsonl.gz" > "$T/o.jsonl"
[ "$(canon "$T/o.jsonl")" = "$ref" ] || fail "stdin gives other clusters"
# WARC ids are record ids
grep -q '"id":"s0"' "$T/o.jsonl" || fail "id"
echo "formats: ok"
