#!/usr/bin/env bash
# Adversarial inputs generated here: no crash (exit 0 or 1), every document accounted for
# (one output line each; skips carry "skipped" and a "detail" naming file and line/offset),
# a message on stderr, bounded memory for bombs and huge lines (peak RSS via /usr/bin/time).
source "$(dirname "$0")/common.bash"
TIME=/usr/bin/time
[ -x "$TIME" ] || fail "/usr/bin/time missing (Debian package time)"
MAXRSS_KB=$((256 * 1024))
# run NAME WANT_LINES WANT_SKIPS ARGS...: reprint cluster ARGS -> $T/NAME.out/.err/.rss
run() {
    local name=$1 lines=$2 skips=$3; shift 3
    set +e
    "$TIME" -f %M -o "$T/$name.rss" "$REPRINT" cluster -o "$T/$name.out" "$@" 2> "$T/$name.err"
    local rc=$?
    set -e
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$T/$name.err"; fail "$name: exit $rc (crash?)"; }
    local got; got=$(wc -l < "$T/$name.out")
    [ "$got" = "$lines" ] || { cat "$T/$name.out"; fail "$name: $got output lines, expected $lines"; }
    got=$(grep -c '"skipped"' "$T/$name.out" || true)
    [ "$got" = "$skips" ] || { cat "$T/$name.out"; fail "$name: $got skips, expected $skips"; }
    if [ "$skips" -gt 0 ]; then
        [ "$rc" = 1 ] || fail "$name: skips but exit $rc"
        grep -q 'skipped' "$T/$name.err" || fail "$name: no message on stderr"
    fi
    python3 - "$T/$name.out" "$name" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(l)
    if "skipped" in o:
        d = o.get("detail", "")
        assert o["skipped"] and ":" in d, (sys.argv[2], o)
PY
    rss=$(tail -n 1 "$T/$name.rss")
    [ "$rss" -lt "$MAXRSS_KB" ] || fail "$name: peak RSS $rss KB"
    echo "$name: exit $rc, $lines docs, $skips skipped, peak RSS $rss KB"
}
cd "$T"
# zero-byte files: an empty text file is one (empty) document, an empty .jsonl none, an
# empty .jsonl.gz is not a gzip stream (one truncated skip)
: > z.txt; : > z.jsonl; : > z.jsonl.gz
run empty 2 1 z.txt z.jsonl z.jsonl.gz
grep -q '"skipped":"truncated".*z.jsonl.gz' empty.out || fail "empty gzip not reported"

# a 3-record JSON Lines gzip truncated at every byte offset: each file gives its first k
# records complete, then one truncated/corrupt skip naming the file
printf '{"text":"alpha beta gamma delta one"}\n{"text":"epsilon zeta eta theta two"}\n{"text":"iota kappa lambda mu three"}\n' \
    | gzip -9n > g.jsonl.gz
n=$(stat -c %s g.jsonl.gz)
mkdir tr
for ((i = 0; i < n; i++)); do head -c "$i" g.jsonl.gz > "tr/t$(printf %03d "$i").jsonl.gz"; done
set +e; "$REPRINT" cluster -q -o trunc.out tr 2> trunc.err; rc=$?; set -e
[ "$rc" = 1 ] || fail "truncated gzips: exit $rc"
python3 - trunc.out "$n" <<'PY'
import json, sys, collections
texts = ["alpha beta gamma delta one", "epsilon zeta eta theta two", "iota kappa lambda mu three"]
per = collections.defaultdict(list)
for l in open(sys.argv[1]):
    o = json.loads(l)
    per[o["id"].rsplit(":", 1)[0]].append(o)
n = int(sys.argv[2])
assert len(per) == n, (len(per), n)
full = 0
for f, docs in per.items():
    *recs, last = docs
    assert last.get("skipped") in ("truncated", "corrupt", "open"), (f, last)
    assert f.split("/")[-1] in last["detail"], (f, last)
    assert len(recs) <= 3 and all("skipped" not in r for r in recs), (f, docs)
    assert [r["id"] for r in recs] == ["%s:%d" % (f, k + 1) for k in range(len(recs))], (f, docs)
    full += len(recs) == 3
print("truncated gzip: %d files, %d with all 3 records before the truncation skip" % (n, full))
PY
echo "gzip truncated at each of $n offsets: ok"

# bad CRC (a byte of the trailer flipped), trailing garbage after the member
cp g.jsonl.gz crc.jsonl.gz
printf '\xff' | dd of=crc.jsonl.gz bs=1 seek=$((n - 6)) conv=notrunc 2>/dev/null
cp g.jsonl.gz tail.jsonl.gz; printf 'GARBAGE after the member' >> tail.jsonl.gz
# the 3 records decoded before the CRC check come first, then the skip (codec_gzip.c hands out
# the bytes decoded before an error, whatever the reads' sizes: ingest.md, parallel decoding)
run badcrc 4 1 crc.jsonl.gz
grep -q '"skipped":"corrupt".*crc.jsonl.gz.*data check' badcrc.out || fail "bad CRC not reported"
run garbage 4 1 tail.jsonl.gz    # 3 records + the garbage reported as a corrupt skip
grep -q '"skipped":"corrupt".*tail.jsonl.gz.*trailing garbage' garbage.out || fail "trailing garbage"

# decompression bomb: 200 MiB of zeros in ~200 KB of gzip, --max-doc-size 1M
head -c 200M /dev/zero | gzip -9 > bomb.txt.gz
start=$(date +%s%N)
run bomb 1 1 --max-doc-size 1M bomb.txt.gz
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 10000 ] || fail "bomb took $ms ms"
grep -q '"skipped":"too_big".*bomb.txt.gz' bomb.out || fail "bomb not skipped as too_big"
run bombcut 1 0 --max-doc-size 1M --truncate-large bomb.txt.gz
grep -q '1 truncated texts' bombcut.err || fail "bomb truncation not reported"

# invalid UTF-8 in text files, each class: repaired, not skipped, counted on stderr
printf 'overlong \xc0\x80 word\n' > u1.txt
printf 'surrogate \xed\xa0\x80 word\n' > u2.txt
printf 'beyond \xf4\x90\x80\x80 word\n' > u3.txt
printf 'lone \x80 word\n' > u4.txt
printf 'truncated at end \xe2\x82' > u5.txt
run utf8txt 5 0 u1.txt u2.txt u3.txt u4.txt u5.txt
grep -q ' 11 invalid UTF-8 sequences repaired' utf8txt.err || { cat utf8txt.err; fail "repairs not counted"; }
# the same bytes inside JSON strings: repaired (U+FFFD), documents kept; j5 is cut inside
# its string, so it is bad JSON and skipped
printf '{"id":"j1","text":"a \xc0\x80 b"}\n{"id":"j2","text":"a \xed\xa0\x80 b"}\n{"id":"j3","text":"a \xf4\x90\x80\x80 b"}\n{"id":"j4","text":"a \x80 b"}\n{"id":"j5","text":"a b \xe2\x82' > u.jsonl
set +e; "$REPRINT" cluster -q -o utf8json.out u.jsonl; rc=$?; set -e
[ "$rc" -le 1 ] || fail "invalid UTF-8 in JSON: exit $rc"
[ "$(wc -l < utf8json.out)" = 5 ] || fail "invalid UTF-8 in JSON: not 5 lines"
[ "$(grep -c '"skipped"' utf8json.out)" = 1 ] || { cat utf8json.out; fail "invalid UTF-8 in JSON strings not repaired"; }
grep -q 'u.jsonl:5.*"skipped":"bad_json"' utf8json.out || fail "line 5 should be bad_json"

# NUL bytes in a text file
printf 'nul\0bytes\0inside a text file\n' > nul.txt
run nul 1 0 nul.txt

# JSON nested 100,000 deep, as a value of a document and as whole lines
python3 -c '
d = 100000
print("{\"id\":\"deep\",\"text\":\"t\",\"x\":" + "[" * d + "]" * d + "}")
print("[" * d + "]" * d)
print("{\"a\":" * d + "1" + "}" * d)' > deep.jsonl
run deep 3 3 deep.jsonl
grep -q 'deep.jsonl:1' deep.err || fail "deep: no file:line"

# numbers, blank lines, non-object lines
printf '{"id":"n1","text":"tiny number","a":-2645e-1141622225}\n\n   \n[1]\n"s"\n3\n{"id":"n2","text":"after"}\n' > nums.jsonl
run nums 5 3 nums.jsonl
[ "$(field nums.out n1 relation)" != skipped ] || fail "tiny number skipped"
grep -q '2 blank lines' nums.err || fail "blank lines not counted"
grep -c '"skipped":"not_object"' nums.out | grep -qx 3 || fail "not_object"
# numbers out of double or int64 range in fields that are not used (finding 4, fixed): kept
printf '{"id":"big","text":"huge number","b":1e999999}\n' > bignum.jsonl
printf '{"id":"big2","text":"huge integer","b":[99999999999999999999,-1e400]}\n' >> bignum.jsonl
printf '{"id":"big3","t\\u0065xt":"escaped key","b":2645e1141622225}\n' >> bignum.jsonl
run bignum 3 0 bignum.jsonl
for id in big big2 big3; do
    [ "$(field bignum.out $id relation)" != skipped ] || fail "out-of-range number: $id skipped"
done

# WARC record shorter than its Content-Length at the end of the file
printf 'WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello world one two \r\n\r\n' > short.warc
printf 'WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:uuid:2>\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\nshort body only' >> short.warc
run warc 2 1 short.warc
grep -q '"skipped":"truncated".*short.warc' warc.out || fail "short WARC record not reported"

# a 1 GiB single line streamed through stdin: too_big, bounded memory
set +e
yes | tr -d '\n' | head -c 1073741824 \
    | "$TIME" -f %M -o huge.rss "$REPRINT" cluster --format jsonl -o huge.out - 2> huge.err
rc=$?
set -e
[ "$rc" = 1 ] || { cat huge.err; fail "1 GiB line: exit $rc"; }
[ "$(wc -l < huge.out)" = 1 ] && grep -q '"skipped":"too_big".*-:1' huge.out || fail "1 GiB line not too_big"
grep -q 'too_big' huge.err || fail "1 GiB line: no message"
rss=$(tail -n 1 huge.rss)
[ "$rss" -lt "$MAXRSS_KB" ] || fail "1 GiB line: peak RSS $rss KB"
echo "huge line: exit $rc, 1 doc, 1 skipped, peak RSS $rss KB"
echo "hostile: ok"
