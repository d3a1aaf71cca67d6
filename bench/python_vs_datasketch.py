#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""reprint from Python side by side with datasketch's MinHashLSH, in one script on the same
documents: the labelled near-duplicate corpus of bench/make_near_corpus.py (Reuters stories
with exact and near copies; gold.tsv), word 5-grams, 128 permutations, threshold 0.5.

datasketch: MinHash.bulk over lower-cased word 5-grams, MinHashLSH insert + query of every
document, union-find over the query results (what its users write). reprint:
reprint.cluster(docs, level="near") from the same dicts, its own normalization and star
clustering. Reported: wall time of each (best of --runs), pairwise precision, recall and F1
against gold. datasketch is not in the repository: give its source folder (unpacked from
../shared/peers/datasketch-*.tar.gz) with --datasketch; it runs on Debian's python3-numpy and
python3-scipy.

    python3 bench/make_near_corpus.py --seed 1 --n-originals 2000 --out-dir /tmp/near
    python3 bench/python_vs_datasketch.py --corpus /tmp/near --datasketch /tmp/ds/datasketch-1.10.0
"""
import argparse
import itertools
import json
import os
import re
import sys
import time

TREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TREE, "python"))
import reprint  # noqa: E402

WORD = re.compile(r"\w+")


def pair_scores(pred, gold):
    """Pairwise precision, recall, F1 of clusterings given as {id: label}."""
    def pairs(labels):
        groups = {}
        for i, c in labels.items():
            groups.setdefault(c, []).append(i)
        return {(a, b) if a < b else (b, a) for g in groups.values()
                for a, b in itertools.combinations(g, 2)}
    p, g = pairs(pred), pairs(gold)
    tp = len(p & g)
    prec = tp / len(p) if p else 1.0
    rec = tp / len(g) if g else 1.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def best(f, runs):
    out, t = None, []
    for _ in range(runs):
        a = time.perf_counter()
        out = f()
        t.append(time.perf_counter() - a)
    return out, min(t)


def run_reprint(docs):
    return {r["id"]: r["cluster"] for r in reprint.cluster(docs, level="near", threshold=0.5)}


def run_datasketch(docs):
    from datasketch import MinHash, MinHashLSH
    sets = []
    for d in docs:
        w = WORD.findall(d["text"].lower())
        sets.append([" ".join(w[i:i + 5]).encode() for i in range(max(1, len(w) - 4))])
    hashes = MinHash.bulk(sets, num_perm=128)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for d, m in zip(docs, hashes):
        lsh.insert(d["id"], m)
    parent = {d["id"]: d["id"] for d in docs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for d, m in zip(docs, hashes):
        for other in lsh.query(m):
            a, b = find(d["id"]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {d["id"]: find(d["id"]) for d in docs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="folder with corpus.jsonl and gold.tsv")
    ap.add_argument("--datasketch", required=True, help="datasketch source folder")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, a.datasketch)
    with open(os.path.join(a.corpus, "corpus.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    with open(os.path.join(a.corpus, "gold.tsv"), encoding="utf-8") as f:
        gold = dict(line.rstrip("\n").split("\t")[:2] for line in f
                    if "\t" in line and not line.startswith("#"))
    print(f"{len(docs)} documents, {len(set(gold.values()))} gold stories")
    print("| tool | seconds (best of %d) | pair P | pair R | pair F1 |" % a.runs)
    print("|---|---:|---:|---:|---:|")
    for name, fn in (("reprint (Python, all cores)", run_reprint),
                     ("datasketch MinHashLSH + union-find", run_datasketch)):
        pred, secs = best(lambda: fn(docs), a.runs)
        p, r, f1 = pair_scores(pred, gold)
        print(f"| {name} | {secs:.3f} | {p:.4f} | {r:.4f} | {f1:.4f} |")


if __name__ == "__main__":
    main()
