#!/usr/bin/env bash
# Members / frames decoded on several threads (lib/ingest/codec_par.c) give exactly what one
# thread gives (the sequential decoder, as before): many members and frames (several 64 KiB
# units), a corrupt member or frame in a later unit, a truncated last member / frame, trailing
# garbage, empty files, and members whose compressed bytes hold false `1f 8b 08` headers
# (stored blocks, a whole gzip member stored inside another) -- with 1, 2 and 4 threads.
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 600 3
python3 - "$T" <<'PY'
import gzip, subprocess, sys
t = sys.argv[1]
lines = open(t + "/c.jsonl", "rb").readlines()
def zst(b):
    return subprocess.run(["zstd", "-q", "-c"], input=b, stdout=subprocess.PIPE,
                          check=True).stdout
def put(name, data):
    open(t + "/" + name, "wb").write(data)
gz = [gzip.compress(l, mtime=0) for l in lines]        # one member per record (WET-like)
zs = [zst(b"".join(lines[i:i + 3])) for i in range(0, len(lines), 3)]
put("single.jsonl.gz", gzip.compress(b"".join(lines), mtime=0))
put("m.jsonl.gz", b"".join(gz))
put("f.jsonl.zst", b"".join(zs))
# damage far from the start, so that earlier units were decoded on the helpers
k = len(gz) * 3 // 4
bad = bytearray(gz[k]); bad[len(bad) // 2] ^= 0xFF; bad[len(bad) // 2 + 1] ^= 0x55
put("bad.jsonl.gz", b"".join(gz[:k]) + bytes(bad) + b"".join(gz[k + 1:]))
put("cut.jsonl.gz", b"".join(gz)[:-9])
put("tail.jsonl.gz", b"".join(gz) + b"not a member\n")
put("crc.jsonl.gz", b"".join(gz[:k]) + gz[k][:-8] + b"\0\0\0\0" + gz[k][-4:]
    + b"".join(gz[k + 1:]))
j = len(zs) * 3 // 4
badz = bytearray(zs[j]); badz[len(badz) // 2] ^= 0xFF
put("bad.jsonl.zst", b"".join(zs[:j]) + bytes(badz) + b"".join(zs[j + 1:]))
put("cut.jsonl.zst", b"".join(zs)[:-5])
put("tail.jsonl.zst", b"".join(zs) + b"garbage")
put("empty.jsonl.gz", b"")
put("empty.jsonl.zst", b"")
# False member headers inside compressed data: level 0 stores the bytes as they are, so a
# record holding `1f 8b 08 00` (and a whole gzip member) puts them in the compressed stream,
# beyond the 64 KiB a unit starts looking for its end.
fake = b"\x1f\x8b\x08\x00" + gzip.compress(b'{"id":"inner","text":"inner member"}\n', mtime=0)
big = [b'{"id":"s%d","text":"stored %d ' % (i, i) + b"x" * 900 + b" " + fake.hex().encode()
       + b'"}\n' for i in range(200)]
raw = b'{"id":"raw","text":"' + fake + b'"}\n'
stored = gzip.compress(b"".join(big[:100]) + raw + b"".join(big[100:]) + raw, 0, mtime=0)
assert stored.count(b"\x1f\x8b\x08") >= 5
put("fake.jsonl.gz", b"".join(gz[:300]) + stored + b"".join(gz[300:]))
put("fake1.jsonl.gz", stored + b"".join(gz[:50]))
PY
run() { # FILE THREADS -> output in $T/o.FILE.THREADS, exit status in $T/rc.FILE.THREADS
    set +e
    "$REPRINT" cluster --quiet --threads "$2" -o "$T/o.$1.$2" "$T/$1" 2> "$T/e.$1.$2"
    echo $? > "$T/rc.$1.$2"
    set -e
}
for f in single.jsonl.gz m.jsonl.gz f.jsonl.zst bad.jsonl.gz cut.jsonl.gz tail.jsonl.gz \
    crc.jsonl.gz bad.jsonl.zst cut.jsonl.zst tail.jsonl.zst empty.jsonl.gz empty.jsonl.zst \
    fake.jsonl.gz fake1.jsonl.gz; do
    for th in 1 2 4; do
        run "$f" "$th"
        [ "$th" = 1 ] && continue
        cmp -s "$T/o.$f.1" "$T/o.$f.$th" || fail "$f: $th threads differ from 1"
        cmp -s "$T/rc.$f.1" "$T/rc.$f.$th" || fail "$f: exit status, $th threads"
        cmp -s "$T/e.$f.1" "$T/e.$f.$th" || fail "$f: messages, $th threads"
    done
done
for th in 1 2 4; do # members and frames read as the single stream of the same bytes
    cmp -s "$T/o.single.jsonl.gz.1" "$T/o.m.jsonl.gz.$th" || fail "members, $th threads"
    cmp -s "$T/o.single.jsonl.gz.1" "$T/o.f.jsonl.zst.$th" || fail "frames, $th threads"
done
[ "$(wc -l < "$T/o.m.jsonl.gz.4")" -ge 1289 ] || fail "members: records missing"
skips() { grep -c '"skipped"' "$T/o.$1.4" || true; }
for f in bad.jsonl.gz crc.jsonl.gz bad.jsonl.zst; do
    [ "$(skips "$f")" = 1 ] && grep -q '"skipped":"corrupt"' "$T/o.$f.4" ||
        fail "$f: one corrupt skip expected"
done
grep -q 'corrupt gzip stream at byte [0-9]* (decompressed)' "$T/o.bad.jsonl.gz.4" ||
    fail "corrupt member: offset not named"
for f in cut.jsonl.gz cut.jsonl.zst; do
    [ "$(skips "$f")" = 1 ] && grep -q '"skipped":"truncated"' "$T/o.$f.4" ||
        fail "$f: one truncated skip expected"
done
grep -q 'trailing garbage after gzip member' "$T/o.tail.jsonl.gz.4" "$T/e.tail.jsonl.gz.4" ||
    fail "trailing garbage not reported"
grep -q '"id":"s199"' "$T/o.fake.jsonl.gz.4" || fail "stored member with false headers"
[ "$(grep -vc '"skipped"' "$T/o.fake.jsonl.gz.4")" -ge 1489 ] || fail "fake: records missing"
# damage anywhere: a flipped bit, a cut, four random bytes (fixed seeds) give the same output
# on 1 and 4 threads (670 such runs, 2 and 4 threads, zlib and libdeflate units: no difference)
python3 - "$T" <<'PY'
import random, sys
t = sys.argv[1]
for name in ("m.jsonl.gz", "f.jsonl.zst", "fake.jsonl.gz"):
    src = open(t + "/" + name, "rb").read()
    for seed in range(6):
        d, r = bytearray(src), random.Random(seed)
        i = r.randrange(len(d))
        if seed % 3 == 0: d[i] ^= 1 << r.randrange(8)
        elif seed % 3 == 1: d = d[:i]
        else: d[i:i + 4] = bytes(r.randrange(256) for _ in range(4))
        open("%s/dmg%d.%s" % (t, seed, name), "wb").write(d)
PY
for f in "$T"/dmg*; do
    f=${f##*/}
    run "$f" 1
    run "$f" 4
    cmp -s "$T/o.$f.1" "$T/o.$f.4" && cmp -s "$T/e.$f.1" "$T/e.$f.4" &&
        cmp -s "$T/rc.$f.1" "$T/rc.$f.4" || fail "$f: 4 threads differ from 1"
done
echo ok
