#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Word lists for reprint's cross-language evidence, extracted from the FreeDict dictionaries
Debian installs (`dict-freedict-*`, dictd format: a `.index` of headword, base64 offset and
length into a gzip `.dict.dz`).

    lexicon.py DICTD_DIR OUT_DIR

writes OUT_DIR/<code>.tsv for every language with a dictionary into or out of English
(`freedict-xxx-eng` read forward, `freedict-eng-xxx` read backwards): one line per word,
`word<TAB>english`, the word as the dictionary spells it (reprint normalizes both sides as
it normalizes a text), the first one-word English rendering of its first senses; then, for a
dictionary between two other languages (deu-rus), the words of one rendered through the
English of the other's words. Only words
of one token on both sides are kept: reprint maps a text token by token. Codes are ISO 639-1
(what the language identifier gives). Languages with no file link on names, numbers and
transliteration alone. Run at configure time (CMakeLists.txt); parsing a 100 MB dictionary
at every run would cost more than the run (deu-eng: 2.5 s)."""
import base64
import gzip
import os
import re
import sys

# ISO 639-3 (FreeDict) -> ISO 639-1 (CLD2's LanguageCode)
CODES = {"afr": "af", "ara": "ar", "bul": "bg", "ces": "cs", "cym": "cy", "dan": "da",
         "deu": "de", "ell": "el", "epo": "eo", "fin": "fi", "fra": "fr", "gle": "ga",
         "hin": "hi", "hrv": "hr", "hun": "hu", "ind": "id", "isl": "is", "ita": "it",
         "jpn": "ja", "lat": "la", "lit": "lt", "nld": "nl", "nor": "no", "pol": "pl",
         "por": "pt", "rom": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "spa": "es",
         "srp": "sr", "swe": "sv", "swh": "sw", "tur": "tr"}
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SKIP = ("synonyms:", "see:", "note:", "antonyms:", "see also", "[")
ARTICLES = ("to ", "the ", "a ", "an ")
# Dictionaries between two other languages that made the lists worse where measured
# (tests/shared/translations.sh): never read, so that a machine where they happen to be
# installed builds the same lists. fra-rus, jpn-rus: WMT21 ru-en among 3,000 Reuters stories,
# pairwise precision 0.866 -> 0.767; jpn-deu, jpn-fra: de-fr F1 0.930 -> 0.920.
WORSE = ("fra-rus", "jpn-rus", "jpn-deu", "jpn-fra")


def b64(s):
    v = 0
    for c in s:
        v = v * 64 + B64.index(c)
    return v


def entries(dictd, name):
    """(headword, [translation line, ...]) of one dictionary."""
    with gzip.open(os.path.join(dictd, name + ".dict.dz"), "rb") as f:
        data = f.read()
    with open(os.path.join(dictd, name + ".index"), encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("00"):
                continue
            try:
                off, size = b64(parts[1]), b64(parts[2])
            except ValueError:
                continue
            body = data[off:off + size].decode("utf-8", "replace").split("\n")[1:]
            yield parts[0], body


def renderings(body, limit=3):
    """The first one-word renderings of an entry's senses (lines of translations)."""
    out = []
    for line in body:
        s = line.strip()
        if not s or s.lower().startswith(SKIP) or s[0] in "(\"{<":
            continue
        s = re.sub(r"^\d+\.\s*", "", s)
        s = re.sub(r"\([^)]*\)|<[^>]*>|\[[^\]]*\]|/[^/]*/", " ", s)
        for item in re.split(r"[,;]", s):
            w = " ".join(item.split()).lower()
            for a in ARTICLES:
                if w.startswith(a):
                    w = w[len(a):]
            if w and " " not in w and not any(c.isdigit() for c in w) and w not in out:
                out.append(w)
            if len(out) >= limit:
                return out
        if out:  # a gloss often follows the translation line: only the first line that gave one
            return out
    return out


def one_word(w):
    w = w.strip().lower()
    return w if w and " " not in w and len(w) < 64 else None


def main():
    dictd, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    names = sorted(n[:-len(".index")] for n in os.listdir(dictd)
                   if n.startswith("freedict-") and n.endswith(".index"))
    lex = {}
    for name in names:  # forward first: a language's own dictionary wins over an inverted one
        src, dst = name[len("freedict-"):].split("-")[:2]
        if dst != "eng" or src not in CODES:
            continue
        m = lex.setdefault(CODES[src], {})
        for head, body in entries(dictd, name):
            w = one_word(head)
            r = renderings(body, 1)
            if w and r and w not in m:
                m[w] = r[0]
    for name in names:
        src, dst = name[len("freedict-"):].split("-")[:2]
        if src != "eng" or dst not in CODES:
            continue
        m = lex.setdefault(CODES[dst], {})
        for head, body in entries(dictd, name):
            e = one_word(head)
            if not e:
                continue
            for w in renderings(body):
                if w not in m:
                    m[w] = e
    # through a third language: a word of Y rendering a word of X whose English is known
    # (deu-rus gives Russian 22,000 words where eng-rus gives 1,100); after the direct lists
    direct = {c: dict(m) for c, m in lex.items()}
    for name in names:
        src, dst = name[len("freedict-"):].split("-")[:2]
        if "eng" in (src, dst) or src not in CODES or dst not in CODES or \
                "%s-%s" % (src, dst) in WORSE:
            continue
        via = direct.get(CODES[src])
        if not via:
            continue
        m = lex.setdefault(CODES[dst], {})
        for head, body in entries(dictd, name):
            h = one_word(head)
            e = via.get(h) if h else None
            if not e:
                continue
            for w in renderings(body):
                if w not in m:
                    m[w] = e
    for code, m in sorted(lex.items()):
        tmp = os.path.join(outdir, code + ".tsv.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for w in sorted(m):
                f.write("%s\t%s\n" % (w, m[w]))
        os.replace(tmp, os.path.join(outdir, code + ".tsv"))
        print("lexicon %s: %d words" % (code, len(m)))


if __name__ == "__main__":
    main()
