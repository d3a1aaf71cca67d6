#!/usr/bin/env bash
# Multi-member gzip and multi-frame zstd (one member / frame per few records, as in Common
# Crawl WET files) give the same records and outputs as the single stream of the same bytes,
# for 1 and 4 threads; a corrupt member in the middle, a truncated last member and empty
# members give the same skips as in a single stream, with the decompressed offset named.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 60 5
python3 "$SRCDIR/bench/multimember.py" "$T/c.jsonl" "$T/c" --records 7 > /dev/null
# empty members and empty frames between the others
python3 - "$T" <<'PY'
import gzip, subprocess, sys
t = sys.argv[1]
lines = open(t + "/c.jsonl", "rb").readlines()
empty_gz = gzip.compress(b"", mtime=0)
empty_zst = subprocess.run(["zstd", "-q", "-c"], input=b"", stdout=subprocess.PIPE).stdout
with open(t + "/e.jsonl.gz", "wb") as g, open(t + "/e.jsonl.zst", "wb") as z:
    g.write(empty_gz); z.write(empty_zst)
    for i in range(0, len(lines), 5):
        c = b"".join(lines[i:i + 5])
        g.write(gzip.compress(c, mtime=0) + empty_gz)
        z.write(subprocess.run(["zstd", "-q", "-c"], input=c, stdout=subprocess.PIPE).stdout
                + empty_zst)
PY
for th in 1 4; do
    "$REPRINT" cluster --quiet --threads $th -o "$T/ref.$th" "$T/c.single.jsonl.gz"
    for f in c.members.jsonl.gz c.frames.jsonl.zst e.jsonl.gz e.jsonl.zst; do
        "$REPRINT" cluster --quiet --threads $th -o "$T/o.$f.$th" "$T/$f"
        # ids carry no path; records, line numbers and clusters must be identical
        cmp -s "$T/ref.$th" "$T/o.$f.$th" || fail "$f, $th threads: output differs"
    done
    "$REPRINT" dedup --quiet --threads $th "$T/c.members.jsonl.gz" > "$T/d.m.$th"
    "$REPRINT" dedup --quiet --threads $th "$T/c.single.jsonl.gz" > "$T/d.s.$th"
    cmp -s "$T/d.m.$th" "$T/d.s.$th" || fail "dedup, $th threads: output differs"
done
cmp -s "$T/ref.1" "$T/ref.4" || fail "1 and 4 threads differ"
# A corrupt member in the middle: the records before it, one corrupt skip naming the
# decompressed offset, nothing after it (as for a single stream: the decoder cannot resync).
python3 - "$T" <<'PY'
import gzip, sys
t = sys.argv[1]
lines = open(t + "/c.jsonl", "rb").readlines()
ms = [gzip.compress(b"".join(lines[i:i + 7]), mtime=0) for i in range(0, len(lines), 7)]
bad = bytearray(ms[3]); bad[len(bad) // 2] ^= 0xFF; bad[len(bad) // 2 + 1] ^= 0x55
open(t + "/bad.jsonl.gz", "wb").write(b"".join(ms[:3]) + bytes(bad) + b"".join(ms[4:]))
open(t + "/cut.jsonl.gz", "wb").write(b"".join(ms)[:-9])
PY
for th in 1 4; do
    set +e
    "$REPRINT" cluster --quiet --threads $th -o "$T/bad.$th" "$T/bad.jsonl.gz" 2> "$T/bad.err"
    rc=$?
    "$REPRINT" cluster --quiet --threads $th -o "$T/cut.$th" "$T/cut.jsonl.gz" 2> "$T/cut.err"
    rc2=$?
    set -e
    [ "$rc" = 1 ] && [ "$rc2" = 1 ] || fail "damaged members: exit $rc/$rc2, expected 1"
    grep -q '"skipped":"corrupt"' "$T/bad.$th" || fail "corrupt member not flagged"
    grep -q 'corrupt gzip stream at byte [0-9]* (decompressed)' "$T/bad.$th" "$T/bad.err" ||
        fail "corrupt member: offset not named"
    [ "$(grep -vc '"skipped"' "$T/bad.$th")" -ge 21 ] || fail "records before the corrupt member"
    [ "$(grep -c '"skipped"' "$T/bad.$th")" = 1 ] || fail "corrupt: one skip expected"
    grep -q '"skipped":"truncated"' "$T/cut.$th" || fail "truncated last member not flagged"
    n=$(grep -vc '"skipped"' "$T/cut.$th")
    [ "$n" -ge 126 ] && [ "$n" -le 133 ] || fail "truncated: $n whole records (126-133 expected)"
    [ "$(grep -c '"skipped"' "$T/cut.$th")" = 1 ] || fail "truncated: one skip expected"
done
cmp -s "$T/bad.1" "$T/bad.4" || fail "corrupt member: 1 and 4 threads differ"
cmp -s "$T/cut.1" "$T/cut.4" || fail "truncated member: 1 and 4 threads differ"
echo ok
