#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pieces.py OUT N SEED -- a JSON Lines corpus for the piece/restart tests (written here, no
outside text): N documents of made-up words, with exact copies, near copies (a few words
changed), copies that keep only a part, documents without an id (their id is path:line),
repeated ids, blank lines and broken lines, so that pieces cut anywhere must agree on lines,
ids, skips and clusters."""
import json
import random
import sys

out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
syll = ["ka", "lo", "mi", "ne", "ru", "ta", "so", "vi", "de", "po", "gu", "ze", "an", "or"]
vocab = ["".join(rng.choice(syll) for _ in range(rng.randint(2, 4))) for _ in range(3000)]
names = [w.capitalize() for w in vocab[:200]]


def text():
    sents = []
    for _ in range(rng.randint(3, 9)):
        ws = [rng.choice(vocab) for _ in range(rng.randint(8, 20))]
        ws[rng.randrange(len(ws))] = rng.choice(names)
        sents.append(" ".join(ws).capitalize() + ".")
    return " ".join(sents)


docs = []
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        r = rng.random()
        if r < 0.02:
            f.write("{broken line %d\n" % i)
            continue
        if r < 0.04:
            f.write("\n")
            continue
        if docs and r < 0.20:
            t = rng.choice(docs)
        elif docs and r < 0.40:
            w = rng.choice(docs).split()
            for _ in range(max(1, len(w) // 25)):
                w[rng.randrange(len(w))] = rng.choice(vocab)
            t = " ".join(w)
        elif docs and r < 0.50:
            w = rng.choice(docs).split()
            t = " ".join(w[: max(10, len(w) * 2 // 3)])
        else:
            t = text()
        docs.append(t)
        d = {"text": t, "date": "2024-03-%02d" % (1 + i % 28)}
        if rng.random() < 0.85:
            d["id"] = "doc%d" % (i if rng.random() < 0.97 else i // 2)
        f.write(json.dumps(d) + "\n")
    f.write(json.dumps({"id": "last", "text": text()}))  # no newline at the end
