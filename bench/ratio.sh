#!/bin/sh
# ratio.sh -- wall-time ratio of `reprint cluster --level story` (or another level) to
# `--level near` on one input: runs alternated N times (the machine's speed drifts over
# minutes, so alternation keeps both levels under the same conditions), medians reported.
# usage: bench/ratio.sh [INPUT] [N] [LEVEL]   (defaults: Reuters-21578, 9, story)
set -eu
IN=${1:-../shared/eval/reuters21578/reuters21578.jsonl.gz}
N=${2:-9}
LEVEL=${3:-story}
BIN=${BIN:-./build/reprint}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$N" ]; do
    for l in near "$LEVEL"; do
        t0=$(date +%s%N)
        /usr/bin/time -f "%U %M" -o "$tmp/t" "$BIN" cluster -q --level "$l" "$IN" >/dev/null
        t1=$(date +%s%N)
        # wall time from the nanosecond clock (time(1) rounds to 10 ms: 7% of near on Reuters)
        echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}') $(cat "$tmp/t")" \
            >>"$tmp/$l"
    done
    i=$((i + 1))
done
med() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for l in near "$LEVEL"; do
    w=$(cut -d' ' -f1 "$tmp/$l" | med)
    u=$(cut -d' ' -f2 "$tmp/$l" | med)
    m=$(cut -d' ' -f3 "$tmp/$l" | med)
    echo "$l: median wall ${w} s, user ${u} s, peak RSS $((m / 1024)) MB"
done
awk -v a="$(cut -d' ' -f1 "$tmp/near" | med)" -v b="$(cut -d' ' -f1 "$tmp/$LEVEL" | med)" \
    'BEGIN {printf "ratio %s / near: %.2fx (%d runs each, alternated)\n", "'"$LEVEL"'", b / a, '"$N"'}'
