#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_eval.sh -- quality on the labelled near-duplicate corpus: generate it (seed 1 by
# default), run `reprint cluster` at each level, score with `reprint eval`, print the tables.
#
# Usage: bench/run_eval.sh [--seed N] [--n-originals N] [--levels "near exact"] [--regen]
#                          [-- EXTRA reprint cluster OPTIONS]
# Environment: REPRINT (default ./build/reprint; nothing is built here), DATA (default
# bench/data, git-ignored; the corpus goes to DATA/near-sSEED-nN/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
REPRINT=${REPRINT:-$root/build/reprint}
DATA=${DATA:-$here/data}
seed=1
n_originals=2000
levels="near exact"
regen=0
extra=()

usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --seed) seed=$2; shift 2 ;;
        --n-originals) n_originals=$2; shift 2 ;;
        --levels) levels=$2; shift 2 ;;
        --regen) regen=1; shift ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "run_eval.sh: unknown argument '$1'" >&2; usage ;;
    esac
done

[ -x "$REPRINT" ] || { echo "run_eval.sh: $REPRINT not found; build first (make)" >&2; exit 2; }

dir="$DATA/near-s$seed-n$n_originals"
if [ "$regen" -eq 1 ] || [ ! -s "$dir/corpus.jsonl" ] || [ ! -s "$dir/gold.tsv" ]; then
    python3 "$here/make_near_corpus.py" --seed "$seed" --n-originals "$n_originals" \
        --out-dir "$dir"
fi

cmds=()
summary=()
for level in $levels; do
    pred="$dir/pred-$level.jsonl"
    cluster_cmd=("$REPRINT" cluster --level "$level" --quiet -o "$pred" "${extra[@]}"
                 "$dir/corpus.jsonl")
    cmds+=("${cluster_cmd[*]}" "$REPRINT eval --gold $dir/gold.tsv $pred")
    rc=0
    start=$(date +%s.%N)
    "${cluster_cmd[@]}" || rc=$?
    end=$(date +%s.%N)
    # Exit 1 means some documents were skipped (they are flagged in the output).
    if [ "$rc" -gt 1 ]; then
        echo "run_eval.sh: reprint cluster --level $level failed (exit $rc)" >&2
        exit 1
    fi
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
    echo "### --level $level ($secs s)"
    echo
    "$REPRINT" eval --gold "$dir/gold.tsv" "$pred"
    "$REPRINT" eval --gold "$dir/gold.tsv" --json -o "$dir/eval-$level.json" "$pred"
    echo
    summary+=("$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("| %s | %d | %d / %d | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %s |" % (
    sys.argv[2], r["items"], r["gold_clusters"], r["pred_clusters"], r["pair_precision"],
    r["pair_recall"], r["pair_f1"], r["ari"], r["bcubed_f1"], r["nmi"], sys.argv[3]))
' "$dir/eval-$level.json" "$level" "$secs")")
done

echo "### summary (make_near_corpus.py --seed $seed --n-originals $n_originals)"
echo
echo "| level | items | clusters gold / pred | pair P | pair R | pair F1 | ARI | B3 F1 | NMI | s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${summary[@]}"
echo
echo "Commands:"
echo
echo '```'
printf '%s\n' "${cmds[@]}"
echo '```'
