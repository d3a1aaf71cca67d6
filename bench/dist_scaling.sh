#!/bin/sh
# SPDX-License-Identifier: MIT
# dist_scaling.sh -- strong scaling of a distributed run on this machine: `reprint cluster` at
# one level with 1 rank and with 2 ranks (mpirun, one thread per rank, pieces of 64 MiB),
# alternated N times (the machine's speed drifts, alternation keeps both under the same
# conditions); medians of wall time, the speedup, each rank's stats (--verbose: pieces,
# documents, unit bytes sent to rank 0, peak RSS) and the single-process time for reference.
# Outputs of every run are compared with the single-process one.
# usage: BIN=build-mpi/reprint bench/dist_scaling.sh INPUT.jsonl [N] [LEVEL]
set -eu
IN=$1
N=${2:-5}
LEVEL=${3:-near}
BIN=${BIN:-./build-mpi/reprint}
MPI="mpirun --allow-run-as-root --oversubscribe --mca btl self,vader"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
"$BIN" cluster -q --level "$LEVEL" --threads 1 -o "$tmp/ref" "$IN" || [ $? = 1 ]
i=0
while [ "$i" -lt "$N" ]; do
    t0=$(now)
    "$BIN" cluster -q --level "$LEVEL" --threads 1 -o "$tmp/o" "$IN" || [ $? = 1 ]
    t1=$(now)
    echo "$(secs "$t0" "$t1")" >>"$tmp/plain"
    for n in 1 2; do
        t0=$(now)
        $MPI -np $n "$BIN" cluster -v --level "$LEVEL" --threads 1 -o "$tmp/o" "$IN" \
            2>"$tmp/err$n" || [ $? = 1 ]
        t1=$(now)
        cmp -s "$tmp/ref" "$tmp/o" || { echo "output of $n ranks differs" >&2; exit 1; }
        echo "$(secs "$t0" "$t1")" >>"$tmp/np$n"
    done
    i=$((i + 1))
done
med() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p=$(med <"$tmp/plain")
a=$(med <"$tmp/np1")
b=$(med <"$tmp/np2")
echo "level $LEVEL, $N alternated runs, medians: one process ${p} s; mpirun -np 1 ${a} s;" \
    "-np 2 ${b} s; speedup 2 vs 1 rank $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')x"
grep "reprint: rank" "$tmp/err1" | sed 's/^/np 1: /'
grep "reprint: rank" "$tmp/err2" | sed 's/^/np 2: /'
grep "stages:\|story stage" "$tmp/err2" | sed 's/^/np 2: /'
