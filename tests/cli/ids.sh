#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ids.sh -- every input document appears once, under an id no other document has
# (docs/reliability.md, "Ids"): the same file name in two folders, one JSONL id in two files
# and twice in one file, "-" given twice, a fallback "file:line" equal to a real id, ids with
# a NUL (refused as counted skips), a control character (kept, escaped), numeric ids (their
# JSON spelling). cluster, pairs and dedup on each, 1 and 4 threads; eval takes cluster's
# output of each.
set -u
: "${REPRINT:?set REPRINT to the reprint binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

A="the harbour bridge opened on monday after three years of work and a long dispute"
B="the city library caught fire on tuesday night and two floors of books were lost"
C="farmers in the valley report the best orchard harvest in a decade this autumn"

# case 1: a.txt in two folders (different texts), and one of them given a second time
mkdir -p t/d1 t/d2
printf '%s\n' "$A" > t/d1/a.txt
printf '%s\n' "$B" > t/d2/a.txt
# case 2: id "x" in two files (an exact copy and a different text) and twice in one file; a
# record without an id ("j1.jsonl:3") next to a record whose id is that text
printf '{"id":"x","text":"%s"}\n{"id":"x","text":"%s"}\n{"text":"%s"}\n' "$A" "$B" "$C" \
    > j1.jsonl
printf '{"id":"x","text":"%s"}\n{"id":"j1.jsonl:3","text":"%s"}\n' "$A" "$C" > j2.jsonl
# case 4: NUL and control characters
printf '{"id":"a\\u0000x","text":"%s"}\n{"id":"a\\u0000y","text":"%s"}\n' "$A" "$B" > nul.jsonl
printf '{"id":"c\\u0001d","text":"%s"}\n{"id":"c\\u0001e","text":"%s"}\n' "$A" "$B" > ctl.jsonl
# case 5: numbers keep their spelling (the last two are beyond int64 and double range; the
# last record has invalid UTF-8 in its text, so jansson parses a repaired copy)
printf '%s\n' '{"id":1e2,"text":"one"}' '{"id":100,"text":"two"}' \
    '{"id":12345678901234567890,"text":"three"}' '{"\u0069d":-0.50,"text":"four"}' \
    '{"id":1E+2,"text":"five"}' > num.jsonl
printf '{"id":1e999999,"text":"six \xff"}\n' >> num.jsonl

# check OUT N WANT_IDS...: OUT (cluster output) has N lines with distinct ids, exactly WANT
# (JSON strings, in order; "-" to skip the comparison)
check_cluster() {
    python3 - "$@" <<'EOF'
import json, sys
out, n, want = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = [json.loads(l) for l in open(out, encoding="utf-8")]
ids = [r["id"] for r in rows]
err = []
if len(rows) != n: err.append("%d lines, want %d" % (len(rows), n))
if len(set(ids)) != len(ids): err.append("ids not distinct: %r" % ids)
if want and want != ["-"] and ids != [json.loads(w) for w in want]:
    err.append("ids %r, want %r" % (ids, [json.loads(w) for w in want]))
known = set(ids)
for r in rows:
    for k in ("cluster", "of"):
        if r.get(k) is not None and r[k] not in known: err.append("%s %r unknown" % (k, r[k]))
if err: sys.exit(out + ": " + "; ".join(err))
EOF
}

# pairs never link a document to itself, and every id named is one of cluster's
check_pairs() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
ids = {json.loads(l)["id"] for l in open(sys.argv[2], encoding="utf-8")}
for l in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(l)
    if p["a"] == p["b"] or p["a"] not in ids or p["b"] not in ids:
        sys.exit("%s: bad pair %r" % (sys.argv[1], p))
EOF
}

# eval: gold = cluster's own output (raw ids), so every score is 1 and every item is found
check_eval() {
    python3 - "$1" gold.tsv <<'EOF' || { fail "$1: cannot write gold"; return; }
import json, sys
with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as g:
    for l in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(l)
        if "skipped" not in r: g.write("%s\t%s\n" % (r["id"], r["cluster"]))
EOF
    [ -s gold.tsv ] || return 0
    local items
    items=$(wc -l < gold.tsv)
    "$REPRINT" eval --gold gold.tsv --json "$1" > ev.json || { fail "$1: eval exit $?"; return; }
    python3 - ev.json "$items" <<'EOF' || fail "$1: eval scores"
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["items"] == int(sys.argv[2]) and r["gold_only"] == 0 and r["pred_only"] == 0
ok = ok and all(abs(r[k] - 1) < 1e-9 for k in ("pair_f1", "bcubed_f1", "ari", "nmi")
                if r.get("pair_tp", 0) or k.startswith("bcubed"))
if not ok: sys.exit("eval: %r" % r)
EOF
}

# run NAME N WANT... -- INPUTS...: cluster (1 and 4 threads, identical), pairs, dedup, eval
run_case() {
    local name=$1 n=$2
    shift 2
    local want=()
    while [ "$1" != "--" ]; do want+=("$1"); shift; done
    shift
    "$REPRINT" cluster -q --threads 1 -o "$name.c1" "$@" < "${STDIN:-/dev/null}"
    local rc=$?
    [ "$rc" -le 1 ] || fail "$name: cluster exit $rc"
    "$REPRINT" cluster -q --threads 4 -o "$name.c4" "$@" < "${STDIN:-/dev/null}"
    cmp -s "$name.c1" "$name.c4" || fail "$name: 1 and 4 threads differ"
    check_cluster "$name.c1" "$n" "${want[@]}" || fail "$name: cluster"
    "$REPRINT" pairs -q -o "$name.p" "$@" < "${STDIN:-/dev/null}"
    rc=$?
    [ "$rc" -le 1 ] || fail "$name: pairs exit $rc"
    check_pairs "$name.p" "$name.c1" || fail "$name: pairs"
    check_eval "$name.c1"
}

run_case dirs 3 '"a.txt"' '"t/d2/a.txt"' '"t/d1/a.txt"' -- t/d1 t/d2 t/d1/a.txt
run_case jsonl 5 '"x"' '"j1.jsonl:x"' '"j1.jsonl:3"' '"j2.jsonl:x"' '"j2.jsonl:j1.jsonl:3"' \
    -- j1.jsonl j2.jsonl
run_case twice 10 - -- j1.jsonl j2.jsonl j1.jsonl j2.jsonl
# the same file twice: the second reading of j1.jsonl:x is taken, so it gets "#N"
grep -q '"id":"j1.jsonl:x#7"' twice.c1 || fail "twice: no j1.jsonl:x#7"
printf '%s\n' "$A" > stdin.txt
STDIN=stdin.txt run_case stdin 2 '"-"' '"-#2"' -- - -
run_case nul 2 '"nul.jsonl:1"' '"nul.jsonl:2"' -- nul.jsonl
run_case ctl 2 '"c\u0001d"' '"c\u0001e"' -- ctl.jsonl
run_case num 6 '"1e2"' '"100"' '"12345678901234567890"' '"-0.50"' '"1E+2"' '"1e999999"' \
    -- num.jsonl

# NUL ids: counted skips with the reason, never cut at the NUL
grep -c '"skipped":"bad_json"' nul.c1 | grep -qx 2 || fail "nul: want 2 bad_json skips"
grep -q 'id holds a NUL character' nul.c1 || fail "nul: no reason in the detail"
"$REPRINT" cluster -o /dev/null nul.jsonl 2> nul.err
[ $? -eq 1 ] || fail "nul: exit status not 1"
grep -q 'bad_json=2' nul.err || fail "nul: skips not counted on stderr"
# control characters stay, escaped in the output
grep -q '"id":"c\\u0001d"' ctl.c1 || fail "ctl: id not escaped as \\u0001"

# dedup: two different documents under one id are both kept; an exact copy is removed
"$REPRINT" dedup -o dd.jsonl j1.jsonl j2.jsonl 2> dd.err || fail "dedup exit $?"
grep -q 'kept 3 documents, removed 2' dd.err || fail "dedup: $(cat dd.err)"
[ "$(wc -l < dd.jsonl)" -eq 3 ] || fail "dedup: $(wc -l < dd.jsonl) records, want 3"
# Open finding E (docs/reliability.md, programs/rp_cli.c write_dedup, not this part's file):
# dedup of two folders holding the same file name keeps both files, one folder per input
# (docs/reliability.md, "Outputs and input walking")
"$REPRINT" dedup -q -o ddir t/d1 t/d2 || fail "dedup of folders exit $?"
[ "$(find ddir -type f | wc -l)" -eq 2 ] ||
    fail "dedup of folders wrote $(find ddir -type f | wc -l) of 2 files"
cmp -s ddir/d1/a.txt t/d1/a.txt && cmp -s ddir/d2/a.txt t/d2/a.txt ||
    fail "dedup of folders: $(find ddir -type f | tr '\n' ' ')"
"$REPRINT" dedup -q -o dn.jsonl num.jsonl || fail "dedup num exit $?"
[ "$(wc -l < dn.jsonl)" -eq 6 ] || fail "dedup num: $(wc -l < dn.jsonl) records, want 6"

# the CLI's summary says how many ids were made unique and names the first
printf '{"id":"x","text":"one text here"}\n{"id":"x","text":"another text there"}\n' >sum.jsonl
"$REPRINT" cluster -o /dev/null sum.jsonl 2>sum.err || fail "summary run exit $?"
grep -q '1 ids were already taken by earlier documents and were made unique (first: sum.jsonl:2' \
    sum.err || fail "summary line: $(cat sum.err)"
[ "$fails" -eq 0 ] && echo "ids: all passed"
exit $((fails > 0))
