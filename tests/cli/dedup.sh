#!/usr/bin/env bash
# dedup writes one document per cluster back in the input format, atomically.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 60 11
"$REPRINT" cluster --quiet -o "$T/cl.jsonl" "$T/c.jsonl"
kept=$(grep -c '"relation":"\(original\|unique\)"' "$T/cl.jsonl")
"$REPRINT" dedup -o "$T/d.jsonl" "$T/c.jsonl" 2> "$T/err"
[ "$(wc -l < "$T/d.jsonl")" = "$kept" ] || fail "dedup kept $(wc -l < "$T/d.jsonl"), expected $kept"
grep -q "removed $(( $(wc -l < "$T/c.jsonl") - kept )) duplicates" "$T/err" || { cat "$T/err"; fail "removed count"; }
# output lines are input lines verbatim
python3 - "$T/c.jsonl" "$T/d.jsonl" <<'PY' || fail "dedup output is not a subset of the input lines"
import sys
a = set(open(sys.argv[1]).read().splitlines()); b = open(sys.argv[2]).read().splitlines()
assert all(l in a for l in b)
PY
# idempotent: deduplicating the result removes nothing
"$REPRINT" dedup --quiet -o "$T/d2.jsonl" "$T/d.jsonl"
cmp -s "$T/d.jsonl" "$T/d2.jsonl" || fail "dedup is not idempotent"
# text files go to a directory, under the input folder's name (OUT/news/...)
"$REPRINT" dedup --quiet -o "$T/outdir" "$SRCDIR/samples/news"
[ "$(ls "$T/outdir")" = news ] || { ls "$T/outdir"; fail "dedup folder should hold news/"; }
[ "$(ls "$T/outdir/news" | wc -l)" = 4 ] || { ls "$T/outdir/news"; fail "text dedup should keep 4 files"; }
for f in "$T"/outdir/news/*; do
    cmp -s "$f" "$SRCDIR/samples/news/${f##*/}" || fail "${f##*/} is not the input file verbatim"
done
# the folder is made like a new file: 0777 & ~umask, not mkdtemp's 0700
[ "$(stat -c %a "$T/outdir")" = "$(printf '%o' $(( 0777 & ~$(umask) )))" ] || fail "folder mode"
# no temp files left behind
[ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "temp file left"
echo "dedup: ok"
