#!/usr/bin/env bash
# Translations across languages (issue "Translations across languages"): one table of how the
# story level links the versions of one article written in two languages, measured with the
# CLI only on ../shared/eval:
# - WMT21 document-level sets with their sources: every doc id is one family of its source
#   article (`src`) and its human translation(s) (`ref`); pairwise P/R/F1 of `--level story`
#   for de-fr, fr-de, ru-en, is-en, ja-en, en-ja, and en-is (not among the issue's targets);
# - WMT16 en-fi: every document in English and in two independent Finnish translations;
# - precision in a crowd: the de-fr and ru-en sets mixed into 3,000 Reuters stories: Reuters
#   documents in a cluster that holds a WMT document (must stay 0: the issue's check), and the
#   pairwise precision of those clusters (ru-en's errors: WMT articles of one event merged);
# - the direction: share of the families holding their source whose original (`relation:
#   original`) is the source, per set, and on two sets of other shapes: WMT16 en-fi with only
#   its first Finnish translation (en-fi1: either language the source) and WMT21 ru-en with
#   only its first translation (ru-en1: the hub rule cannot decide);
# - every WMT document's `lang` is the set's language for its side (CLD2);
# - all sets together give the same bytes with 1 and 4 threads;
# - the index (`index add`, docs/index.md "Across languages"): the same F1 per set and the
#   same crowd of Reuters stories (no lineage there: its own floors).
# It fails when a result is below its floor. FLOORS are what the binary meets with a small
# margin; whoever improves it raises them. original_en-ja was lowered once (0.77 -> 0.72) when
# the names' vote was held against the midpoint of the two languages' own words: en-ja 43 -> 40
# of 54 for ru-en1 43 -> 73 of 100 and ja-en 34 -> 35 (docs/internals/story.md, S5c). Targets are the issue's.
# Run: bash tests/shared/translations.sh (env: REPRINT, SRCDIR; SHARED defaults to
# $SRCDIR/../shared; TR_KEEP=DIR keeps the outputs there). About a minute.
#
# metric               dir floor  target
FLOORS='
src_de-fr_f1           >=  0.955   0.95
src_fr-de_f1           >=  0.95   0.95
src_ru-en_f1           >=  0.94   0.90
src_is-en_f1           >=  0.91   0.90
src_ja-en_f1           >=  0.82   0.70
src_en-ja_f1           >=  0.84   0.70
src_en-is_f1           >=  0.98   0.90
enfi_f1                >=  0.95   0.90
mix_de-fr_reuters      <=  0      0
mix_ru-en_reuters      <=  0      0
mix_de-fr_precision    >=  0.99   0.99
mix_ru-en_precision    >=  0.91   0.99
lang_ok                >=  0.99   1
threads_identical      >=  1      1
ix_src_de-fr_f1        >=  0.94   0.95
ix_src_fr-de_f1        >=  0.82   0.95
ix_src_ru-en_f1        >=  0.88   0.90
ix_src_is-en_f1        >=  0.90   0.90
ix_src_ja-en_f1        >=  0.60   0.70
ix_src_en-ja_f1        >=  0.72   0.70
ix_mix_ru-en_reuters   <=  0      0
original_ru-en         >=  0.93   0.90
original_de-fr         >=  0.84   0.90
original_fr-de         >=  0.78   0.90
original_is-en         >=  0.57   0.90
original_ja-en         >=  0.51   0.90
original_en-is         >=  0.92   0.90
original_en-ja         >=  0.72   0.90
original_en-fi1        >=  0.74   0.90
original_ru-en1        >=  0.72   0.90
'
source "$(dirname "$0")/common.bash"
keep_outputs "${TR_KEEP:-}"
E=$SHARED/eval
CONV="python3 $SRCDIR/tests/shared/eval_corpora.py"
RES=$T/results.tsv
: >"$RES"

for p in de-fr fr-de ru-en is-en ja-en en-ja en-is; do
    $CONV wmt "$E/wmt/newstest2021/newstest2021.$p.all.xml.gz" "$T/s_$p.jsonl" "$T/s_$p.tsv" \
        --src --no-hyp 2>/dev/null
    "$REPRINT" cluster --quiet --level story -o "$T/s_$p.out" "$T/s_$p.jsonl"
    read -r f _ pr re <<<"$(scores "$T/s_$p.tsv" "$T/s_$p.out")"
    result "src_${p}_f1" "$f" "F1 $f (P $pr R $re)"
    [ "$p" = en-is ] && continue
    "$REPRINT" index create "$T/ix_$p" --level story
    "$REPRINT" index add -q -o "$T/ix_$p.out" "$T/ix_$p" "$T/s_$p.jsonl"
    read -r f _ pr re <<<"$(scores "$T/s_$p.tsv" "$T/ix_$p.out")"
    result "ix_src_${p}_f1" "$f" "F1 $f (P $pr R $re), the index"
done
$CONV wmt16 "$E/wmt/wmt16-enfi" "$T/enfi.jsonl" "$T/enfi.tsv" 2>/dev/null
"$REPRINT" cluster --quiet --level story -o "$T/enfi.out" "$T/enfi.jsonl"
read -r f _ pr re <<<"$(scores "$T/enfi.tsv" "$T/enfi.out")"
result enfi_f1 "$f" "F1 $f (P $pr R $re)"

# the direction on two sets of other shapes (original_en-fi1, original_ru-en1)
grep -v '|fi|B"' "$T/enfi.jsonl" >"$T/s_en-fi1.jsonl" || true
grep -v '|ref|B"' "$T/s_ru-en.jsonl" >"$T/s_ru-en1.jsonl" || true
for p in en-fi1 ru-en1; do
    "$REPRINT" cluster --quiet --level story -o "$T/s_$p.out" "$T/s_$p.jsonl"
done

# every set together (seven languages, each list and dictionary in use): the same bytes with 1
# and 4 threads (the stem cache once keyed a word without its language: ordering by thread)
cat "$T"/s_*.jsonl "$T/enfi.jsonl" >"$T/all.jsonl"
"$REPRINT" cluster --quiet --level story --threads 1 -o "$T/all1.out" "$T/all.jsonl"
"$REPRINT" cluster --quiet --level story --threads 4 -o "$T/all4.out" "$T/all.jsonl"
if cmp -s "$T/all1.out" "$T/all4.out"; then same=1; else same=0; fi
result threads_identical "$same" "$same (1 = the output with 4 threads is the one with 1)"

# in a crowd: 3,000 Reuters stories (English) and a set's sources and translations
seeds_mix "$T/reuters.jsonl"
grep -v '\.txt"' "$T/reuters.jsonl" >"$T/r3000.jsonl" || true
for run in mix_de-fr mix_ru-en ix_mix_ru-en; do
    p=${run##*_}
    cat "$T/r3000.jsonl" "$T/s_$p.jsonl" >"$T/m_$p.jsonl"
    if [ "${run%%_*}" = ix ]; then
        "$REPRINT" index create "$T/ixm_$p" --level story
        "$REPRINT" index add -q -o "$T/$run.out" "$T/ixm_$p" "$T/m_$p.jsonl"
    else
        "$REPRINT" cluster --quiet --level story -o "$T/$run.out" "$T/m_$p.jsonl"
    fi
    python3 - "$T/$run.out" "$T/s_$p.tsv" "$run" "$RES" <<'PY' || fail "mix scoring"
import collections, itertools, json, sys
out, gold, run, res = sys.argv[1:5]
g = dict(l.rstrip("\n").split("\t")[:2] for l in open(gold, encoding="utf-8"))
rows = [json.loads(l) for l in open(out, encoding="utf-8")]
by = collections.defaultdict(list)
for r in rows:
    by[r["cluster"]].append(r["id"])
reuters = tp = fp = 0
for ids in by.values():
    if not any(i in g for i in ids):
        continue
    reuters += sum(i not in g for i in ids)
    for a, b in itertools.combinations(ids, 2):
        same = a in g and b in g and g[a] == g[b]
        tp += same
        fp += not same
prec = tp / (tp + fp) if tp + fp else 1.0
with open(res, "a") as f:
    f.write("%s_reuters\t%d\t%d Reuters documents in WMT families\n" % (run, reuters, reuters))
    f.write("%s_precision\t%.4f\tpairwise precision %.4f\n" % (run, prec, prec))
PY
done

# the direction and the languages
python3 - "$T" "$RES" <<'PY' || fail "direction scoring"
import collections, json, sys
T, res = sys.argv[1], open(sys.argv[2], "a")
ok = tot = 0
for p in ("de-fr", "fr-de", "ru-en", "is-en", "ja-en", "en-ja", "en-is", "en-fi1", "ru-en1"):
    src = {}
    for l in open("%s/s_%s.jsonl" % (T, p), encoding="utf-8"):
        r = json.loads(l)
        src[r["id"]] = r
    out = [json.loads(l) for l in open("%s/s_%s.out" % (T, p), encoding="utf-8")]
    for o in out if not p.endswith("1") else ():  # en-fi1, ru-en1: texts counted already
        tot += 1
        ok += o.get("lang") == src[o["id"]]["lang"]
    fam = collections.defaultdict(list)
    for o in out:
        fam[o["cluster"]].append(o)
    right = n = 0
    for members in fam.values():
        srcs = [o for o in members if src[o["id"]]["original"]]
        if len(members) < 2 or not srcs:
            continue
        n += 1
        right += any(o["relation"] == "original" for o in srcs)
    share = right / n if n else 0
    res.write("original_%s\t%.4f\t%d of %d families: the source is the original\n"
              % (p, share, right, n))
res.write("lang_ok\t%.4f\t%d of %d WMT documents with their side's language\n"
          % (ok / tot, ok, tot))
PY

floors_table translations "$FLOORS"
