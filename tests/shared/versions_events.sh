#!/usr/bin/env bash
# Versions and events (issue "Versions and events"): one table of what the story level (version
# families) and the event level above it achieve, measured with the CLI only on ../shared/eval:
# - version families: `reprint cluster --level story` pairwise P/R/F1 on WMT21 ru-en, ja-en,
#   is-en (references + system outputs; every rendering of one doc is one family) and on the
#   target sides of de-fr and fr-de;
# - the seeds alone (how many of the five in one cluster) and inside 3,000 Reuters stories
#   (the five together, and how many other documents share their cluster);
# - Clough & Stevenson at the version level: an answer counts when it is in the cluster of
#   its orig_task file (not just linked to it);
# - the original: share of families whose `relation: original` document is the labelled
#   source (Clough orig_task*; WMT with the source side, over the families that hold the
#   source at all, since linking a source to its translations is cross-lingual; Reuters proxy
#   bench/story_proxy.py --roles, the unmodified story);
# - events: NMI and pairwise F1 on GoogleNews-TS, -S, Tweet, MStream News and Tweets at
#   `--level event`, and the five seeds alone in one event;
# - cost: event vs story wall time on Reuters-21578 (alternated, median of 3 each) and peak
#   RSS; n/a without the event level.
# It fails when a result is below its floor. FLOORS are what the binary meets with a small
# margin (raised with version families, the small-collection background and the event
# level, the event rows with S8's rules for moving a family, and again with S8's
# merge-and-refine passes, issue 14; and once more when the event level's families of a
# caseless collection merged only with a family link and S8 started from the story level's
# stories: News and Tweets NMI +0.010 / +0.011, TS and S up, Tweet NMI 0.9167 -> 0.9089 and
# pairwise F1 0.840 -> 0.805, its two floors lowered there, the trade said in
# docs/internals/story.md S8; raised again when a caseless collection's family centroids
# weighed terms by tf * IDF^0.625 with the merge at 0.33: NMI 0.9554 / 0.9227 / 0.9297 /
# 0.8912 / 0.8977; and when a caseless collection's hashtags counted as their words in the
# family centroids: Tweet 0.9317, Tweets 0.9016, F1 0.878 / 0.830; and the WMT21 rows when S6
# let a unit wait for a strong link in one language: ru-en 0.9801, ja-en 0.9966, is-en
# 0.9965; and when a link of lineage or cover 0.25 joined through the representative alone:
# ja-en 0.9980, Clough light 16); whoever improves a level raises them. Targets are the
# issue's. Discrete counts (seeds, Clough) are deterministic: their floors are today's value
# or one below. Version families are scored on the `cluster` field of `--level story`.
# Run: bash tests/shared/versions_events.sh (env: REPRINT, SRCDIR; SHARED defaults to
# $SRCDIR/../shared; VE_KEEP=DIR keeps the outputs there). About a minute.
#
# metric               dir floor  target  (dir: >= higher is better, <= lower is better)
FLOORS='
wmt_ru-en_f1           >=  0.975  0.99
wmt_ja-en_f1           >=  0.995  0.99
wmt_is-en_f1           >=  0.993  0.99
wmt_de-fr_f1           >=  0.995  0.99
wmt_fr-de_f1           >=  0.995  0.99
seeds_alone            >=  5      5
seeds_event            >=  5      5
seeds_mix_together     >=  5      5
seeds_mix_others       <=  0      0
clough_light           >=  16     19
clough_cut             >=  16     17
clough_heavy           >=  11     16
clough_non             <=  0      1
orig_clough            >=  0.80   1
orig_wmt_src           >=  0.95   1
orig_proxy             >=  0.97   1
event_TS_nmi           >=  0.953  0.95
event_S_nmi            >=  0.920  0.91
event_Tweet_nmi        >=  0.929  0.90
event_News_nmi         >=  0.890  0.89
event_Tweets_nmi       >=  0.900  0.90
event_TS_f1            >=  0.865  -
event_S_f1             >=  0.820  -
event_Tweet_f1         >=  0.875  -
event_News_f1          >=  0.740  -
event_Tweets_f1        >=  0.826  -
'
source "$(dirname "$0")/common.bash"
keep_outputs "${VE_KEEP:-}"
E=$SHARED/eval
CONV="python3 $SRCDIR/tests/shared/eval_corpora.py"
RES=$T/results.tsv
: >"$RES"

# --- version families: WMT21 renderings of one article, story level ------------------------
for p in ru-en ja-en is-en de-fr fr-de; do
    X=$E/wmt/newstest2021/newstest2021.$p.all.xml.gz
    $CONV wmt "$X" "$T/w_$p.jsonl" "$T/w_$p.tsv" 2>/dev/null
    "$REPRINT" cluster --quiet --level story -o "$T/w_$p.out" "$T/w_$p.jsonl"
    read -r f nmi pr re <<<"$(scores "$T/w_$p.tsv" "$T/w_$p.out")"
    result "wmt_${p}_f1" "$f" "F1 $f (P $pr R $re)"
    # the same set with the source-language article (its original) for "the original"
    $CONV wmt "$X" "$T/ws_$p.jsonl" "$T/ws_$p.tsv" --src 2>/dev/null
    "$REPRINT" cluster --quiet --level story -o "$T/ws_$p.out" "$T/ws_$p.jsonl"
done

# --- the seeds: alone, and among 3,000 Reuters stories --------------------------------------
"$REPRINT" cluster --quiet --level story -o "$T/seeds.out" "$SHARED/seeds"
"$REPRINT" cluster --quiet --level event -o "$T/seeds_ev.out" "$SHARED/seeds"
seeds_mix "$T/mix.jsonl"
"$REPRINT" cluster --quiet --level story -o "$T/mix.out" "$T/mix.jsonl"

# --- Clough & Stevenson: version-level gold, read from its directory ------------------------
C=$E/clough-stevenson
$CONV clough "$C" "$T/cl.tsv" 2>/dev/null
"$REPRINT" cluster --quiet --level story -o "$T/cl.out" "$C"

# --- Reuters proxy: stories with a cut, excerpt, light and heavy rewrite (gold roles) -------
python3 "$SRCDIR/bench/story_proxy.py" "$T/px.jsonl" "$T/px.tsv" --seed 7 --stories 80 \
    --others 1000 --dates --roles >/dev/null
"$REPRINT" cluster --quiet --level story -o "$T/px.out" "$T/px.jsonl"

python3 - "$T" "$RES" <<'PY' || fail "versions scoring"
import collections, json, sys
T, res = sys.argv[1], open(sys.argv[2], "a")
def load(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
def row(metric, value, shown=None):
    res.write("%s\t%s\t%s\n" % (metric, value, value if shown is None else shown))
def seed(i):
    return i[:3] in ("000", "001", "002", "003", "004") and i.endswith(".txt")

# seeds alone: the most of the five in one cluster
c = collections.Counter(o["cluster"] for o in load(T + "/seeds.out"))
row("seeds_alone", max(c.values()), "%d of 5 in one cluster (%d clusters)"
    % (max(c.values()), len(c)))
c = collections.Counter(o["cluster"] for o in load(T + "/seeds_ev.out"))
row("seeds_event", max(c.values()), "%d of 5 in one event" % max(c.values()))
# seeds in Reuters: the most of the five in one cluster, and the others in that cluster
out = load(T + "/mix.out")
c = collections.Counter(o["cluster"] for o in out if seed(o["id"]))
cid, n = c.most_common(1)[0]
others = sum(1 for o in out if o["cluster"] == cid and not seed(o["id"]))
row("seeds_mix_together", n, "%d of 5 in one cluster" % n)
row("seeds_mix_others", others, "%d other documents in it" % others)

# Clough & Stevenson: in the cluster of the task's source
gold = {}
for l in open(T + "/cl.tsv", encoding="utf-8"):
    i, label, cat = l.rstrip("\n").split("\t")
    gold[i] = (label, cat)
out = {o["id"]: o for o in load(T + "/cl.out")}
cnt = collections.defaultdict(lambda: [0, 0])
for i, (label, cat) in gold.items():
    if cat == "orig":
        continue
    task = i.rsplit("_task", 1)[1][0]
    src = out["orig_task%s.txt" % task]
    cnt[cat][0] += out[i]["cluster"] == src["cluster"]
    cnt[cat][1] += 1
for cat in ("light", "cut", "heavy", "non"):
    row("clough_" + cat, cnt[cat][0], "%d/%d" % tuple(cnt[cat]))
fam = [out["orig_task%s.txt" % t] for t in "abcde"]
ok = sum(o["relation"] == "original" for o in fam)
row("orig_clough", "%.4f" % (ok / 5), "%d/5 sources are their cluster's original" % ok)

# WMT with the source: families (clusters) that hold the source at all
ok = tot = 0
per = []
for p in ("ru-en", "ja-en", "is-en", "de-fr", "fr-de"):
    out = load("%s/ws_%s.out" % (T, p))
    size = collections.Counter(o["cluster"] for o in out)
    k = n = 0
    for o in out:
        if o["id"].endswith("|src") and size[o["cluster"]] > 1:
            n += 1
            k += o["relation"] == "original"
    per.append("%s %d/%d" % (p, k, n))
    ok, tot = ok + k, tot + n
row("orig_wmt_src", "%.4f" % (ok / tot if tot else 0),
    "%d/%d (%s)" % (ok, tot, ", ".join(per)))

# Reuters proxy: the unmodified story is its cluster's original
roles = {}
for l in open(T + "/px.tsv", encoding="utf-8"):
    f = l.rstrip("\n").split("\t")
    roles[f[0]] = f[2]
out = load(T + "/px.out")
orig = [o for o in out if roles.get(o["id"]) == "original"]
ok = sum(o["relation"] == "original" for o in orig)
row("orig_proxy", "%.4f" % (ok / len(orig)), "%d/%d stories" % (ok, len(orig)))
PY

# --- events ---------------------------------------------------------------------------------
$CONV googlenews "$E/googlenews/TS.jsonl.gz" "$T/e_TS.jsonl" "$T/e_TS.tsv" 2>/dev/null
$CONV googlenews "$E/googlenews/S.jsonl.gz" "$T/e_S.jsonl" "$T/e_S.tsv" 2>/dev/null
$CONV googlenews "$E/googlenews/Tweet.jsonl.gz" "$T/e_Tweet.jsonl" "$T/e_Tweet.tsv" 2>/dev/null
$CONV mstream "$E/mstream-news/News.jsonl" "$T/e_News.jsonl" "$T/e_News.tsv" 2>/dev/null
$CONV mstream "$E/mstream-news/Tweets.jsonl.gz" "$T/e_Tweets.jsonl" "$T/e_Tweets.tsv" 2>/dev/null
for c in TS S Tweet News Tweets; do
    "$REPRINT" cluster --quiet --level event -o "$T/e_$c.out" "$T/e_$c.jsonl"
    read -r f nmi pr re <<<"$(scores "$T/e_$c.tsv" "$T/e_$c.out")"
    result "event_${c}_nmi" "$nmi" "NMI $nmi"
    result "event_${c}_f1" "$f" "F1 $f (P $pr R $re)"
done

# --- cost on Reuters-21578: event vs story, alternated, median of 3 --------------------------
R=$E/reuters21578/reuters21578.jsonl.gz
for i in 1 2 3; do
    for l in story event; do
        /usr/bin/time -f "%e %M" -o "$T/time_$l.$i" "$REPRINT" cluster --quiet --level $l \
            -o /dev/null "$R"
    done
done
python3 - "$T" "$RES" <<'PY'
import statistics, sys
T, res = sys.argv[1], open(sys.argv[2], "a")
def med(l):
    runs = [open("%s/time_%s.%d" % (T, l, i)).read().split() for i in (1, 2, 3)]
    return (statistics.median(float(r[0]) for r in runs),
            max(int(r[1]) for r in runs) / 1024)
s, sm = med("story")
res.write("cost_story\t%.2f\t%.2f s, %.0f MB\n" % (s, s, sm))
e, em = med("event")
res.write("cost_event\t%.2f\t%.2f s, %.0f MB\n" % (e, e, em))
res.write("cost_ratio\t%.2f\t%.2fx event/story\n" % (e / s, e / s))
PY

# --- the table; fail on a missed floor ------------------------------------------------------
floors_table versions_events "$FLOORS"
