# SPDX-License-Identifier: MIT
# mutate.py -- text mutations shared by make_near_corpus.py and scale_corpus.py: exact copies,
# page boilerplate, typos, reflowed lines, small edits, and combinations. Stdlib only.
"""Mutations that turn a news story into a near copy.

Every function takes a random.Random so that a corpus is a pure function of its seed.
make_copy() picks a recipe and returns (text, recipe_name).
"""

import gzip
import json
import os
import re
import string
import zlib

# ---- boilerplate ------------------------------------------------------------------------

_FIRST = ["Jane", "John", "Maria", "David", "Aisha", "Kenji", "Laura", "Pedro", "Olga", "Sam",
          "Fatima", "Tom", "Ingrid", "Ravi", "Chloe", "Mehmet"]
_LAST = ["Smith", "Okafor", "Rossi", "Nguyen", "Schmidt", "Tanaka", "Garcia", "Kowalski",
         "Haddad", "Brown", "Larsen", "Costa", "Ivanova", "Patel", "Dubois", "Murphy"]
_DESKS = ["Staff Reporter", "Business Desk", "Markets Correspondent", "Reuters",
          "Senior Editor", "Economics Editor", "Wire Services", "Commodities Reporter"]
_SITES = ["The Daily Ledger", "Market Wire Online", "Global Business Post", "NewsNow",
          "The Evening Courier", "FinanceToday.com", "Metro Herald", "World Trade Journal"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_TOP = [
    "Advertisement",
    "ADVERTISEMENT",
    "Skip to main content",
    "Share this article",
    "Share on Facebook | Share on Twitter | Email",
    "Listen to this article",
    "Breaking News",
    "Home > Business > Markets",
    "Home | World | Business | Markets | Opinion",
    "This article is more than 30 years old",
    "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "This site uses cookies. Accept all | Manage preferences",
    "Menu  Search  Sign in",
    "{site}",
    "By {first} {last}",
    "By {first} {last}, {desk}",
    "{first} {last} | {desk}",
    "Published {day} {month} 1987, {hh}:{mm} GMT",
    "Updated {hh}:{mm} ET, {month} {day}",
    "Reporting by {first} {last}; Editing by {first2} {last2}",
]
_BOTTOM = [
    "Advertisement",
    "Share this article",
    "Subscribe to our newsletter",
    "Subscribe to our newsletter for the latest market news, delivered daily.",
    "Sign up for our free morning briefing.",
    "Read more: {title}",
    "Read more:",
    "Related: {title}",
    "More from {site}",
    "Comments are closed.",
    "Copyright 1987 {site}. All rights reserved.",
    "(c) {site} 1987. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "Reporting by {first} {last}; Editing by {first2} {last2}",
    "Follow us on Twitter and Facebook",
    "Click here to report an error.",
    "Accept cookies  Reject  Settings",
    "Back to top",
    "Terms of Use | Privacy Policy | Contact Us",
    "Photo: Reuters",
    "Tags: markets, economy, {tag}",
]
_TAGS = ["trade", "oil", "grain", "earnings", "acquisitions", "currency", "interest rates"]


def _fill(template, rng, title):
    words = (title or "Top stories").split()
    short_title = " ".join(words[:8]).title() if words else "Top Stories"
    return template.format(
        first=rng.choice(_FIRST), last=rng.choice(_LAST), first2=rng.choice(_FIRST),
        last2=rng.choice(_LAST), desk=rng.choice(_DESKS), site=rng.choice(_SITES),
        month=rng.choice(_MONTHS), day=rng.randint(1, 28), hh="%02d" % rng.randint(0, 23),
        mm="%02d" % rng.randint(0, 59), title=short_title, tag=rng.choice(_TAGS))


def add_boilerplate(text, rng, title=""):
    """Add 1-4 boilerplate lines at the top, the bottom or both."""
    where = rng.choice(["top", "bottom", "both", "both"])
    top = [_fill(t, rng, title) for t in rng.sample(_TOP, rng.randint(1, 3))] \
        if where in ("top", "both") else []
    bottom = [_fill(t, rng, title) for t in rng.sample(_BOTTOM, rng.randint(1, 3))] \
        if where in ("bottom", "both") else []
    sep = rng.choice(["\n", "\n\n"])
    return sep.join(top + [text.strip("\n")] + bottom) + rng.choice(["", "\n"])


# ---- typos --------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]{2,}")


def _typo(word, rng):
    i = rng.randrange(len(word))
    kind = rng.randrange(4)
    if kind == 0 and len(word) >= 2:  # swap two neighbours
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1 and len(word) >= 3:  # drop a character
        return word[:i] + word[i + 1:]
    if kind == 2:  # insert a character
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1:]  # substitute


def add_typos(text, rng, rate=None):
    """Corrupt a fraction (0.5-2% unless given) of the alphabetic words."""
    rate = rng.uniform(0.005, 0.02) if rate is None else rate
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return text
    k = max(1, round(rate * len(spans)))
    picked = sorted(rng.sample(range(len(spans)), min(k, len(spans))))
    out, pos = [], 0
    for j in picked:
        a, b = spans[j]
        out.append(text[pos:a])
        out.append(_typo(text[a:b], rng))
        pos = b
    out.append(text[pos:])
    return "".join(out)


# ---- reflow -------------------------------------------------------------------------------

def _paragraphs(text):
    """Reuters paragraphs start with an indented line or follow a blank line."""
    paras, cur = [], []
    for line in text.split("\n"):
        if not line.strip():
            if cur:
                paras.append(" ".join(cur))
                cur = []
            continue
        if line.startswith((" ", "\t")) and cur:
            paras.append(" ".join(cur))
            cur = []
        cur.append(line.strip())
    if cur:
        paras.append(" ".join(cur))
    return [re.sub(r"\s+", " ", p) for p in paras]


def _wrap(para, width):
    lines, cur, n = [], [], 0
    for w in para.split(" "):
        if cur and n + 1 + len(w) > width:
            lines.append(" ".join(cur))
            cur, n = [], 0
        n += len(w) + (1 if cur else 0)
        cur.append(w)
    if cur:
        lines.append(" ".join(cur))
    return "\n".join(lines)


def reflow(text, rng):
    """Re-wrap at another width, collapse paragraphs to single lines, or join everything."""
    paras = _paragraphs(text)
    kind = rng.choice(["wrap", "wrap", "unwrap", "one-line", "indent"])
    if kind == "wrap":
        width = rng.randint(40, 110)
        return "\n\n".join(_wrap(p, width) for p in paras) + "\n"
    if kind == "unwrap":
        return "\n\n".join(paras) + "\n"
    if kind == "one-line":
        return " ".join(paras)
    width = rng.randint(55, 80)
    return "\n".join("    " + _wrap(p, width) for p in paras) + "\n"


# ---- small edits --------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_SWAPS = {"said": "stated", "company": "firm", "percent": "pct", "pct": "percent",
          "million": "mln", "mln": "million", "billion": "bln", "bln": "billion",
          "shares": "stock", "rose": "increased", "fell": "declined", "U.S.": "US",
          "would": "will", "expected": "forecast", "year": "yr"}


def drop_last_sentence(text, rng):
    """Drop the last one or two sentences (a short sign-off such as 'Reuter' does not count)
    when at least four remain; otherwise replace a word."""
    body = text.rstrip()
    cuts = [m.start() for m in _SENT_END.finditer(body)]  # ends of all but the last sentence
    n_drop = 1 if rng.random() < 0.75 else 2
    if cuts and len(body[cuts[-1]:].split()) < 4:
        n_drop += 1
    if len(cuts) + 1 - n_drop < 4:
        return replace_word(text, rng)
    return body[:cuts[-n_drop]] + "\n"


def replace_word(text, rng):
    """Replace one or two words by a near synonym or a different number."""
    out = text
    for _ in range(rng.randint(1, 2)):
        keys = [k for k in _SWAPS if re.search(r"\b%s\b" % re.escape(k), out)]
        if keys:
            k = rng.choice(keys)
            hits = [m.start() for m in re.finditer(r"\b%s\b" % re.escape(k), out)]
            at = rng.choice(hits)
            out = out[:at] + _SWAPS[k] + out[at + len(k):]
        else:
            nums = [m.span() for m in re.finditer(r"\d+", out)]
            if nums:
                a, b = rng.choice(nums)
                out = out[:a] + str(rng.randint(1, 999)) + out[b:]
    return out


def small_edit(text, rng):
    return drop_last_sentence(text, rng) if rng.random() < 0.5 else replace_word(text, rng)


# ---- recipes ------------------------------------------------------------------------------

_OPS = {"boilerplate": None, "typos": add_typos, "reflow": reflow, "edit": small_edit}
RECIPES = ["exact", "boilerplate", "typos", "reflow", "edit", "combo"]
_RECIPE_WEIGHTS = [2, 2, 2, 2, 2, 3]


def make_copy(text, rng, title=""):
    """One near copy of text: (new_text, recipe) with recipe in RECIPES, e.g. 'combo:edit+typos'."""
    recipe = rng.choices(RECIPES, weights=_RECIPE_WEIGHTS)[0]
    if recipe == "exact":
        return text, recipe
    ops = [recipe] if recipe != "combo" else \
        sorted(rng.sample(["boilerplate", "typos", "reflow", "edit"], rng.randint(2, 3)),
               key=["edit", "reflow", "typos", "boilerplate"].index)
    out = text
    for op in ops:
        out = add_boilerplate(out, rng, title) if op == "boilerplate" else _OPS[op](out, rng)
    return out, recipe if recipe != "combo" else "combo:" + "+".join(ops)


# ---- helpers for the corpus builders ------------------------------------------------------

# ../shared beside the checkout, or $REUTERS
REUTERS = os.environ.get("REUTERS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "eval", "reuters21578",
    "reuters21578.jsonl.gz")


def load_reuters(path=REUTERS, min_words=40):
    """Reuters records (dicts) whose text has at least min_words words, in file order."""
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if len((d.get("text") or "").split()) >= min_words:
                docs.append(d)
    return docs


_TOKEN = re.compile(r"\w+")


def shingles(text, k=5):
    """Word k-gram shingles as a set of 32-bit CRCs (lower-cased \\w+ tokens)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < k:
        return {zlib.crc32(" ".join(words).encode())}
    return {zlib.crc32(" ".join(words[i:i + k]).encode()) for i in range(len(words) - k + 1)}


class ShingleIndex:
    """Inverted index shingle -> picked doc numbers; exact Jaccard against the candidates."""

    def __init__(self):
        self.postings = {}
        self.sets = []

    def max_jaccard(self, s):
        counts = {}
        for h in s:
            for d in self.postings.get(h, ()):
                counts[d] = counts.get(d, 0) + 1
        best = 0.0
        for d, inter in counts.items():
            j = inter / (len(s) + len(self.sets[d]) - inter)
            best = max(best, j)
        return best

    def add(self, s):
        d = len(self.sets)
        self.sets.append(s)
        for h in s:
            self.postings.setdefault(h, []).append(d)
        return d
