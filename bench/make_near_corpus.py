#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make_near_corpus.py -- a labelled near-duplicate test corpus from Reuters-21578: distinct
# originals plus exact and near copies (boilerplate, typos, reflowed lines, small edits).
"""Build corpus.jsonl + gold.tsv for `reprint cluster` + `reprint eval`.

1. Originals: Reuters stories with >= --min-words words, visited in a seeded random order;
   a story whose word 5-gram Jaccard with an already picked one exceeds --max-jaccard is
   dropped (Reuters resends corrected stories), until --n-originals are picked.
2. A random --copy-fraction of the originals gets 1-5 copies each, every copy made by one
   recipe of mutate.py: exact, boilerplate, typos, reflow, edit, or a combination.
3. Everything is shuffled with the seed; ids are opaque ("nd-000123"); gold.tsv maps each
   id to its story (the original's Reuters id). Originals without copies are singletons.
Also writes manifest.json (parameters and counts per recipe). Deterministic for a seed.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402  (bench/mutate.py)


def pick_originals(docs, rng, n, max_jaccard):
    order = list(range(len(docs)))
    rng.shuffle(order)
    index = mutate.ShingleIndex()
    picked, n_dropped = [], 0
    for i in order:
        if len(picked) >= n:
            break
        s = mutate.shingles(docs[i]["text"])
        if index.max_jaccard(s) > max_jaccard:
            n_dropped += 1
            continue
        index.add(s)
        picked.append(docs[i])
    return picked, n_dropped


def shift_date(date, rng):
    """Reuters dates look like '26-FEB-1987 15:01:01.79'; copies move the time a little."""
    if len(date) < 20 or rng.random() < 0.5:
        return date
    return date[:12] + "%02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59)) + date[17:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n-originals", type=int, default=2000)
    ap.add_argument("--copy-fraction", type=float, default=0.5,
                    help="share of originals that get copies (default 0.5)")
    ap.add_argument("--max-copies", type=int, default=5)
    ap.add_argument("--min-words", type=int, default=40)
    ap.add_argument("--max-jaccard", type=float, default=0.3,
                    help="drop originals this close to an already picked one (default 0.3)")
    ap.add_argument("--input", default=mutate.REUTERS)
    ap.add_argument("--out-dir", default="bench/data/near")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    docs = mutate.load_reuters(args.input, args.min_words)
    originals, n_dropped = pick_originals(docs, rng, args.n_originals, args.max_jaccard)
    if len(originals) < args.n_originals:
        print("make_near_corpus: only %d distinct originals available" % len(originals),
              file=sys.stderr)

    records, recipes = [], {}
    n_with_copies = 0
    for d in originals:
        story = d["id"]
        records.append({"text": d["text"], "date": d.get("date", ""),
                        "title": d.get("title", ""), "story": story, "recipe": "original"})
        if rng.random() >= args.copy_fraction:
            continue
        n_with_copies += 1
        for _ in range(rng.randint(1, args.max_copies)):
            text, recipe = mutate.make_copy(d["text"], rng, d.get("title", ""))
            recipes[recipe] = recipes.get(recipe, 0) + 1
            records.append({"text": text, "date": shift_date(d.get("date", ""), rng),
                            "title": d.get("title", ""), "story": story, "recipe": recipe})
    rng.shuffle(records)

    os.makedirs(args.out_dir, exist_ok=True)
    corpus = os.path.join(args.out_dir, "corpus.jsonl")
    gold = os.path.join(args.out_dir, "gold.tsv")
    with open(corpus, "w", encoding="utf-8") as fc, open(gold, "w", encoding="utf-8") as fg:
        fg.write("# id\tcluster (make_near_corpus.py --seed %d)\n" % args.seed)
        for k, r in enumerate(records):
            doc_id = "nd-%06d" % k
            fc.write(json.dumps({"id": doc_id, "text": r["text"], "date": r["date"],
                                 "title": r["title"]}, ensure_ascii=False) + "\n")
            fg.write("%s\t%s\n" % (doc_id, r["story"]))

    manifest = {
        "seed": args.seed, "source": os.path.basename(args.input),
        "n_documents": len(records), "n_originals": len(originals),
        "n_originals_with_copies": n_with_copies, "n_copies": len(records) - len(originals),
        "n_candidates_dropped_as_near_duplicates": n_dropped,
        "max_jaccard": args.max_jaccard, "min_words": args.min_words,
        "copy_fraction": args.copy_fraction, "max_copies": args.max_copies,
        "copies_by_recipe": dict(sorted(recipes.items())),
    }
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("make_near_corpus: %d documents (%d originals, %d with copies, %d copies) -> %s"
          % (len(records), len(originals), n_with_copies, len(records) - len(originals),
             args.out_dir), file=sys.stderr)


if __name__ == "__main__":
    main()
