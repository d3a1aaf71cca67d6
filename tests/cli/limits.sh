#!/usr/bin/env bash
# --max-memory caps the working set: a run that would exceed it stops with exit 3, a clear
# message and no output file; within the cap the result is the same as without it.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 3000 4
set +e
"$REPRINT" cluster --quiet --max-memory 1M -o "$T/out.jsonl" "$T/c.jsonl" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "exit $rc, expected 3"
grep -q "memory cap (1 MiB) after [0-9]* documents" "$T/err" || { cat "$T/err"; fail "message"; }
[ ! -e "$T/out.jsonl" ] || fail "output written despite the failure"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "temp file left"
"$REPRINT" cluster --quiet --max-memory 1G -o "$T/a.jsonl" "$T/c.jsonl"
"$REPRINT" cluster --quiet -o "$T/b.jsonl" "$T/c.jsonl"
cmp -s "$T/a.jsonl" "$T/b.jsonl" || fail "cap changed the result"
expect_exit 2 "$REPRINT" cluster --max-memory 10x "$T/c.jsonl"
echo "limits: ok"
