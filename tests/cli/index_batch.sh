#!/usr/bin/env bash
# reprint index: adding documents one at a time or in batches gives exactly the clusters of one
# `reprint cluster` over the same documents in the same order (every keep order, near and
# exact levels); query stores nothing; remove leaves the clusters of a batch run over the
# documents that remain; stats and the usage errors.
source "$(dirname "$0")/common.bash"
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/raw.jsonl" "$T/gold.tsv" 120 7
# dates (some missing), a document without tokens, a bad line, a record without text
python3 - "$T/raw.jsonl" "$T/c.jsonl" <<'PY'
import json, random, sys
rnd = random.Random(3)
out = open(sys.argv[2], "w")
for i, line in enumerate(open(sys.argv[1])):
    o = json.loads(line)
    if rnd.random() < 0.8:
        o["date"] = "2024-01-%02dT%02d:00:00Z" % (rnd.randint(1, 28), rnd.randint(0, 23))
    out.write(json.dumps(o) + "\n")
    if i == 40: out.write('{"id": "empty1", "text": "  ...  "}\n')
    if i == 60: out.write('{"id": "bad1", "text": \n')
    if i == 80: out.write('{"id": "notext1"}\n')
PY
n=$(wc -l < "$T/c.jsonl")
head -n $((n / 2)) "$T/c.jsonl" > "$T/c1.jsonl"
tail -n +$((n / 2 + 1)) "$T/c.jsonl" > "$T/c2.jsonl"
nostored() { grep -v '"skipped"' "$1"; }

for keep in longest first earliest; do
    "$REPRINT" cluster -q --keep $keep --date-field date "$T/c.jsonl" > "$T/ref" || [ $? = 1 ]
    for batch in all 1 7; do
        ix=$T/ix-$keep-$batch
        "$REPRINT" index create "$ix" --keep $keep
        opt=""
        [ $batch = all ] || opt="--batch $batch"
        expect_exit 1 "$REPRINT" index add -q $opt --date-field date "$ix" "$T/c.jsonl" \
            > "$T/add"
        # the add output of one batch is the batch run's output, skipped documents included
        if [ $batch = all ]; then
            cmp "$T/add" "$T/ref" || fail "keep=$keep: add output differs from cluster"
        fi
        "$REPRINT" index export "$ix" > "$T/exp"
        nostored "$T/ref" > "$T/ref.stored"
        cmp "$T/exp" "$T/ref.stored" ||
            fail "keep=$keep batch=$batch: export differs from cluster"
    done
    # two inputs added by two commands = one cluster run over both
    ix=$T/ix-$keep-two
    "$REPRINT" index create "$ix" --keep $keep
    "$REPRINT" index add -q --date-field date "$ix" "$T/c1.jsonl" > /dev/null || true
    "$REPRINT" index add -q --date-field date "$ix" "$T/c2.jsonl" > /dev/null || true
    "$REPRINT" index export "$ix" > "$T/exp"
    "$REPRINT" cluster -q --keep $keep --date-field date "$T/c1.jsonl" "$T/c2.jsonl" \
        > "$T/ref2" || true
    nostored "$T/ref2" | cmp - "$T/exp" || fail "keep=$keep: two adds differ from one cluster"
done

# exact level, other parameters
"$REPRINT" cluster -q --level exact "$T/c.jsonl" > "$T/ref" || true
"$REPRINT" index create "$T/ixe" --level exact
"$REPRINT" index add -q --batch 5 "$T/ixe" "$T/c.jsonl" > /dev/null || true
"$REPRINT" index export "$T/ixe" | cmp - <(nostored "$T/ref") || fail "exact level differs"
"$REPRINT" cluster -q --threshold 0.7 --num-perm 64 --ngram 3 "$T/c.jsonl" > "$T/ref" || true
"$REPRINT" index create "$T/ixp" --threshold 0.7 --num-perm 64 --ngram 3
"$REPRINT" index add -q --batch 3 "$T/ixp" "$T/c.jsonl" > /dev/null || true
"$REPRINT" index export "$T/ixp" | cmp - <(nostored "$T/ref") || fail "parameters differ"

# query: the answer add would give, and nothing stored
ix=$T/ix-longest-all
"$REPRINT" index stats "$ix" > "$T/st0"
tail -n 3 "$T/c.jsonl" | sed 's/"id": "\([^"]*\)"/"id": "z-\1"/' > "$T/q.jsonl"
"$REPRINT" index query -q "$ix" "$T/q.jsonl" > "$T/q.out"
[ "$(wc -l < "$T/q.out")" = 3 ] || fail "query: 3 lines expected"
"$REPRINT" index stats "$ix" | cmp - "$T/st0" || fail "query changed the index"
cp -r "$ix" "$T/ixq"
"$REPRINT" index add -q "$T/ixq" "$T/q.jsonl" | cmp - "$T/q.out" || fail "query != add"
grep -q '"relation":"exact"' "$T/q.out" || fail "query: copies of stored documents are exact"

# remove: by id, then by date; the clusters are those of a batch run without them
ids=$(python3 -c "
import json
ids=[json.loads(l).get('id') for l in open('$T/c.jsonl') if l.strip().startswith('{\"id\": \"s')]
print(' '.join(ids[3:60:4]))")
for id in $ids; do "$REPRINT" index remove -q "$ix" --id "$id"; done
python3 - "$T/c.jsonl" "$T/rest.jsonl" $ids <<'PY'
import json, sys
drop = set(sys.argv[3:])
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        try:
            if json.loads(line).get("id") in drop: continue
        except ValueError: pass
        out.write(line)
PY
"$REPRINT" cluster -q --date-field date "$T/rest.jsonl" > "$T/ref" || true
"$REPRINT" index export "$ix" | cmp - <(nostored "$T/ref") || fail "remove --id: differs"
"$REPRINT" index remove -q "$ix" --before 2024-01-15
python3 - "$T/rest.jsonl" "$T/rest2.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        try:
            d = json.loads(line).get("date")
            if d and d < "2024-01-15": continue
        except ValueError: pass
        out.write(line)
PY
"$REPRINT" cluster -q --date-field date "$T/rest2.jsonl" > "$T/ref" || true
"$REPRINT" index export "$ix" | cmp - <(nostored "$T/ref") || fail "remove --before: differs"
expect_exit 1 "$REPRINT" index remove -q "$ix" --id no-such-id

# stats
"$REPRINT" index stats "$ix" | python3 -c "
import json, sys
s = json.load(sys.stdin)
assert s['level'] == 'near' and s['bands'] == 32 and s['rows'] == 4, s
assert s['documents'] > 100 and s['clusters'] > 10 and s['terms'] > 1000, s
"

# usage errors
expect_exit 2 "$REPRINT" index create "$T/ixr" --level reuse
expect_exit 2 "$REPRINT" index create "$ix"            # already an index
expect_exit 3 "$REPRINT" index export "$T/none"        # no index
expect_exit 2 "$REPRINT" index remove "$ix"
expect_exit 2 "$REPRINT" index frobnicate "$ix"
"$REPRINT" index --help | grep -q "reprint index create" || fail "index --help"
# dates not understood are counted and the first named (the document is stored undated)
"$REPRINT" index create "$T/ixd" > /dev/null
printf '{"id":"a","text":"one two three four five","date":"April 2, 2022"}\n{"id":"b","text":"six seven eight nine ten","date":"2/4/2022"}\n' > "$T/d.jsonl"
"$REPRINT" index add --date-field date "$T/ixd" "$T/d.jsonl" > /dev/null 2> "$T/derr"
grep -q '1 dates not understood.*d.jsonl:2: date "2/4/2022"' "$T/derr" ||
    fail "index add: bad date not reported: $(cat "$T/derr")"
echo "index_batch: ok"
