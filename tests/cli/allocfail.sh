#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Allocation failure over a whole CLI run (curl's torture mode, over a process): count the
# malloc/calloc/realloc calls of a good `cluster` run on a tiny corpus (JSON Lines, gzip and
# text), then run it again once per call k with the k-th call failing (LD_PRELOAD shim
# tests/fault/failalloc.c). Every run must exit 0, 1 (see below) or 3, never die of a signal; on 3, OUT
# keeps the previous output byte for byte and no OUT.tmp.* is left; on 0, OUT is the
# reference output. Levels near and story, --threads 1 (a fixed allocation order).
# Three more properties are counted and printed, and fail the test only with
# ALLOCFAIL_STRICT=1 until the findings in docs/reliability.md are fixed: exit 3 comes with
# a message on stderr, exit 0 gives exactly the reference output, and a failed allocation is
# never reported as an unreadable input (exit 1, a "skipped" line naming ENOMEM).
# Env FAILALLOC: path of librp_failalloc.so; ALLOCFAIL_LEVELS (default "near story").
source "$(dirname "$0")/common.bash"
: "${FAILALLOC:?FAILALLOC must point to librp_failalloc.so}"
# (grep reads all of ldd's output: with pipefail, grep -q could SIGPIPE ldd and miss)
if [ "$(ldd "$REPRINT" 2>/dev/null | grep -cE 'lib(asan|tsan)')" != 0 ]; then
    echo "allocfail: skipped (sanitizer build: its allocator cannot be replaced)"
    exit 0
fi
strict=${ALLOCFAIL_STRICT:-1}
mkdir "$T/in" "$T/o"
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 4 3
head -n 4 "$T/c.jsonl" > "$T/in/a.jsonl"
tail -n +5 "$T/c.jsonl" | gzip -9n > "$T/in/b.jsonl.gz"
python3 - "$T/c.jsonl" "$T/in/t.txt" <<'PY'
import json, sys
print(json.loads(open(sys.argv[1]).readline())["text"], file=open(sys.argv[2], "w"))
PY

total=0 silent=0 differ=0 skipped=0
for level in ${ALLOCFAIL_LEVELS:-near story}; do
    cmd=("$REPRINT" cluster --quiet --threads 1 --level "$level" -o "$T/o/out" "$T/in")
    # count twice: the order of allocations must not vary between runs
    rm -f "$T/o/out"
    FAILALLOC_COUNT="$T/n1" LD_PRELOAD="$FAILALLOC" "${cmd[@]}"
    cp "$T/o/out" "$T/ref"
    FAILALLOC_COUNT="$T/n2" LD_PRELOAD="$FAILALLOC" "${cmd[@]}"
    n=$(cat "$T/n1")
    [ "$n" = "$(cat "$T/n2")" ] || fail "$level: allocation count varies: $n, $(cat "$T/n2")"
    [ "$n" -gt 20 ] || fail "$level: only $n allocations counted (shim not loaded?)"
    [ "$(wc -l < "$T/ref")" = 10 ] || fail "$level: reference output has $(wc -l < "$T/ref") lines"
    ok=0 nomem=0 dl=0
    for k in $(seq 1 $((n + 1))); do
        printf 'previous output\n' > "$T/o/out"
        set +e
        FAILALLOC_AT=$k LD_PRELOAD="$FAILALLOC" "${cmd[@]}" 2> "$T/err"
        rc=$?
        set -e
        case $rc in
        0)
            ok=$((ok + 1))
            if ! cmp -s "$T/o/out" "$T/ref"; then
                differ=$((differ + 1)) dl=$((dl + 1))
                echo "allocfail: $level k=$k: exit 0 with another output (finding):"
                diff "$T/ref" "$T/o/out" | head -6 || true
                [ "$strict" = 0 ] || fail "$level k=$k: exit 0, output differs"
            fi
            ;;
        3)
            nomem=$((nomem + 1))
            cmp -s "$T/o/out" <(printf 'previous output\n') ||
                fail "$level k=$k: exit 3 and OUT changed: $(head -c 200 "$T/o/out")"
            if [ ! -s "$T/err" ]; then
                silent=$((silent + 1))
                echo "allocfail: $level k=$k: exit 3 without a message (finding)"
                [ "$strict" = 0 ] || fail "$level k=$k: exit 3 without a message"
            fi
            ;;
        1)  # documents skipped: only as a finding, an open() that failed with ENOMEM
            grep -q '"skipped":.*Cannot allocate memory' "$T/o/out" ||
                fail "$level k=$k: exit 1: $(cat "$T/err")"
            skipped=$((skipped + 1))
            echo "allocfail: $level k=$k: input skipped as unreadable, not exit 3 (finding)"
            [ "$strict" = 0 ] || fail "$level k=$k: ENOMEM reported as a skipped input"
            ;;
        *)
            cat "$T/err"
            fail "$level k=$k: exit $rc (crash?); rerun with FAILALLOC_BT=1 for the stack"
            ;;
        esac
        ! ls "$T"/o/*.tmp.* > /dev/null 2>&1 || fail "$level k=$k: temp file left"
    done
    [ "$nomem" -gt $((n / 2)) ] || fail "$level: only $nomem of $n failures reported"
    echo "allocfail: $level: $n allocations, $n faults: $nomem exit 3," \
        "$((ok - 1 - dl)) tolerated (exit 0, same output), $dl other output; 1 past the end"
    total=$((total + n))
done
echo "allocfail: $total faults injected, no crash, no partial OUT; findings: $silent exits" \
    "without a message, $differ wrong outputs, $skipped inputs skipped as unreadable"
