#!/usr/bin/env bash
# kill -9 at a random moment of `reprint cluster -o OUT`: OUT is afterwards either the previous
# complete output (byte-identical) or the complete new one, never partial. Temp files
# OUT.tmp.* may remain after a kill -9 (nothing can remove them); they are never named OUT.
# Env KILL9_RUNS (default 100).
source "$(dirname "$0")/common.bash"
RUNS=${KILL9_RUNS:-100}
RANDOM=4242
shopt -s nullglob
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/a.jsonl" "$T/ga.tsv" 5000 11
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/b.jsonl" "$T/gb.tsv" 5000 12
mkdir "$T/o"
out=$T/o/out.jsonl
start=$(date +%s%N)
"$REPRINT" cluster --quiet -o "$T/ref_a" "$T/a.jsonl"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$REPRINT" cluster --quiet -o "$T/ref_b" "$T/b.jsonl"
cmp -s "$T/ref_a" "$T/ref_b" && fail "the two reference outputs are identical"
[ "$ms" -gt 0 ] || ms=1
old=0 new=0 absent=0
prev=none   # what OUT holds before the run: none, a or b
for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then in=a; else in=b; fi
    "$REPRINT" cluster --quiet -o "$out" "$T/$in.jsonl" 2>/dev/null &
    pid=$!
    d=$((RANDOM % (ms + 20)))   # 0 .. run time (+20 ms: sometimes after completion)
    sleep "$(printf '0.%03d' "$d")" 2>/dev/null || sleep "$((d / 1000))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ ! -e "$out" ]; then
        [ "$prev" = none ] || fail "run $i: OUT disappeared (previous output lost)"
        absent=$((absent + 1))
    elif cmp -s "$out" "$T/ref_$in"; then
        [ "$prev" = "$in" ] && old=$((old + 1)) || new=$((new + 1))
        prev=$in
    elif [ "$prev" != none ] && cmp -s "$out" "$T/ref_$prev"; then
        old=$((old + 1))
    else
        fail "run $i (delay ${d} ms): OUT is neither the previous nor the new output ($(wc -c < "$out") bytes)"
    fi
    for f in "$T"/o/*; do
        case $f in "$out" | "$out".tmp.*) ;; *) fail "run $i: unexpected file $f" ;; esac
    done
done
tmps=$(find "$T/o" -name 'out.jsonl.tmp.*' | wc -l)
echo "kill9: ok ($RUNS kills, run time ${ms} ms; OUT new $new, previous kept $old, absent $absent; $tmps temp files left)"
