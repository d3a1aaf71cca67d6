# SPDX-License-Identifier: MIT
"""The HTML report without a browser (runs in `make check`): the embedded JSON parses, no data
block can be closed early, every passage offset (UTF-16 units) selects exactly the bytes that
`reprint pairs` reports (emoji, CJK, combining marks, invalid UTF-8 before the passage), the
page is deterministic and the same from `report` and `cluster --report`, notes for capped
and near-level reports, and bad options are refused. Env: REPRINT, SRCDIR."""
import json
import os
import re
import subprocess
import sys
import tempfile

REPRINT = os.environ["REPRINT"]
errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
        print("FAIL: " + msg, file=sys.stderr)


def run(*args, ok=(0, 1)):
    r = subprocess.run([REPRINT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in ok:
        sys.exit("reprint %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr[-500:]))
    return r


def blocks(html):
    """{'rp-data': obj, 'rp-t-0': obj, ...} from the JSON script blocks."""
    out = {}
    for m in re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html,
                         re.S):
        check("<" not in m.group(2), "a '<' inside JSON block %s" % m.group(1))
        out[m.group(1)] = json.loads(m.group(2))
    return out


STORY = ("the river ferry service between the two harbours will stop for the whole winter "
         "season because the old engines must be replaced, the operator said in a statement")


def corpus(d):
    """Text files (raw bytes, so that invalid UTF-8 reaches the report) sharing STORY."""
    prefixes = [b"\xf0\x9f\x98\x80\xf0\x9f\x93\xb0 emoji first. ",          # astral: 2 units
                "中文 的 报道 首先. ".encode("utf-8"),                           # CJK: 3 bytes, 1 unit
                "Cafe\u0301 noe\u0308l \u00e9t\u00e9. ".encode("utf-8"),       # combining marks
                b"bad \x80\xbf bytes \xbf here. ",                              # invalid UTF-8
                b"<script>alert(1)</script> </script> & \"quotes\". "]
    for i, p in enumerate(prefixes):
        body = p + b"\n\n" + STORY.encode() + (" ending %d is its own." % i).encode()
        with open(os.path.join(d, "doc%d.txt" % i), "wb") as f:
            f.write(body)
    for i in range(30):
        with open(os.path.join(d, "bg%02d.txt" % i), "w") as f:
            f.write("unrelated note %d about %s and the %s." % (
                i, ["tea", "coal", "salt"][i % 3], ["market", "weather"][i % 2]))


def main():
    tmp = tempfile.mkdtemp(prefix="rp-static-")
    src = os.path.join(tmp, "in")
    os.mkdir(src)
    corpus(src)
    h1, h2, h3 = (os.path.join(tmp, n) for n in ("r1.html", "r2.html", "r3.html"))
    run("report", "-q", "--level", "reuse", "-o", h1, src)
    run("report", "-q", "--level", "reuse", "-o", h2, src)
    run("cluster", "-q", "--level", "reuse", "--report", h3, "-o", os.path.join(tmp, "c.jsonl"),
        src)
    b1 = open(h1, "rb").read()
    check(b1 == open(h2, "rb").read(), "two runs gave different reports")
    check(b1 == open(h3, "rb").read(), "report and cluster --report differ")
    html = b1.decode("utf-8")
    check(html.count("<script") == html.count('<script type="application/json"') + 1,
          "an unexpected <script> in the page")
    check(not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", html), "an external reference")
    B = blocks(html)
    D = B["rp-data"]
    docs = [x[0] for x in D["docs"]]
    check(D["level"] == "reuse" and D["texts"] == 1, "level/texts fields")
    check(len(D["clusters"]) == 1, "%d clusters, expected 1" % len(D["clusters"]))
    texts = {}
    for k, c in enumerate(D["clusters"]):
        t = B.get("rp-t-%d" % k)
        check(t is not None and len(t) == len(c["m"]), "text block of cluster %d" % k)
        for i, d in enumerate(c["m"]):
            texts[d] = t[i][0]
    check(sorted(docs) == ["doc%d.txt" % i for i in range(5)], "members %s" % docs)
    # byte offsets from `reprint pairs` vs the UTF-16 offsets in the page
    pairs = [json.loads(l) for l in run("pairs", "-q", "--level", "reuse", src).stdout.splitlines()]
    raw = {n: open(os.path.join(src, n), "rb").read() for n in docs}
    want = {}
    for p in pairs:
        want[(p["a"], p["b"])] = [(raw[p["a"]][q["a"][0]:q["a"][1]], raw[p["b"]][q["b"][0]:q["b"][1]])
                                  for q in p["passages"]]
    n_checked = 0
    for pr in D["pairs"]:
        a, b = docs[pr[0]], docs[pr[1]]
        ua, ub = texts[pr[0]].encode("utf-16-le"), texts[pr[1]].encode("utf-16-le")
        got = []
        for j in range(0, len(pr[12]), 5):
            s = pr[12][j:j + 4]
            got.append((ua[2 * s[0]:2 * s[1]].decode("utf-16-le"),
                        ub[2 * s[2]:2 * s[3]].decode("utf-16-le")))
        w = want.get((a, b))
        if w is None:
            continue
        w = [(x.decode("utf-8", "replace"), y.decode("utf-8", "replace")) for x, y in w]
        check(got == w, "passages of %s/%s: page %r, pairs %r" % (a, b, got[:1], w[:1]))
        n_checked += 1
        check(any(STORY[:40] in g[0] for g in got), "%s/%s: STORY not marked" % (a, b))
    check(n_checked >= 4, "only %d pairs compared with `reprint pairs`" % n_checked)
    # the literal markup survives as data
    check(any("<script>alert(1)</script>" in t for t in texts.values() if t),
          "hostile text not in the data")
    # near level: no texts, a note; capped: a note
    h4 = os.path.join(tmp, "r4.html")
    run("report", "-q", "--level", "near", "--report-max-clusters", "1", "-o", h4, src)
    html4 = open(h4, encoding="utf-8").read()
    check('data-note="no-texts"' in html4, "near-level report lacks the no-texts note")
    D4 = blocks(html4)["rp-data"]
    check(D4["texts"] == 0 and D4["pairs"] == [], "near-level report has texts or pairs")
    run("report", "-q", "--level", "story", "--report-max-clusters", "1", "-o", h4,
        os.path.join(src, "doc0.txt"), src)
    html4 = open(h4, encoding="utf-8").read()
    D4 = blocks(html4)["rp-data"]
    check(D4["n_embedded"] <= 1, "--report-max-clusters 1 embedded %d" % D4["n_embedded"])
    if D4["n_clusters"] > 1:
        check('data-note="capped"' in html4, "capped report lacks the note")
    r = run("report", "--report-max-clusters", "x", src, ok=(2,))
    check(b"--report-max-clusters" in r.stderr, "bad --report-max-clusters message")
    if errors:
        sys.exit("static_report: %d check(s) failed" % len(errors))
    print("static_report: ok (%d pairs checked against reprint pairs)" % n_checked)


if __name__ == "__main__":
    main()
