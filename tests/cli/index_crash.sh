#!/usr/bin/env bash
# reprint index under faults: kill -9 at random moments of `index add` leaves every batch fully
# in or fully out and the index equal to a batch run over the committed batches; a full map
# (--map-size) and a file size limit (RLIMIT_FSIZE) are reported with exit 5, roll the batch
# back and leave the index usable; a second writer gets exit 4 while readers still work.
# Env INDEX_KILL9_RUNS (default 200).
source "$(dirname "$0")/common.bash"
RUNS=${INDEX_KILL9_RUNS:-200}
RANDOM=777
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/all.jsonl" "$T/gold.tsv" 200 5
# batches of 12 documents with ids unique across the corpus (b<k>-<n>)
python3 - "$T/all.jsonl" "$T" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
k = 0
for s in range(0, len(lines), 12):
    with open("%s/batch%03d.jsonl" % (sys.argv[2], k), "w") as f:
        for n, l in enumerate(lines[s:s + 12]):
            o = json.loads(l); o["id"] = "b%03d-%02d" % (k, n); f.write(json.dumps(o) + "\n")
    k += 1
print(k)
PY
nb=$(ls "$T"/batch*.jsonl | wc -l)
ix=$T/ix
"$REPRINT" index create "$ix"
: > "$T/committed.jsonl"
# time of one add, to spread the kills over it
"$REPRINT" index create "$T/timing"
start=$(date +%s%N)
"$REPRINT" index add -q "$T/timing" "$T/batch000.jsonl" > /dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -gt 0 ] || ms=1

check() { # the index equals a batch run over the committed batches, in order
    "$REPRINT" index export "$ix" > "$T/exp" || fail "$1: export failed"
    if [ -s "$T/committed.jsonl" ]; then
        "$REPRINT" cluster -q "$T/committed.jsonl" > "$T/ref"
    else
        : > "$T/ref"
    fi
    cmp -s "$T/exp" "$T/ref" || fail "$1: index differs from a batch run over committed batches"
}

k=0 killed=0 done_=0 i=0 rounds=1 n_acked=0 lost=0
while [ $killed -lt "$RUNS" ] && [ $i -lt $((RUNS * 4)) ]; do
    i=$((i + 1))
    if [ $k -ge "$nb" ]; then # every batch is in: check, then start over on a new index
        check "round $rounds"
        rm -rf "$ix"
        "$REPRINT" index create "$ix"
        : > "$T/committed.jsonl"
        k=0 rounds=$((rounds + 1))
    fi
    b=$(printf '%s/batch%03d.jsonl' "$T" $k)
    "$REPRINT" index add -q "$ix" "$b" > /dev/null 2>&1 &
    pid=$!
    d=$((RANDOM % (ms + 3)))
    sleep "$(printf '0.%03d' "$d")"
    # the delay range follows the add's duration on this build and machine: shorter after
    # an add that ended before its kill, longer after a kill
    acked=0
    if kill -9 "$pid" 2>/dev/null; then
        killed=$((killed + 1))
        ms=$((ms + ms / 8 + 1))
        wait "$pid" 2>/dev/null || true
    else
        ms=$((ms * 3 / 4))
        # it ended before the kill: exit 0 is the acknowledgement, the batch must be in
        if wait "$pid" 2>/dev/null; then acked=1; fi
    fi
    # all or nothing: count this batch's ids in the index
    n_in=$("$REPRINT" index export "$ix" | grep -c "\"id\":\"$(printf 'b%03d-' $k)" || true)
    n_all=$(wc -l < "$b")
    if [ $acked = 1 ]; then
        n_acked=$((n_acked + 1))
        [ "$n_in" = "$n_all" ] || lost=$((lost + 1))
    fi
    if [ "$n_in" = "$n_all" ]; then
        cat "$b" >> "$T/committed.jsonl"
        k=$((k + 1))
        done_=$((done_ + 1))
    elif [ "$n_in" != 0 ]; then
        fail "run $i: batch $k partially stored ($n_in of $n_all documents)"
    fi
    [ $((i % 25)) != 0 ] || check "run $i"
done
[ $killed -ge "$RUNS" ] || fail "only $killed kills in $i runs"
check "after $RUNS runs"
[ $lost = 0 ] || fail "$lost of $n_acked acknowledged adds lost"
echo "index_crash: $killed kills in $i runs, $done_ batches committed ($rounds rounds);" \
    "$lost of $n_acked acknowledged adds (exit 0 before the kill) lost"

# a full LMDB map: exit 5, nothing of the batch stored, the index still usable
"$REPRINT" index create "$T/small" --map-size 256K
: > "$T/small_committed"
rc=0
for b in "$T"/batch0*.jsonl; do
    set +e
    "$REPRINT" index add -q "$T/small" "$b" > /dev/null 2> "$T/err"
    rc=$?
    set -e
    [ $rc = 0 ] || break
    cat "$b" >> "$T/small_committed"
done
[ $rc = 5 ] || fail "full map: exit $rc, expected 5"
grep -q "full" "$T/err" || fail "full map: no clear message: $(cat "$T/err")"
"$REPRINT" index export "$T/small" > "$T/exp"
"$REPRINT" cluster -q "$T/small_committed" | cmp - "$T/exp" || fail "full map: index changed"
"$REPRINT" index stats "$T/small" > /dev/null || fail "full map: stats failed"
# a larger map on reopen lets it grow again
"$REPRINT" index add -q --map-size 64M "$T/small" "$b" > /dev/null || fail "grown map: add"

# a file size limit (disk full stand-in): exit 5, the index usable afterwards
"$REPRINT" index create "$T/fs"
"$REPRINT" index add -q "$T/fs" "$T/batch000.jsonl" > /dev/null
size_kb=$(( $(stat -c %s "$T/fs/data.mdb") / 1024 ))
set +e
(ulimit -f $((size_kb + 8)); "$REPRINT" index add -q "$T/fs" "$T/all.jsonl" > /dev/null 2> "$T/err")
rc=$?
set -e
[ $rc = 5 ] || fail "file size limit: exit $rc, expected 5 ($(cat "$T/err"))"
"$REPRINT" cluster -q "$T/batch000.jsonl" | cmp - <("$REPRINT" index export "$T/fs") ||
    fail "file size limit: index changed"
"$REPRINT" index add -q "$T/fs" "$T/batch001.jsonl" > /dev/null || fail "after EFBIG: add"

# two writers: the second gets exit 4 and a message naming the holder; readers still work
"$REPRINT" serve -q --listen 127.0.0.1:0 "$ix" &
spid=$!
# wait until the server holds the lock (the file keeps an earlier writer's pid until then)
for _ in $(seq 300); do [ "$(head -n 1 "$ix/writer.lock" 2>/dev/null)" = "$spid" ] && break; sleep 0.1; done
[ "$(head -n 1 "$ix/writer.lock")" = "$spid" ] || fail "serve did not take the writer lock"
set +e
"$REPRINT" index add -q "$ix" "$T/batch000.jsonl" > /dev/null 2> "$T/err"
rc=$?
set -e
[ $rc = 4 ] || fail "second writer: exit $rc, expected 4"
grep -q "open for writing by another process (pid $spid)" "$T/err" ||
    fail "second writer: message: $(cat "$T/err")"
"$REPRINT" index export "$ix" > /dev/null || fail "reader while a writer runs"
kill -TERM $spid
wait $spid || fail "serve did not stop cleanly"
echo "index_crash: ok"
