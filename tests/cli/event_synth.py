#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The event level's synthetic collection (tests/cli/event_level.sh), written for the test:
#   event_synth.py OUT [one|lone]   (one|lone: with one more text, below)
import json, sys, random

# Two version families reporting one event in independent words, an unrelated text, and
# background texts (the IDF needs a collection).
A1 = ("Floodwaters from the Marrow River broke through the old levee at Dunmore early on "
      "Tuesday, forcing about 1,200 residents from their homes. Emergency crews in boats "
      "carried families from rooftops along Quarry Street while the water kept rising. The "
      "county sheriff said two people were missing and a shelter opened at the Dunmore "
      "high school gymnasium. Officials blamed three days of heavy rain upstream.")
A2 = ("Floodwaters from the Marrow River broke through the old levee at Dunmore early on "
      "Tuesday, forcing about 1,200 residents from their homes. Emergency crews in boats "
      "carried families from rooftops along Quarry Street while the water kept rising.")
B1 = ("Dunmore evacuated: the swollen river overwhelmed a levee in the town before dawn, "
      "and more than a thousand people fled rising water. Rescuers using boats pulled "
      "residents off roofs; the sheriff reported two people unaccounted for. A gymnasium at "
      "the local high school became a shelter. Forecasters had warned of rainfall upstream "
      "all week.")
B2 = ("Dunmore evacuated: the swollen river overwhelmed a levee in the town before dawn, "
      "and more than a thousand people fled rising water. Rescuers using boats pulled "
      "residents off roofs; the sheriff reported two people unaccounted for. A gymnasium at "
      "the local high school became a shelter. Forecasters had warned of rainfall upstream "
      "all week. "
      "Updated with the shelter's location.")
C = ("The Halvorsen orchestra opened its winter season with a program of Sibelius and a new "
     "cello concerto by a young Estonian composer, drawing a full house and long applause at "
     "the renovated concert hall on Friday evening.")
words = ("market trade price bank council school road bridge festival museum library garden "
         "harvest farmer factory engine railway station harbour ship weather storm election "
         "vote minister court judge police fire hospital doctor nurse teacher student film "
         "music painter novel poet theatre stadium match goal coach player season league "
         "budget tax company profit share investor airline airport flight hotel tourist "
         "beach mountain forest lake island village city county region province").split()
rnd = random.Random(7)
# the families interleaved in input order (the report must still list them apart)
docs = [("a-orig", A1, "2024-03-05"), ("b-copy", B2, "2024-03-06"),
        ("a-cut", A2, "2024-03-05"), ("b-orig", B1, "2024-03-05"),
        ("other", C, "2024-03-05")]
glue = "the a of in on and to for with at by from was is were has said after".split()
for i in range(60):
    t = " ".join(rnd.choice(words) + " " + rnd.choice(glue) for _ in range(30)) + "."
    docs.append(("bg%02d" % i, t, "2024-0%d-1%d" % (1 + i % 9, i % 10)))
# one: a short text that shares one word with the flood (the town) and nothing else of it;
# lone: a text alone that names the town and its school among twenty other words (two terms
# shared, a weak cosine): the refinement's rules for moving a family (story_event.c)
EXTRA = {"one": "Dunmore market trade price bank council",
         "lone": "Dunmore market trade price bank council school road bridge festival museum "
                 "library garden harvest farmer factory engine railway station harbour"}
if len(sys.argv) > 2:
    docs.append(("x-" + sys.argv[2], EXTRA[sys.argv[2]], "2024-03-05"))
with open(sys.argv[1], "w") as f:
    for i, t, d in docs:
        f.write(json.dumps({"id": i, "text": t, "date": d}) + "\n")
