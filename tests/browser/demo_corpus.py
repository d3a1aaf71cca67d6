# SPDX-License-Identifier: MIT
"""A made-up corpus for the report's documentation screenshots (docs/img/): five versions of
one invented local-news story (a wire original, two reprints with site boilerplate, a cut, a
rewrite with other numbers and a misspelt name) among 300 invented background stories (and
edited copies of some of them).
Every sentence here is written for this file. Usage: demo_corpus.py OUT.jsonl"""
import json
import random
import sys

BOILER = ["Subscribe to the Lindenport Courier for 1 euro a month.",
          "Share this article", "Follow us for more local news and weather.",
          "(c) Lindenport Courier. All rights reserved."]

WIRE = """LINDENPORT, March 4 - The Lindenport harbour bridge was closed to all traffic on Monday after engineers found cracks in two of its steel supports, the city council said.

Mayor Ilse Varga said the bridge would stay closed for at least 42 days while the supports are repaired, and that ferries would run every 20 minutes between the old town and the northern quarter in the meantime.

"Nobody was hurt and the bridge is not in danger of falling, but we will not take any risks with people's safety," Varga told reporters at the town hall.

About 18,000 vehicles cross the bridge every day. Local businesses on the northern bank said they feared losing customers during the closure, and the chamber of commerce asked the council for help.

The inspection was ordered after a lorry struck one of the supports in January. Engineers from the Technical University of Aldenburg are expected to present a repair plan by the end of the week.

The council will meet on Thursday to vote on emergency funding of 3.5 million euros for the repairs."""

REPRINT_INTRO = """Harbour bridge shut: what drivers need to know

Commuters faced long queues on Monday morning."""

REWRITE = """Lindenport's harbour bridge shut for weeks over cracked supports

Cracks discovered in two steel supports have forced the closure of the harbour bridge in Lindenport, city officials announced on Monday.

The closure is expected to last for 40 days, according to mayor Ilse Warga, who said that extra ferries would link the old town with the northern quarter every 20 minutes until the work is finished.

She stressed that the structure was safe and that no one had been injured, adding that the city "will not take any risks with people's safety".

Some 18,000 cars and lorries use the crossing daily, and traders on the northern bank have warned that the closure could hit their takings hard.

The council is due to vote on Thursday on 4 million euros in emergency money."""

SYLL = ["ka", "lo", "ren", "mi", "tas", "vel", "or", "an", "dri", "su", "pem", "ho", "gal",
        "ti", "nor", "be", "lun", "sa", "ek", "ma", "wo", "fen", "ri", "tu"]


def word(rng):
    return "".join(rng.choice(SYLL) for _ in range(rng.randint(1, 3)))


def background(rng, vocab, i):
    """An invented story in an invented language: no passage or salient term in common with
    the others beyond chance."""
    sents = []
    for _ in range(rng.randint(4, 9)):
        w = [rng.choice(vocab) for _ in range(rng.randint(8, 18))]
        sents.append(" ".join(w).capitalize() + ".")
    title = " ".join(rng.choice(vocab) for _ in range(4)).capitalize()
    text = "\n\n".join(" ".join(sents[j:j + 2]) for j in range(0, len(sents), 2))
    if i % 3 == 0:  # site boilerplate on a third of the background
        text = BOILER[0] + "\n\n" + text + "\n\n" + BOILER[1] + "\n" + BOILER[3]
    return {"id": "bg-%03d" % i, "title": title,
            "date": "2024-03-%02d" % rng.randint(1, 9), "text": text}


def main(out):
    rng = random.Random(7)
    paras = WIRE.split("\n\n")
    docs = [
        {"id": "wire-0001", "title": "Lindenport harbour bridge closed after cracks found",
         "date": "2024-03-04T09:12:00Z", "text": WIRE},
        {"id": "courier-bridge-shut", "title": "Harbour bridge shut: what drivers need to know",
         "date": "2024-03-04T11:40:00Z",
         "text": BOILER[0] + "\n\n" + REPRINT_INTRO + "\n\n" + "\n\n".join(paras[:5]) +
         "\n\n" + BOILER[1] + "\n" + BOILER[2] + "\n" + BOILER[3]},
        {"id": "morning-brief-0305", "title": "Morning brief: bridge closure",
         "date": "2024-03-05T06:00:00Z", "text": "\n\n".join(paras[:2])},
        {"id": "weekly-rewrite-77", "title": "Harbour bridge shut for weeks over cracked supports",
         "date": "2024-03-06T15:30:00Z", "text": REWRITE},
        {"id": "northbank-news-12", "title": "Bridge closed, northern bank traders worried",
         "date": "2024-03-05T18:05:00Z",
         "text": BOILER[0] + "\n\n" + "\n\n".join(paras[3:] + paras[:2]) + "\n\n" +
         BOILER[2] + "\n" + BOILER[3]},
    ]
    vocab = sorted({word(rng) for _ in range(4000)})
    bg = [background(rng, vocab, i) for i in range(300)]
    for i in range(0, 90, 3):  # copies of some background stories: edited, cut, retitled
        for c in range(rng.choice([1, 1, 1, 2, 2, 3, 5])):
            w = bg[i]["text"].split(" ")
            for _ in range(rng.randint(1, 12)):
                w[rng.randrange(len(w))] = rng.choice(vocab)
            if c % 2:
                w = w[:max(30, len(w) * 2 // 3)]
            bg.append({"id": "bg-%03d-copy%d" % (i, c + 1), "title": bg[i]["title"],
                       "date": "2024-03-%02d" % rng.randint(1, 9), "text": " ".join(w)})
    rng.shuffle(bg)
    with open(out, "w", encoding="utf-8") as f:
        for o in bg[:150] + docs + bg[150:]:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
