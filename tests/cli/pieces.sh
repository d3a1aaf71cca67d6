#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A run in pieces with stage files (--work-dir, --piece-size) gives the output of the plain
# run at every level, whatever the piece size (lines, fallback ids, skips and clusters across
# cuts); --resume reuses the stage files that verify, prepares a damaged one again (and says
# so), and after a kill -9 in the middle of the run gives the same output.
source "$(dirname "$0")/common.bash"
cd "$T"
python3 "$SRCDIR/tests/cli/pieces.py" s.jsonl 200 3
# one piece per line: every cut
expect_exit 1 "$REPRINT" cluster --quiet --level story --date-field date -o ref.s s.jsonl
expect_exit 1 "$REPRINT" cluster --quiet --level story --date-field date --work-dir w1 \
    --piece-size 1 -o got s.jsonl
cmp -s ref.s got || fail "pieces of one line: output differs from the plain run"
python3 "$SRCDIR/tests/cli/pieces.py" c.jsonl 3000 7
for l in exact near reuse story event; do
    expect_exit 1 "$REPRINT" cluster --quiet --level $l --date-field date -o ref.$l c.jsonl
    for ps in 30K 100K; do
        rm -rf w
        expect_exit 1 "$REPRINT" cluster --quiet --level $l --date-field date --work-dir w \
            --piece-size $ps -o got c.jsonl
        cmp -s ref.$l got || fail "level $l, pieces of $ps: output differs from the plain run"
        [ -f w/MANIFEST ] || fail "no MANIFEST in the work dir"
    done
done
n_units=$(ls w | grep -c '\.rpd$')
[ "$n_units" -ge 10 ] || fail "100K pieces of a $(wc -c <c.jsonl)-byte file: $n_units units"
grep -q "^pieces $n_units$" w/MANIFEST || fail "MANIFEST does not list $n_units pieces"
# pairs too
"$REPRINT" pairs --quiet --level story --date-field date -o p.ref c.jsonl || true
rm -rf w
"$REPRINT" pairs --quiet --level story --date-field date --work-dir w --piece-size 50K \
    -o p.got c.jsonl || true
cmp -s p.ref p.got || fail "pairs at story differ in pieces"

# compressed in many units (gzip members, zstd frames): cut at unit starts, the same output
# (plain WARC: cut at record starts)
# as the whole file read in one stream; a cut that a piece's scan does not prove (a member
# stored inside another, damage, trailing text, truncation; of WARC, a member starting inside
# a record or a record running past its member; of plain WARC, a line starting "WARC/" inside a
# record's block) leaves the file whole
python3 "$SRCDIR/tests/cli/members.py" c.jsonl .
for f in bytes.jsonl.gz recs.jsonl.gz frames.jsonl.zst stored.jsonl.gz corrupt.jsonl.gz \
    trail.jsonl.gz trunc.jsonl.gz records.warc.gz bytes.warc.gz badrec.warc.gz records.warc \
    inner.warc; do
    for l in near story; do
        rc=0; "$REPRINT" cluster --quiet --level $l --date-field date -o ref.$l.$f $f || rc=$?
        rm -rf wm
        rc2=0; "$REPRINT" cluster --quiet --level $l --date-field date --work-dir wm \
            --piece-size 50K -o got $f || rc2=$?
        [ "$rc" = "$rc2" ] && [ "$rc" -le 1 ] || fail "$f at $l: exit $rc2 in pieces, $rc whole"
        cmp -s ref.$l.$f got || fail "$f at $l in pieces of 50K: output differs"
    done
    n=$(ls wm | grep -c '\.rpd$')
    case $f in
    bytes.jsonl* | recs* | frames* | records*)
        [ "$n" -ge 8 ] || fail "$f: $n pieces, not cut at unit starts" ;;
    *) [ "$n" = 1 ] || fail "$f: $n pieces, a cut the scans could not prove was kept" ;;
    esac
done

# resume: every unit reused; a damaged one prepared again, and said
n_units=$(ls w | grep -c '\.rpd$')
expect_exit 1 "$REPRINT" cluster --level story --date-field date --work-dir w --piece-size 50K \
    --resume -o got c.jsonl 2>err
cmp -s ref.story got || fail "resume: output differs"
grep -q "resume: $n_units of $n_units pieces of rank 0 reused" err || fail "not all reused: $(cat err)"
u=$(ls w/*.rpd | sed -n 3p)
head -c 1000 "$u" >"$u.cut" && mv "$u.cut" "$u"           # truncated
u2=$(ls w/*.rpd | sed -n 5p)
printf 'X' | dd of="$u2" bs=1 seek=100 conv=notrunc status=none # one byte changed
expect_exit 1 "$REPRINT" cluster --level story --date-field date --work-dir w --piece-size 50K \
    --resume -o got c.jsonl 2>err
cmp -s ref.story got || fail "resume over damaged stage files: output differs"
[ "$(grep -c 'damaged or incomplete stage file' err)" = 2 ] || fail "damage not reported: $(cat err)"
grep -q "resume: $((n_units - 2)) of $n_units pieces" err || fail "reuse count: $(cat err)"
# a stage file of other options is never used (the plan differs: nothing reused)
expect_exit 1 "$REPRINT" cluster --level story --date-field date --ngram 4 --work-dir w \
    --piece-size 50K --resume -o got4 c.jsonl 2>err
grep -q "resume: 0 of" err || fail "units of another plan were reused: $(cat err)"

# kill -9 while pieces are being prepared, then --resume: the same output
python3 "$SRCDIR/tests/cli/pieces.py" big.jsonl 12000 11
expect_exit 1 "$REPRINT" cluster --quiet --level story --date-field date -o ref.big big.jsonl
rm -rf wk
"$REPRINT" cluster --quiet --level story --date-field date --threads 1 --work-dir wk \
    --piece-size 8K -o got.big big.jsonl &
pid=$!
for _ in $(seq 1 3000); do
    [ "$(ls wk 2>/dev/null | grep -c '\.rpd$')" -ge 20 ] && break
    sleep 0.01
done
kill -9 $pid 2>/dev/null || fail "the run ended before it could be killed"
wait $pid 2>/dev/null || true
[ ! -e got.big ] || fail "a killed run left an output"
[ ! -e wk/MANIFEST ] || fail "killed in stage 1 but the MANIFEST exists"
done_units=$(ls wk | grep -c '\.rpd$')
expect_exit 1 "$REPRINT" cluster --level story --date-field date --work-dir wk --piece-size 8K \
    --resume -o got.big big.jsonl 2>err
cmp -s ref.big got.big || fail "resume after kill -9: output differs"
reused=$(sed -n 's/.*resume: \([0-9]*\) of.*/\1/p' err)
[ "$reused" -ge "$done_units" ] || fail "resume reused $reused, $done_units were written"
[ -z "$(ls wk | grep '\.tmp\.')" ] || true # a killed writer's temporary may remain; never read
expect_exit 2 "$REPRINT" cluster --resume c.jsonl
echo "pieces: outputs identical at every level and piece size; resume reused $reused of $(ls wk | grep -c '\.rpd$') after kill -9"
