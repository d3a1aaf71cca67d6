#!/bin/sh
# ab.sh -- wall-time ratio of two reprint binaries on one input and level (a change against
# the binary before it): runs alternated N times (the machine's speed drifts over minutes, so
# alternation keeps both under the same conditions), medians reported, and the ratio B / A.
# usage: bench/ab.sh BIN_A BIN_B [INPUT] [N] [LEVEL]
#        (defaults: Reuters-21578, 11, near)
set -eu
A=$1
B=$2
IN=${3:-../shared/eval/reuters21578/reuters21578.jsonl.gz}
N=${4:-11}
LEVEL=${5:-near}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$N" ]; do
    for x in a b; do
        if [ "$x" = a ]; then bin=$A; else bin=$B; fi
        t0=$(date +%s%N)
        /usr/bin/time -f "%M" -o "$tmp/m" "$bin" cluster -q --level "$LEVEL" "$IN" >"$tmp/out.$x"
        t1=$(date +%s%N)
        echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}') $(cat "$tmp/m")" \
            >>"$tmp/$x"
    done
    cmp -s "$tmp/out.a" "$tmp/out.b" || echo "ab.sh: the two binaries' outputs differ" >&2
    i=$((i + 1))
done
med() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for x in a b; do
    w=$(cut -d' ' -f1 "$tmp/$x" | med)
    m=$(cut -d' ' -f2 "$tmp/$x" | med)
    echo "$x: median wall ${w} s, peak RSS $((m / 1024)) MB"
done
awk -v a="$(cut -d' ' -f1 "$tmp/a" | med)" -v b="$(cut -d' ' -f1 "$tmp/b" | med)" \
    'BEGIN {printf "ratio b / a at --level '"$LEVEL"': %.3f (%d runs each, alternated)\n", b / a, '"$N"'}'
