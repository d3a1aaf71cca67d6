# SPDX-License-Identifier: MIT
# story_proxy.py -- a Reuters-derived stand-in for the story-level evaluation: stories with a
# cut, an excerpt with page boilerplate, a light and a heavy rewrite (sentence order changed,
# words dropped, typos), among hundreds of other Reuters stories on the same topics. Writes
# the corpus and its gold labels; with --pred it scores `reprint cluster` output (pairwise
# P/R/F1) and a bag-of-words TF-IDF cosine baseline (pairwise, best threshold). Stdlib only.
#
# The rewrites are mechanical, not paraphrases: this measures robustness to cuts, reordering
# and word loss, and precision against same-topic stories, not paraphrase recall.
#
#   python3 bench/story_proxy.py corpus.jsonl gold.tsv
#   reprint cluster --level story corpus.jsonl > pred.jsonl
#   reprint pairs --level story corpus.jsonl > pairs.jsonl
#   python3 bench/story_proxy.py corpus.jsonl gold.tsv --pred pred.jsonl --pairs pairs.jsonl
#
# --roles adds a third gold column saying which version is the unmodified story ("original"),
# for scoring the choice of each cluster's original (tests/shared/versions_events.sh).
import argparse
import itertools
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import mutate  # noqa: E402

_SENT = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


def sentences(text):
    return [s for s in _SENT.split(" ".join(text.split())) if s]


def drop_words(sent, rng, rate):
    words = sent.split()
    keep = [w for w in words if rng.random() >= rate or w[:1].isupper() or w[:1].isdigit()]
    return " ".join(keep or words[:1])


def versions(text, rng, hard=False):
    """(name, text) of four derived versions; hard: the heavy rewrite keeps 45% of the
    sentences with 60% of their words dropped (70% and 35% otherwise)."""
    s = sentences(text)
    n = len(s)
    cut = " ".join(s[: max(2, int(n * 0.55))])
    lo, hi = int(n * 0.35), max(int(n * 0.35) + 2, int(n * 0.9))
    excerpt = mutate.add_boilerplate("\n\n".join(s[lo:hi]), rng)
    light = list(s)
    for i in range(0, n - 1, 3):  # swap every third pair of sentences
        light[i], light[i + 1] = light[i + 1], light[i]
    light = mutate.add_typos(" ".join(drop_words(x, rng, 0.12) for x in light), rng)
    keep, drop = (0.45, 0.6) if hard else (0.7, 0.35)
    heavy = [drop_words(x, rng, drop) for x in rng.sample(s, max(2, int(n * keep)))]
    return [("cut", cut), ("excerpt", excerpt), ("light", light), ("heavy", " ".join(heavy))]


def build(args):
    rng = random.Random(args.seed)
    docs = mutate.load_reuters(min_words=60)
    long = [d for d in docs
            if len(d["text"].split()) >= 150 and d.get("topics") and len(sentences(d["text"])) >= 4]
    seeds = rng.sample(long, args.stories)
    seed_ids = {d["id"] for d in seeds}
    topics = set(t for d in seeds for t in d["topics"])
    seed_sh = [mutate.shingles(d["text"]) for d in seeds]
    others = []
    for d in docs:
        if d["id"] in seed_ids or not topics.intersection(d.get("topics") or []):
            continue
        sh = mutate.shingles(d["text"])
        # a Reuters copy or correction of a seed is the same story: left out
        if any(len(sh & x) > 0.2 * min(len(sh), len(x)) for x in seed_sh):
            continue
        others.append(d)
    others = rng.sample(others, min(args.others, len(others)))
    out, gold = [], []
    def rec(i, text, d):
        r = {"id": i, "text": text}
        if args.dates and d.get("date"):
            r["date"] = d["date"]
        return r

    for k, d in enumerate(seeds):
        out.append(rec(d["id"], d["text"], d))
        gold.append((d["id"], "s%d" % k, "original"))
        for name, t in versions(d["text"], rng, args.hard):
            vid = "%s-%s" % (d["id"], name)
            out.append(rec(vid, t, d))
            gold.append((vid, "s%d" % k, name))
    # Reuters' own copies and corrections among the others are one story: grouped by word
    # 5-gram Jaccard >= 0.5
    parent = list(range(len(others)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    osh = [mutate.shingles(d["text"]) for d in others]
    for i, j in itertools.combinations(range(len(others)), 2):
        inter = len(osh[i] & osh[j])
        if inter and inter >= 0.5 * len(osh[i] | osh[j]):
            parent[find(i)] = find(j)
    for k, d in enumerate(others):
        out.append(rec(d["id"], d["text"], d))
        gold.append((d["id"], others[find(k)]["id"], "other"))
    rng.shuffle(out)
    with open(args.corpus, "w") as f:
        for o in out:
            f.write(json.dumps(o) + "\n")
    with open(args.gold, "w") as f:
        for i, g, role in gold:
            if args.roles:
                f.write("%s\t%s\t%s\n" % (i, g, role))
            else:
                f.write("%s\t%s\n" % (i, g))
    print("%d stories x 5 versions, %d same-topic others, %d documents"
          % (len(seeds), len(others), len(out)))


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(args):
    gold = dict(line.rstrip("\n").split("\t")[:2] for line in open(args.gold))
    ids = sorted(gold)
    pred = {}
    for line in open(args.pred):
        o = json.loads(line)
        pred[o["id"]] = o["cluster"]
    same_gold = set()
    by = defaultdict(list)
    for i in ids:
        by[gold[i]].append(i)
    for g in by.values():
        same_gold.update(itertools.combinations(sorted(g), 2))
    byp = defaultdict(list)
    for i in ids:
        byp[pred.get(i, i)].append(i)
    same_pred = set()
    for g in byp.values():
        same_pred.update(itertools.combinations(sorted(g), 2))
    tp = len(same_gold & same_pred)
    p, r, f = prf(tp, len(same_pred) - tp, len(same_gold) - tp)
    print("reprint --level story, clusters: pairwise P %.4f R %.4f F1 %.4f (%d gold pairs)"
          % (p, r, f, len(same_gold)))
    if args.pairs:  # `reprint pairs` output: the linked pairs as a pair classifier
        linked = set()
        for line in open(args.pairs):
            o = json.loads(line)
            linked.add(tuple(sorted((o["a"], o["b"]))))
        tp = len(same_gold & linked)
        p, r, f = prf(tp, len(linked) - tp, len(same_gold) - tp)
        print("reprint --level story, linked pairs: P %.4f R %.4f F1 %.4f" % (p, r, f))
    # baseline: TF-IDF cosine of lower-cased words, every pair, best threshold
    texts = {}
    for line in open(args.corpus):
        o = json.loads(line)
        texts[o["id"]] = Counter(w.lower() for w in _WORD.findall(o["text"]))
    df = Counter(t for c in texts.values() for t in c)
    n = len(texts)
    vec = {}
    for i, c in texts.items():
        v = {t: (1 + math.log(x)) * math.log((n + 1) / (df[t] + 0.5)) for t, x in c.items()}
        norm = math.sqrt(sum(w * w for w in v.values())) or 1.0
        vec[i] = {t: w / norm for t, w in v.items()}
    post = defaultdict(list)
    for i in ids:
        for t in vec[i]:
            post[t].append(i)
    sims = []
    for a in ids:
        acc = Counter()
        for t, w in vec[a].items():
            for b in post[t]:
                if b > a:
                    acc[b] += w * vec[b][t]
        sims.extend((s, (a, b) in same_gold) for b, s in acc.items() if s > 0.05)
    sims.sort(reverse=True)
    best, tp = (0, 0, 0, 0), 0
    for k, (s, ok) in enumerate(sims, 1):
        tp += ok
        f = prf(tp, k - tp, len(same_gold) - tp)[2]
        if f > best[0]:
            best = (f, s, tp, k)
    p, r, f = prf(best[2], best[3] - best[2], len(same_gold) - best[2])
    print("TF-IDF cosine alone (best threshold %.3f): pairwise P %.4f R %.4f F1 %.4f"
          % (best[1], p, r, f))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus")
    ap.add_argument("gold")
    ap.add_argument("--pred")
    ap.add_argument("--pairs")
    ap.add_argument("--dates", action="store_true", help="keep Reuters dates (the --window)")
    ap.add_argument("--hard", action="store_true",
                    help="heavier heavy rewrites (45%% of the sentences, 60%% of words dropped)")
    ap.add_argument("--stories", type=int, default=60)
    ap.add_argument("--others", type=int, default=800)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--roles", action="store_true",
                    help="a third gold column: original (the unmodified story), cut, excerpt, "
                         "light, heavy, or other (the same-topic stories); reprint eval "
                         "ignores it")
    args = ap.parse_args()
    if args.pred:
        score(args)
    else:
        build(args)


if __name__ == "__main__":
    main()
