#!/usr/bin/env bash
# The bundled sample corpus: exact copy, near copies with boilerplate, unrelated documents.
source "$(dirname "$0")/common.bash"
"$REPRINT" cluster --quiet -o "$T/out.jsonl" "$SRCDIR/samples/news"
[ "$(wc -l < "$T/out.jsonl")" = 7 ] || fail "expected 7 lines"
# the bridge story and its reflowed mirror are exact duplicates: one is the exact group's
# leader, the other an exact copy of it
r1=$(field "$T/out.jsonl" harbour-bridge-mirror.txt relation)
r2=$(field "$T/out.jsonl" harbour-bridge.txt relation)
[ "$r1" = exact ] || [ "$r2" = exact ] || fail "mirror not exact"
[ "$(grep -c '"relation":"exact"' "$T/out.jsonl")" = 1 ] || fail "one exact copy expected"
# the syndicated copy is the longest version, so it represents the cluster (--keep longest)
[ "$(field "$T/out.jsonl" daily-courier-bridge.txt relation)" = original ] || fail courier

c1=$(field "$T/out.jsonl" harbour-bridge.txt cluster)
c2=$(field "$T/out.jsonl" daily-courier-bridge.txt cluster)
c3=$(field "$T/out.jsonl" harbour-bridge-mirror.txt cluster)
[ "$c1" = "$c2" ] && [ "$c1" = "$c3" ] || fail "bridge versions not in one cluster"
l1=$(field "$T/out.jsonl" library-fire.txt cluster)
l2=$(field "$T/out.jsonl" weekend-wire-library.txt cluster)
[ "$l1" = "$l2" ] || fail "library versions not in one cluster"
[ "$l1" != "$c1" ] || fail "two stories merged"
for f in orchard-harvest.txt council-budget.txt; do
    [ "$(field "$T/out.jsonl" $f relation)" = unique ] || fail "$f should be unique"
done
# exact level: only the mirror is a duplicate
"$REPRINT" cluster --quiet --level exact -o "$T/exact.jsonl" "$SRCDIR/samples/news"
[ "$(grep -c '"relation":"exact"' "$T/exact.jsonl")" = 1 ] || fail "exact level"
[ "$(grep -c '"relation":"near"' "$T/exact.jsonl" || true)" = 0 ] || fail "near at exact level"
echo "cluster_samples: ok"
