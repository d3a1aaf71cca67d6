# SPDX-License-Identifier: MIT
"""Generate a small synthetic corpus for CLI tests: random 'stories' from a word list plus
exact copies, near copies (typos, boilerplate, reflow) -- text written here, no real data.
usage: gen_corpus.py OUT.jsonl GOLD.tsv [N_STORIES] [SEED]"""
import json, random, sys

out, gold = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 150
rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
syll = ["ka", "lo", "mi", "ru", "te", "sa", "po", "ne", "di", "va", "zu", "fe", "go", "hi", "ja"]
vocab = sorted({"".join(rnd.choice(syll) for _ in range(rnd.randint(1, 4))) for _ in range(6000)})
boiler = ["Advertisement", "Share this article", "Subscribe to our newsletter",
          "Read more: local news", "All rights reserved"]

def typo(w):
    if len(w) < 3: return w
    i = rnd.randrange(len(w) - 1)
    return w[:i] + w[i + 1] + w[i] + w[i + 2:]

docs, labels = [], []
for s in range(n):
    words = [rnd.choice(vocab) for _ in range(rnd.randint(60, 250))]
    text = " ".join(words)
    docs.append(("s%d" % s, text)); labels.append(("s%d" % s, s))
    for c in range(rnd.choice([0, 0, 1, 2, 3])):
        kind = rnd.choice(["exact", "typo", "boiler", "reflow"])
        w = list(words)
        if kind == "typo":
            for _ in range(max(1, len(w) // 100)):
                i = rnd.randrange(len(w)); w[i] = typo(w[i])
            t = " ".join(w)
        elif kind == "boiler":
            t = rnd.choice(boiler) + "\n" + " ".join(w) + "\n" + rnd.choice(boiler)
        elif kind == "reflow":
            t = "\n".join(" ".join(w[i:i + 9]) for i in range(0, len(w), 9))
        else:
            t = text
        docs.append(("s%d-c%d" % (s, c), t)); labels.append(("s%d-c%d" % (s, c), s))
rnd.shuffle(docs)
with open(out, "w") as f:
    for i, t in docs:
        f.write(json.dumps({"id": i, "text": t}) + "\n")
with open(gold, "w") as f:
    for i, s in labels:
        f.write("%s\tstory%d\n" % (i, s))
