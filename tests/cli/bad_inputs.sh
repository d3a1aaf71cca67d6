#!/usr/bin/env bash
# Bad input never crashes and is never dropped silently: every document gets its line, skips
# carry a reason, the exit status is 1, and the errors name file and line.
source "$(dirname "$0")/common.bash"
printf '{"id":"ok1","text":"alpha beta gamma delta epsilon zeta eta theta"}\n' > "$T/bad.jsonl"
printf '{"id":"broken","text":"unterminated\n' >> "$T/bad.jsonl"
printf '\n   \n' >> "$T/bad.jsonl"
printf '[1,2,3]\n' >> "$T/bad.jsonl"
printf '{"id":"notext","body":"x"}\n' >> "$T/bad.jsonl"
printf '{"id":"nul","text":"has \\u0000 nul and \xff\xfe invalid bytes"}\n' >> "$T/bad.jsonl"
printf '{"id":"num","text":"x","n":-2645e-1141622225}\n' >> "$T/bad.jsonl"
set +e
"$REPRINT" cluster -o "$T/out.jsonl" "$T/bad.jsonl" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "exit $rc, expected 1"
[ "$(wc -l < "$T/out.jsonl")" = 6 ] || { cat "$T/out.jsonl"; fail "expected 6 documents (2 blank lines are not documents)"; }
grep -q 'bad.jsonl:2: bad_json' "$T/err" || { cat "$T/err"; fail "no file:line for bad JSON"; }
[ "$(grep -c '"skipped"' "$T/out.jsonl")" -ge 3 ] || fail "skips not flagged"
grep -q '"id":"notext".*"skipped":"no_text"' "$T/out.jsonl" || fail "no_text"
grep -q '2 blank lines' "$T/err" || fail "blank lines not reported"
# empty file, binary junk, a truncated gzip: still no crash
: > "$T/empty.txt"
head -c 3000 /dev/urandom > "$T/junk.bin"
seq 1 2000 | sed 's/.*/{"id":"&","text":"word & and more words here"}/' | gzip > "$T/t.jsonl.gz"
head -c 2000 "$T/t.jsonl.gz" > "$T/trunc.jsonl.gz"
set +e
"$REPRINT" cluster --quiet -o "$T/o2.jsonl" "$T/empty.txt" "$T/junk.bin" "$T/trunc.jsonl.gz"
rc=$?
set -e
[ "$rc" = 1 ] || fail "truncated gzip: exit $rc, expected 1"
grep -q '"skipped":"truncated"' "$T/o2.jsonl" || fail "truncated record not flagged"
# missing input file: a skipped document, exit 1
set +e; "$REPRINT" cluster --quiet -o "$T/o3.jsonl" "$T/does-not-exist.txt"; rc=$?; set -e
[ "$rc" = 1 ] || fail "missing file: exit $rc"
grep -q '"skipped":"open"' "$T/o3.jsonl" || fail "missing file not flagged"
# usage errors: exit 2
expect_exit 2 "$REPRINT" cluster --threshold 2 "$T/bad.jsonl"
expect_exit 2 "$REPRINT" cluster --no-such-option "$T/bad.jsonl"
expect_exit 2 "$REPRINT" frobnicate
expect_exit 2 "$REPRINT" cluster
# output into a missing directory: exit 3, nothing left behind
expect_exit 3 "$REPRINT" cluster --quiet -o "$T/nodir/out.jsonl" "$T/bad.jsonl"
[ ! -e "$T/nodir" ] || fail "output dir created"
echo "bad_inputs: ok"
