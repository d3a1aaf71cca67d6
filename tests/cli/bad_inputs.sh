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
# dates: the long English forms of news pages are read (--keep earliest picks 9 am over
# 10:54 am the same day), a date not understood is counted and named with file and line, and
# its document stays, undated (so never the earliest); exit 0: nothing was skipped
w="a river bridge reopened on monday after two years of repairs said the council"
printf '{"id":"late","text":"%s","date":"April 25, 2022 10:54 AM"}\n' "$w" > "$T/dates.jsonl"
printf '{"id":"odd","text":"%s","date":"25/04/2022"}\n' "$w" >> "$T/dates.jsonl"
printf '{"id":"early","text":"%s","date":"Monday, 25th April 2022, 9:00 am"}\n' "$w" >> "$T/dates.jsonl"
printf '{"id":"blank","text":"%s","date":" "}\n' "$w" >> "$T/dates.jsonl"
"$REPRINT" cluster --keep earliest --date-field date -o "$T/d.jsonl" "$T/dates.jsonl" 2> "$T/derr"
[ "$(field "$T/d.jsonl" late cluster)" = early ] || { cat "$T/d.jsonl"; fail "long-form dates not read"; }
[ "$(field "$T/d.jsonl" odd cluster)" = early ] || fail "the undated document left its cluster"
grep -q '1 dates not understood.*dates.jsonl:2: date "25/04/2022"' "$T/derr" ||
    { cat "$T/derr"; fail "bad date not counted and named"; }
echo "bad_inputs: ok"
