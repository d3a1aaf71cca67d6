#!/usr/bin/env bash
# Output faults: a write or fsync that fails (ENOSPC, EIO via the LD_PRELOAD shim
# tests/fault/failwrite.c; EFBIG via RLIMIT_FSIZE) makes `cluster` and `dedup` exit 3 with a
# message naming the output and the error; OUT is never partial, a previous OUT survives
# byte-identical, and no OUT.tmp.* is left behind. Env FAILWRITE: path of librp_failwrite.so.
source "$(dirname "$0")/common.bash"
: "${FAILWRITE:?FAILWRITE must point to librp_failwrite.so}"
# the shim comes before the ASan runtime in the link order under `make asan-check`
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 1700 7
mkdir "$T/o"
# reference outputs from a good run
"$REPRINT" cluster --quiet -o "$T/o/out.jsonl" "$T/c.jsonl"
"$REPRINT" dedup --quiet -o "$T/o/dd.jsonl" "$T/c.jsonl" 2>/dev/null
cp "$T/o/out.jsonl" "$T/ref_out"; cp "$T/o/dd.jsonl" "$T/ref_dd"
size=$(wc -c < "$T/ref_out")
[ "$size" -gt 250000 ] || fail "corpus output only $size bytes"

# check_fault NAME OUT REF ERRTEXT CMD...: exit 3, message names OUT and the error, OUT intact
check_fault() {
    local name=$1 out=$2 ref=$3 err=$4; shift 4
    set +e; "$@" 2> "$T/err"; local rc=$?; set -e
    [ "$rc" = 3 ] || { cat "$T/err"; fail "$name: exit $rc, expected 3"; }
    grep -q "$(basename "$out").*$err" "$T/err" || { cat "$T/err"; fail "$name: message lacks OUT/error"; }
    cmp -s "$out" "$ref" || fail "$name: previous output not preserved"
    ! ls "$T"/o/*.tmp.* >/dev/null 2>&1 || fail "$name: temp file left: $(ls "$T"/o/*.tmp.*)"
    runs=$((runs + 1))
}
runs=0
for after in 0 1 100 4096 100000; do
    for e in "28:No space left on device" "5:Input/output error"; do
        errno=${e%%:*} text=${e#*:}
        check_fault "cluster after=$after errno=$errno" "$T/o/out.jsonl" "$T/ref_out" "$text" \
            env LD_PRELOAD="$FAILWRITE" FAILWRITE_MATCH="$T/o/out.jsonl" FAILWRITE_AFTER=$after \
            FAILWRITE_ERRNO=$errno "$REPRINT" cluster --quiet -o "$T/o/out.jsonl" "$T/c.jsonl"
        check_fault "dedup after=$after errno=$errno" "$T/o/dd.jsonl" "$T/ref_dd" "$text" \
            env LD_PRELOAD="$FAILWRITE" FAILWRITE_MATCH="$T/o/dd.jsonl" FAILWRITE_AFTER=$after \
            FAILWRITE_ERRNO=$errno "$REPRINT" dedup --quiet -o "$T/o/dd.jsonl" "$T/c.jsonl"
    done
done
# fsync failure after every byte was written
for cmd in cluster dedup; do
    out=$T/o/out.jsonl ref=$T/ref_out
    [ $cmd = dedup ] && out=$T/o/dd.jsonl ref=$T/ref_dd
    check_fault "$cmd fsync EIO" "$out" "$ref" "fsync failed: Input/output error" \
        env LD_PRELOAD="$FAILWRITE" FAILWRITE_MATCH="$out" FAILWRITE_AFTER=999999999 \
        FAILWRITE_FSYNC=1 FAILWRITE_ERRNO=5 "$REPRINT" $cmd --quiet -o "$out" "$T/c.jsonl"
done
# the shim with a non-matching FAILWRITE_MATCH changes nothing
env LD_PRELOAD="$FAILWRITE" FAILWRITE_MATCH="$T/nomatch" "$REPRINT" cluster --quiet \
    -o "$T/o/out.jsonl" "$T/c.jsonl"
cmp -s "$T/o/out.jsonl" "$T/ref_out" || fail "shim without a match changed the output"

# RLIMIT_FSIZE smaller than the output (ulimit -f counts 1 KiB blocks), SIGXFSZ ignored as
# by a supervisor: write fails with EFBIG -> exit 3.
for cmd in cluster dedup; do
    out=$T/o/out.jsonl ref=$T/ref_out
    [ $cmd = dedup ] && out=$T/o/dd.jsonl ref=$T/ref_dd
    check_fault "$cmd ulimit -f" "$out" "$ref" "File too large" \
        bash -c 'ulimit -f 64; trap "" XFSZ; exec "$@"' _ "$REPRINT" $cmd --quiet -o "$out" "$T/c.jsonl"
done
# With the default SIGXFSZ disposition: the CLI ignores SIGXFSZ, so the write fails with
# EFBIG, it exits 3 with a message, the previous output survives, no temp file stays.
set +e; (ulimit -f 64; exec "$REPRINT" cluster --quiet -o "$T/o/out.jsonl" "$T/c.jsonl") 2> "$T/xfsz.err"
rc=$?; set -e
[ "$rc" = 3 ] || fail "ulimit -f (default SIGXFSZ): exit $rc, expected 3"
grep -q "File too large" "$T/xfsz.err" || fail "ulimit -f: no message"
cmp -s "$T/o/out.jsonl" "$T/ref_out" || fail "ulimit -f (SIGXFSZ): previous output not preserved"
[ -z "$(ls "$T/o" | grep '\.tmp\.')" ] || fail "ulimit -f: temp file left"
runs=$((runs + 1))
# a device as output is written directly (never replaced): /dev/full gives ENOSPC -> exit 3
set +e; "$REPRINT" cluster --quiet -o /dev/full "$T/c.jsonl" 2> "$T/full.err"; rc=$?; set -e
[ "$rc" = 3 ] || fail "-o /dev/full: exit $rc, expected 3"
grep -q "No space left on device" "$T/full.err" || fail "-o /dev/full: no message"
[ -c /dev/full ] || fail "/dev/full is no longer a character device"
runs=$((runs + 1))
echo "faults: ok ($runs injected faults, output $size bytes)"
