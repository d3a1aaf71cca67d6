#!/usr/bin/env bash
# Encodings and formats: texts that are not UTF-8 are decoded (UTF-16/32 with a byte order
# mark, HTML <meta charset>, a WARC record's HTTP charset, Latin-1 by detection), so a page and
# its UTF-8 twin are exact duplicates; binary files are skipped as `binary` and counted; a .gz
# that is zstd (and the reverse) is read by its magic bytes; --max-doc-size stops reading
# /dev/zero and a 5 GB sparse file; a pretty-printed .json object is one document. Fixtures
# are written here.
source "$(dirname "$0")/common.bash"
cd "$T"
mkdir twins bin
python3 - <<'PY'
import os
t = ("Le caf\u00e9 de la gare \u00e9tait ferm\u00e9 \u00e0 cause de la gr\u00e8ve. Les "
     "\u00e9l\u00e8ves ont d\u00fb marcher jusqu'\u00e0 l'\u00e9cole, o\u00f9 le ma\u00eetre "
     "les attendait d\u00e9j\u00e0 avec impatience. \u00c7a arrive souvent en hiver.\n")
def w(p, b): open(p, "wb").write(b)
w("twins/a_utf8.txt", t.encode("utf-8"))
w("twins/b_latin1.txt", t.encode("latin-1"))
w("twins/c_utf16le.txt", b"\xff\xfe" + t.encode("utf-16-le"))
w("twins/d_utf16be.txt", b"\xfe\xff" + t.encode("utf-16-be"))
w("twins/e_utf32le.txt", b"\xff\xfe\x00\x00" + t.encode("utf-32-le"))
w("twins/f_utf32be.txt", b"\x00\x00\xfe\xff" + t.encode("utf-32-be"))
page = "<p>" + t + "</p></body></html>"
w("twins/g_meta.html", ('<html><head><meta charset="iso-8859-1"><title>t</title></head><body>'
                        + page).encode("latin-1"))
w("twins/h_equiv.html", ('<html><head><meta http-equiv="Content-Type" content="text/html; '
                         'charset=windows-1252"></head><body>' + page).encode("cp1252"))
# KOI8-R declared: the label decides, detection is not asked
ru = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! " * 20
w("koi8.html", ('<html><head><meta charset="koi8-r"></head><body><p>' + ru
                + "</p></body></html>").encode("koi8-r"))
w("ru_utf8.txt", (ru + "\n").encode("utf-8"))
body = ("<html><body><p>" + t + "</p></body></html>").encode("latin-1")
http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\r\n" + body
w("twins/i.warc", b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:w1>\r\n"
  b"Content-Length: %d\r\n\r\n" % len(http) + http + b"\r\n\r\n")
# binary: random bytes, an ELF header, control bytes
# (seeded: a test that passes or fails by chance proves nothing; the '{' and '[' files are the
# 1-in-128 draws that once read as JSON and reported a bad line per newline)
import random
rnd = random.Random(20261206)
w("bin/random.bin", rnd.randbytes(4096))
w("bin/obj_random", b"{" + rnd.randbytes(4095))
w("bin/arr_random", b"[" + rnd.randbytes(4095))
w("bin/named.jsonl", rnd.randbytes(4096))
w("bin/prog", b"\x7fELF\x02\x01\x01\x00" + rnd.randbytes(2000))
w("bin/ctl.dat", bytes((i * 7) % 32 for i in range(1000)))
# a pretty-printed single object in a .json file
w("pretty.json", b'{\n  "id": "p1",\n  "text": "one pretty printed object spanning lines"\n}\n')
PY

# 1. twins: every encoding of the text is one exact cluster
"$REPRINT" cluster --level exact -o twins.jsonl twins 2>twins.err || { cat twins.err; fail "twins run"; }
python3 - twins.jsonl <<'PY' || { cat twins.err; fail "twins are not one exact cluster"; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 9, rows
assert len({r["cluster"] for r in rows}) == 1, rows
assert all(r["relation"] in ("original", "exact") for r in rows), rows
PY
grep -q 'reprint: 8 texts decoded to UTF-8 from another charset' twins.err ||
    { cat twins.err; fail "decoded texts not counted"; }
for want in 'b_latin1.txt from WINDOWS-1252' 'c_utf16le.txt from UTF-16LE' \
    'd_utf16be.txt from UTF-16BE' 'e_utf32le.txt from UTF-32LE' 'f_utf32be.txt from UTF-32BE' \
    'g_meta.html from WINDOWS-1252' 'h_equiv.html from WINDOWS-1252' 'i.warc:1 from WINDOWS-1252'; do
    grep -q "reprint: decoded twins/$want to UTF-8" twins.err || { cat twins.err; fail "no report: $want"; }
done
grep -q 'a_utf8.txt' twins.err && fail "valid UTF-8 was decoded"

# 2. a declared charset (KOI8-R) is used: the page equals its UTF-8 twin
"$REPRINT" cluster --level exact -o ru.jsonl koi8.html ru_utf8.txt 2>ru.err
[ "$(field ru.jsonl ru_utf8.txt relation)" = exact ] || { cat ru.err; fail "KOI8-R page not decoded"; }
grep -q 'decoded koi8.html from koi8-r' ru.err || { cat ru.err; fail "KOI8-R not reported"; }

# 3. binary files are skipped as binary, counted, never clustered
cp /bin/true bin/true_elf
expect_exit 1 "$REPRINT" cluster -o bin.jsonl bin 2>bin.err
grep -q 'skipped by reason: binary=7$' bin.err || { cat bin.err; fail "binary not counted"; }
for f in obj_random arr_random named.jsonl; do
    [ "$(field bin.jsonl "$f" skipped)" = binary ] || { cat bin.err; fail "$f not binary"; }
done
[ "$(field bin.jsonl true_elf skipped)" = binary ] || fail "ELF not skipped as binary"
grep -q 'bin/true_elf: ELF executable' bin.err || { cat bin.err; fail "ELF detail"; }

# 4. codec by magic bytes: zstd named .gz, gzip named .zst, a .zst inside a .gz is binary
printf '{"id":"z","text":"alpha beta gamma delta epsilon"}\n' | zstd -q >zstd.jsonl.gz
printf '{"id":"g","text":"alpha beta gamma delta epsilon"}\n' | gzip >gzip.jsonl.zst
printf 'alpha beta gamma delta epsilon\n' | zstd -q | gzip >nested.zst.gz
expect_exit 1 "$REPRINT" cluster --level exact -o codec.jsonl zstd.jsonl.gz gzip.jsonl.zst \
    nested.zst.gz 2>codec.err
[ "$(field codec.jsonl g cluster)" = "$(field codec.jsonl z cluster)" ] &&
    [ "$(field codec.jsonl z cluster)" != MISSING ] || { cat codec.err; fail "magic bytes not used"; }
[ "$(field codec.jsonl nested.zst.gz skipped)" = binary ] || { cat codec.err; fail "nested zstd"; }

# 5. --max-doc-size stops reading: /dev/zero, a 5 GB sparse file (text first)
python3 -c "open('sparse.txt','w').write('some words of text here\n' * 500)"
truncate -s 5G sparse.txt
for args in "--max-doc-size 1M /dev/zero" "--max-doc-size 1M sparse.txt" "sparse.txt"; do
    s=$(date +%s%N)
    # shellcheck disable=SC2086
    expect_exit 1 timeout 20 "$REPRINT" cluster -o big.jsonl $args 2>big.err
    ms=$((($(date +%s%N) - s) / 1000000))
    [ "$ms" -lt 10000 ] || fail "$args took $ms ms"
    grep -q 'skipped by reason: too_big=1$' big.err || { cat big.err; fail "$args: not too_big"; }
    grep -q 'not read further' big.err || { cat big.err; fail "$args: detail"; }
done
"$REPRINT" cluster --max-doc-size 1M --truncate-large -o cut.jsonl sparse.txt 2>cut.err
grep -q '1 truncated texts' cut.err || { cat cut.err; fail "truncation not reported"; }
rm sparse.txt

# 6. a pretty-printed JSON object in a .json file is one document
"$REPRINT" cluster -o pretty.out pretty.json 2>pretty.err
[ "$(wc -l <pretty.out)" = 1 ] && [ "$(field pretty.out p1 relation)" = unique ] ||
    { cat pretty.out pretty.err; fail "pretty-printed object"; }
echo "encodings: ok"
