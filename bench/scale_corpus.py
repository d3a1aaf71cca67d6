#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# scale_corpus.py -- stream a JSON Lines corpus of N documents (100k, 1M, ...) for speed and
# memory benchmarks: Reuters stories, synthetic stories built from Reuters sentences, and
# mutated copies of both (the mutations of make_near_corpus.py).
"""Write N documents to OUT (.jsonl, or .jsonl.gz) without holding them in memory.

Each document is, independently:
  * with probability --dup-rate, a copy (mutate.make_copy: exact, boilerplate, typos, reflow,
    edit, combinations) of a story drawn from a reservoir of recent originals;
  * otherwise a new original: the next unused Reuters story (exact-duplicate bodies removed)
    at a rate that spreads them evenly over the corpus, else a synthetic story of 4-20
    sentences sampled from all Reuters sentences with every digit re-drawn, laid out like a
    Reuters wire (dateline, indented paragraphs wrapped at 60-72 columns, "Reuter").
Only the Reuters texts, the sentence pool and the reservoir stay in memory. --gold FILE also
writes id<TAB>cluster labels (copies share their original's cluster; near-duplicate resends
inside Reuters itself are not labelled). Deterministic for a seed.
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402  (bench/mutate.py)

_DIGIT = re.compile(r"\d")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def distinct_reuters(path, min_words):
    """Reuters stories with distinct whitespace-normalized bodies, in file order."""
    seen, out = set(), []
    for d in mutate.load_reuters(path, min_words):
        key = hashlib.blake2b(" ".join(d["text"].split()).encode(), digest_size=16).digest()
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def sentence_pool(docs):
    pool = []
    for d in docs:
        for s in mutate._SENT_END.split(" ".join(d["text"].split())):
            if 5 <= len(s.split()) <= 60 and s != "Reuter":
                pool.append(s)
    return pool


def synthetic_story(rng, pool, datelines, titles):
    sents = [_DIGIT.sub(lambda _m: str(rng.randrange(10)), s)
             for s in rng.sample(pool, rng.randint(4, 20))]
    paras, i = [], 0
    while i < len(sents):
        k = rng.randint(1, 3)
        paras.append(" ".join(sents[i:i + k]))
        i += k
    width = rng.randint(60, 72)
    text = "\n    ".join(mutate._wrap(p, width) for p in paras) + "\n Reuter"
    dateline = rng.choice(datelines)
    title = rng.choice(titles)
    date = "%02d-%s-1987 %02d:%02d:%02d.%02d" % (
        rng.randint(1, 28), rng.choice(_MONTHS), rng.randint(0, 23), rng.randint(0, 59),
        rng.randint(0, 59), rng.randint(0, 99))
    return (dateline + " " + text if dateline else text), title, date


def open_out(path):
    if path.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=1)
    return open(path, "w", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="documents to write")
    ap.add_argument("--out", required=True, help="output .jsonl or .jsonl.gz")
    ap.add_argument("--gold", help="also write id<TAB>cluster labels here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup-rate", type=float, default=0.3,
                    help="share of documents that are copies (default 0.3)")
    ap.add_argument("--reservoir", type=int, default=5000,
                    help="recent originals copies are drawn from (default 5000)")
    ap.add_argument("--max-reuters", type=int, default=-1,
                    help="use at most this many real stories (default all; 0 = synthetic only)")
    ap.add_argument("--min-words", type=int, default=40)
    ap.add_argument("--input", default=mutate.REUTERS)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    docs = distinct_reuters(args.input, args.min_words)
    rng.shuffle(docs)
    pool = sentence_pool(docs)
    if args.max_reuters >= 0:
        docs = docs[:args.max_reuters]
    datelines = [d.get("dateline", "") for d in docs if d.get("dateline")]
    titles = [d.get("title", "") for d in docs if d.get("title")]
    n_originals_expected = max(1.0, args.n * (1.0 - args.dup_rate))
    real_rate = min(1.0, len(docs) / n_originals_expected)

    reservoir = []  # (cluster, text, title, date)
    next_real = 0
    counts = {"reuters": 0, "synthetic": 0, "copies": 0}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    gold = open(args.gold, "w", encoding="utf-8") if args.gold else None
    with open_out(args.out) as out:
        if gold:
            gold.write("# id\tcluster (scale_corpus.py --n %d --seed %d)\n" % (args.n, args.seed))
        for i in range(args.n):
            doc_id = "sc-%07d" % i
            if reservoir and rng.random() < args.dup_rate:
                cluster, text, title, date = rng.choice(reservoir)
                text, _recipe = mutate.make_copy(text, rng, title)
                counts["copies"] += 1
            else:
                cluster = "s%07d" % i
                if next_real < len(docs) and rng.random() < real_rate:
                    d = docs[next_real]
                    next_real += 1
                    text, title, date = d["text"], d.get("title", ""), d.get("date", "")
                    counts["reuters"] += 1
                else:
                    text, title, date = synthetic_story(rng, pool, datelines, titles)
                    counts["synthetic"] += 1
                entry = (cluster, text, title, date)
                if len(reservoir) < args.reservoir:
                    reservoir.append(entry)
                else:
                    reservoir[rng.randrange(args.reservoir)] = entry
            out.write(json.dumps({"id": doc_id, "text": text, "date": date, "title": title},
                                 ensure_ascii=False))
            out.write("\n")
            if gold:
                gold.write("%s\t%s\n" % (doc_id, cluster))
            if (i + 1) % 100000 == 0:
                print("scale_corpus: %d / %d" % (i + 1, args.n), file=sys.stderr)
    if gold:
        gold.close()
    print("scale_corpus: %d documents (%d Reuters, %d synthetic, %d copies) -> %s"
          % (args.n, counts["reuters"], counts["synthetic"], counts["copies"], args.out),
          file=sys.stderr)


if __name__ == "__main__":
    main()
