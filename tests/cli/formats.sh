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
# HTML pages: paragraphs in <p>, a script and a navigation menu that is not text; half
# .html, half without an extension (sniffed by <!doctype html>)
import html
os.makedirs(t + "/web")
for i, d in enumerate(docs):
    paras = "".join("<p>%s</p>\n" % html.escape(p) for p in d["text"].split("\n") if p.strip())
    page = ("<!DOCTYPE html>\n<html><head><title>%s</title><script>var ad = 'buy now';</script>"
            "</head><body><nav><a href=/>Home</a></nav>\n%s</body></html>" % (d["id"], paras))
    open("%s/web/%s%s" % (t, d["id"], ".html" if i % 2 else ""), "w").write(page)
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
    i = re.sub(r"^(sub/)?(.*?)(\.txt|\.html)?$", r"\2", o["id"])
    c = re.sub(r"^(sub/)?(.*?)(\.txt|\.html)?$", r"\2", o["cluster"])
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
# HTML pages: the same clusters as their texts (the menu adds one word to every page)
"$REPRINT" cluster --quiet -o "$T/h.jsonl" "$T/web"
[ "$(canon "$T/h.jsonl")" = "$ref" ] || fail "HTML pages give other clusters"
grep -q 'var ad\|buy now' "$T/h.jsonl" && fail "script text in the output"
"$REPRINT" cluster --quiet --level story -o "$T/hs.jsonl" "$T/web"
python3 - "$T/hs.jsonl" <<'PY' || fail "HTML titles"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all(r["title"] == r["id"].replace(".html", "") for r in rows), rows[:3]
PY
echo "formats: ok"
