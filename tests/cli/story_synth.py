#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A synthetic news collection for the story and reuse levels (made-up words, no real text):
# 300 background stories, and one story S in four versions:
#   s-orig     the original, dated day 0
#   s-cut      its first 7 of 12 paragraphs (a partial reprint), day 0
#   s-rewrite  every sentence reworded (half the common words replaced, order shuffled),
#              the names and numbers kept, day 1
#   s-other    the same template with different actors and numbers (another story), day 1
# Every page carries boilerplate lines (a share line, an ad marker, a byline).
import json, random, sys

rng = random.Random(7)
syll = ["ka", "lo", "mi", "tu", "ra", "ve", "no", "si", "pe", "da", "gu", "fo", "ze", "bi"]
def word(n):
    return "".join(rng.choice(syll) for _ in range(n))
vocab = sorted({word(rng.randint(2, 4)) for _ in range(4000)})
names = sorted({word(3).capitalize() for _ in range(400)})
weights = [1.0 / (i + 1) ** 0.9 for i in range(len(vocab))]

def sentence(actors, nums, k):
    ws = rng.choices(vocab, weights, k=k)
    ws[rng.randrange(k)] = rng.choice(actors)
    if nums and rng.random() < 0.5:
        ws.insert(rng.randrange(k), str(rng.choice(nums)))
    return " ".join(ws).capitalize() + "."

def story(actors, nums, paras=12):
    return [" ".join(sentence(actors, nums, rng.randint(10, 18)) for _ in range(3))
            for _ in range(paras)]

def page(paras):
    lines = ["Share this article with your friends and family today"]
    for i, p in enumerate(paras):
        lines.append(p)
        if i == 3: lines.append("Advertisement")
    lines.append("Reporting by the newsroom staff; editing by the desk")
    return "\n".join(lines)

out = open(sys.argv[1], "w")
def emit(i, day, title, paras):
    out.write(json.dumps({"id": i, "date": "2026-03-%02d" % (1 + day), "title": title,
                          "text": page(paras)}) + "\n")

for k in range(300):
    actors = rng.sample(names, 4)
    emit("bg-%03d" % k, rng.randint(0, 20), " ".join(rng.sample(vocab, 5)),
         story(actors, [rng.randint(10, 999) for _ in range(3)], rng.randint(4, 12)))
actors, nums = rng.sample(names, 4), [rng.randint(1000, 9999) for _ in range(3)]
s = story(actors, nums)
title = "%s and %s in %s talks" % (actors[0], actors[1], actors[2])
emit("s-orig", 0, title, s)
emit("s-cut", 0, title, s[:7])
def reword(p):
    out_s = []
    for sent in p.split(". "):
        ws = sent.rstrip(".").split()
        ws = [w if (w[0].isupper() or w.isdigit() or rng.random() < 0.5) else
              rng.choices(vocab, weights)[0] for w in ws]
        out_s.append(" ".join(ws))
    rng.shuffle(out_s)
    return ". ".join(out_s) + "."
emit("s-rewrite", 1, title.replace("talks", "meeting"), [reword(p) for p in s])
others = rng.sample([n for n in names if n not in actors], 4)
onums = [rng.randint(1000, 9999) for _ in range(3)]
def retarget(p):
    ws = p.split()
    res = []
    for w in ws:
        core = w.rstrip(".")
        tail = w[len(core):]
        if core in actors: core = others[actors.index(core)]
        elif core.isdigit(): core = str(rng.choice(onums))
        elif rng.random() < 0.5: core = rng.choices(vocab, weights)[0]
        res.append(core + tail)
    return " ".join(res)
emit("s-other", 1, "%s and %s in %s talks" % (others[0], others[1], others[2]),
     [retarget(p) for p in s])
