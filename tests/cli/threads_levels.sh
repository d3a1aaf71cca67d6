#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every level gives byte-identical cluster and pairs output with 1 and 4 threads (also run
# under ThreadSanitizer by `make tsan-check`).
source "$(dirname "$0")/common.bash"
python3 "$(dirname "$0")/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 200 3
for level in exact near reuse story; do
    for th in 1 4; do
        "$REPRINT" cluster --quiet --level $level --threads $th -o "$T/$level.$th.jsonl" \
            "$T/c.jsonl"
        "$REPRINT" pairs --quiet --level $level --threads $th -o "$T/$level.$th.pairs" \
            "$T/c.jsonl"
    done
    cmp -s "$T/$level.1.jsonl" "$T/$level.4.jsonl" || fail "$level: cluster 1 vs 4 threads differ"
    cmp -s "$T/$level.1.pairs" "$T/$level.4.pairs" || fail "$level: pairs 1 vs 4 threads differ"
    [ "$(wc -l < "$T/$level.1.jsonl")" = "$(wc -l < "$T/c.jsonl")" ] || fail "$level: line count"
    echo "$level: $(wc -l < "$T/$level.1.pairs") pairs, identical with 1 and 4 threads"
done
