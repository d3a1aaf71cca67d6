#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Versions across languages (lib/lang, story_xling.c) on texts written for this test
# (tests/data/translation/: a harbour report in English and its French translation, an
# unrelated English and an unrelated French text; a word list of the French report's words):
# the two versions form one family, one a `translation` of the other, every line says its
# language, the unrelated texts stay alone, at the story and the event level, and explain says
# the pair was scored across languages, and of an unrelated pair that it was not linked across
# them. Without a list the run warns; a list that cannot be
# read is an error naming it. The direction without dates (story_origin.c): of a German report
# on a German town and its English translation, and an English report on an English parish
# and its German translation, each translation first in the input, the original is the one
# in the language its names are spelt in; of a German report on its English twin town and its
# English translation that writes the pounds as GBP, the German one (e.jsonl: the names alone
# would say English, as they do when the translation writes "pounds"); of a German report on an
# English walker's visit and its English translation, the German one, told by the marked
# letters of Schönwürzbach in the English text (f.jsonl: the German text writes the adjective
# Schönwürzbacher, so the names the two share are English). The index links the two versions
# as it adds them.
source "$(dirname "$0")/common.bash"
D=$SRCDIR/tests/data/translation
"$REPRINT" cluster --quiet --level story --lexicon-dir "$D/lex" -o "$T/s.jsonl" "$D/c.jsonl"
"$REPRINT" cluster --quiet --level event --lexicon-dir "$D/lex" -o "$T/e.jsonl" "$D/c.jsonl"
"$REPRINT" explain --quiet --level story --lexicon-dir "$D/lex" -o "$T/x.txt" harbour-en \
    harbour-fr "$D/c.jsonl"
python3 - "$T/s.jsonl" "$T/e.jsonl" <<'PY' || fail "translation"
import json, sys
for n, path in enumerate(sys.argv[1:3]):
    o = {r["id"]: r for r in map(json.loads, open(path))}
    assert o["harbour-en"]["cluster"] == o["harbour-fr"]["cluster"], (o["harbour-en"], o["harbour-fr"])
    rels = sorted((o["harbour-en"]["relation"], o["harbour-fr"]["relation"]))
    assert rels == ["original", "translation"], rels
    assert {r["lang"] for r in o.values()} == {"en", "fr"}, o
    assert o["harbour-en"]["lang"] == "en" and o["musee-fr"]["lang"] == "fr", o
    # at the event level the two French texts of four meet on French words the English
    # background of a small collection does not know (docs: "Small collections")
    for i in ("orchard-en", "musee-fr") if n == 0 else ("orchard-en",):
        assert o[i]["relation"] == "unique", o[i]
PY
grep -q "^relation: translation" "$T/x.txt" || fail "explain: $(cat "$T/x.txt")"
grep -q "scored across languages" "$T/x.txt" || fail "explain says nothing of the languages"
# a pair of two languages that is not linked: explain says the pivot pass did not link it
"$REPRINT" explain --quiet --level story --lexicon-dir "$D/lex" -o "$T/y.txt" orchard-en \
    musee-fr "$D/c.jsonl"
grep -q "^relation: unique" "$T/y.txt" || fail "explain: $(cat "$T/y.txt")"
grep -q "en and fr: across languages the pair was not linked" "$T/y.txt" ||
    fail "explain says nothing of the languages of an unlinked pair: $(cat "$T/y.txt")"
# no list: a warning names the language
"$REPRINT" cluster --level story --lexicon-dir "$T/none" -o "$T/n.jsonl" "$D/c.jsonl" 2>"$T/err"
grep -q "warning: no word list for fr" "$T/err" || fail "no warning without a list: $(cat "$T/err")"
# a list that cannot be read: an error naming it, no output
mkdir -p "$T/bad/fr.tsv"
if "$REPRINT" cluster --quiet --level story --lexicon-dir "$T/bad" -o "$T/b.jsonl" "$D/c.jsonl" \
    2>"$T/err"; then
    fail "an unreadable list was accepted"
fi
grep -q "bad/fr.tsv" "$T/err" || fail "the error does not name the list: $(cat "$T/err")"
[ ! -e "$T/b.jsonl" ] || fail "an output was written after the error"
# the direction: the names' language, not the input order
"$REPRINT" cluster --quiet --level story --lexicon-dir "$D/lex" -o "$T/d.jsonl" "$D/d.jsonl"
python3 - "$T/d.jsonl" <<'PY' || fail "direction"
import json, sys
o = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
for src, tr in (("brunnen-de", "brunnen-en"), ("bridge-en", "bridge-de")):
    assert o[src]["relation"] == "original", o[src]
    assert o[tr]["relation"] == "translation" and o[tr]["of"] == src, o[tr]
PY
# the currency codes: the translation writes GBP where its source wrote Pfund
sed 's/GBP 40,000/40,000 pounds/' "$D/e.jsonl" >"$T/e2.jsonl"
for f in "$D/e.jsonl" "$T/e2.jsonl"; do
    "$REPRINT" cluster --quiet --level story --lexicon-dir "$D/lex" -o "$T/c_${f##*/}" "$f"
done
# the marked letters: Schönwürzbach in the English text is a German name
"$REPRINT" cluster --quiet --level story --lexicon-dir "$D/lex" -o "$T/c_f.jsonl" "$D/f.jsonl"
python3 - "$T/c_e.jsonl" "$T/c_e2.jsonl" "$T/c_f.jsonl" <<'PY' || fail "direction rules"
import json, sys
for path, src, tr in ((sys.argv[1], "market-de", "market-en"),
                      (sys.argv[2], "market-en", "market-de"),
                      (sys.argv[3], "walker-de", "walker-en")):
    o = {r["id"]: r for r in map(json.loads, open(path))}
    assert o[src]["relation"] == "original", (path, o[src])
    assert o[tr]["relation"] == "translation" and o[tr]["of"] == src, (path, o[tr])
PY
# the index, one document at a time: the same family, every line with its language; a query
# of the French text under another id finds its English version; removing the English one
# leaves the French one alone
"$REPRINT" index create "$T/ix" --level story
"$REPRINT" index add -q --batch 1 --lexicon-dir "$D/lex" -o "$T/ia.jsonl" "$T/ix" "$D/c.jsonl"
sed 's/"harbour-fr"/"harbour-fr-2"/; s/ lundi / mardi /' "$D/c.jsonl" | grep harbour-fr-2 >"$T/q.jsonl"
"$REPRINT" index query -q --lexicon-dir "$D/lex" -o "$T/iq.jsonl" "$T/ix" "$T/q.jsonl"
"$REPRINT" index remove "$T/ix" --id harbour-en 2>/dev/null
"$REPRINT" index export "$T/ix" -o "$T/ir.jsonl"
python3 - "$T/ia.jsonl" "$T/iq.jsonl" "$T/ir.jsonl" <<'PY' || fail "index across languages"
import json, sys
a, q, r = ({x["id"]: x for x in map(json.loads, open(p))} for p in sys.argv[1:4])
assert a["harbour-fr"]["cluster"] == a["harbour-en"]["cluster"], a
assert a["harbour-fr"]["relation"] == "translation" and a["harbour-fr"]["of"] == "harbour-en", a
assert {x["lang"] for x in a.values()} == {"en", "fr"}, a
for i in ("orchard-en", "musee-fr"):
    assert a[i]["relation"] == "unique", a[i]
assert q["harbour-fr-2"]["cluster"] == "harbour-en", q
assert q["harbour-fr-2"]["relation"] in ("translation", "near", "rewrite"), q
assert set(r) == {"harbour-fr", "orchard-en", "musee-fr"}, r
assert r["harbour-fr"]["relation"] == "unique" and r["harbour-fr"]["lang"] == "fr", r
PY
# one language: nothing across languages is done, no lang but "en"
"$REPRINT" cluster --level story --lexicon-dir "$D/lex" -o "$T/o.jsonl" \
    <(grep -- '-en"' "$D/c.jsonl") 2>"$T/err"
! grep -q "languages" "$T/err" || fail "one language, yet: $(cat "$T/err")"
echo "translation: ok"
