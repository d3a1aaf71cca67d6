# SPDX-License-Identifier: MIT
"""End to end: the five seed versions of one AFP story mixed into 3,000 Reuters-21578 stories,
`reprint report --level story`, opened in headless Chromium. The seeds form one cluster of
five members; the side-by-side view of seeds 001 and 002 shows shared passages (<mark>) in
both panes, passage n on one side reads like passage n on the other, and scrolling one pane
brings the matching passage of the other into view. Screenshots go to OUTDIR."""
import gzip
import json
import os
import re
import sys
import tempfile
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser_util import (OUTDIR, SHARED, Failures, browser, console_errors, open_report,
                          reprint, scroll_into_view)

A, B = "001_02203d8443b8ee9e.txt", "002_9ee4c7d27894c3a3.txt"


def build_input(path):
    seeds = os.path.join(SHARED, "seeds")
    reuters = os.path.join(SHARED, "eval", "reuters21578", "reuters21578.jsonl.gz")
    if not os.path.isdir(seeds) or not os.path.exists(reuters):
        print("report_story: %s (seeds, Reuters-21578) is missing" % SHARED, file=sys.stderr)
        sys.exit(1 if os.environ.get("RP_BROWSER_REQUIRED") == "1" else 77)
    with open(path, "w", encoding="utf-8") as out:
        with gzip.open(reuters, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f):
                if n == 3000:
                    break
                out.write(line)
        for name in sorted(os.listdir(seeds)):
            with open(os.path.join(seeds, name), encoding="utf-8") as f:
                out.write(json.dumps({"id": name, "text": f.read()}) + "\n")


def words(s):
    return re.findall(r"\w+", s.lower())


def main():
    ok = Failures("report_story")
    tmp = tempfile.mkdtemp(prefix="rp-browser-")
    mix = os.path.join(tmp, "mix.jsonl")
    build_input(mix)
    html = os.path.join(OUTDIR, "report-story.html")
    secs = reprint("report", "--quiet", "--level", "story", "-o", html, mix)
    print("report_story: reprint report %.2f s, %d bytes" % (secs, os.path.getsize(html)))
    d = browser()
    try:
        t = open_report(d, html)
        print("report_story: page ready in %.2f s" % t)
        ok.check(d.execute_script("return document.querySelectorAll('script[src],link,"
                                  "img,iframe,object,embed').length") == 0,
                 "the page references external resources")
        d.save_screenshot(os.path.join(OUTDIR, "report-overview.png"))

        # find the seeds' cluster by searching one seed's id
        q = d.find_element(By.ID, "q")
        q.send_keys(A[:20])
        items = d.find_elements(By.CSS_SELECTOR, "#list li[data-cluster]")
        ok.check(len(items) == 1, "search for %s: %d clusters listed" % (A, len(items)))
        if not items:
            raise SystemExit(ok.done())
        items[0].click()
        det = d.find_element(By.CSS_SELECTOR, "#detail[data-cluster]")
        members = det.find_elements(By.CSS_SELECTOR, "#members tr[data-doc]")
        ids = sorted(m.get_attribute("data-doc") for m in members)
        print("report_story: cluster %s members %s" % (det.get_attribute("data-cluster"),
                                                      ["%s:%s" % (m.get_attribute("data-doc")[:3],
                                                                  m.get_attribute("data-relation"))
                                                       for m in members]))
        ok.check(len(members) == 5, "the seeds' cluster has %d members, expected 5" % len(members))
        ok.check(all(i[:3] in ("000", "001", "002", "003", "004") for i in ids),
                 "non-seed documents in the seeds' cluster: %s" % ids)
        rels = [m.get_attribute("data-relation") for m in members]
        ok.check(rels.count("original") == 1, "relations %s: expected one original" % rels)
        ok.check(A in ids and B in ids, "%s and %s not both in the cluster" % (A, B))
        # every member row says its language (the seeds are English web pages)
        langs = [m.find_element(By.CSS_SELECTOR, "td.lang").text for m in members]
        ok.check(langs == ["en"] * 5, "member languages %s, expected en x 5" % langs)

        # side by side: A = 001, B = 002
        for side, doc in (("a", A), ("b", B)):
            sel = det.find_element(By.CSS_SELECTOR, "select[data-side=%s]" % side)
            opts = [o for o in sel.find_elements(By.TAG_NAME, "option")
                    if o.get_attribute("data-id") == doc]
            if ok.check(len(opts) == 1, "%s not selectable on side %s" % (doc, side)):
                Select(sel).select_by_value(opts[0].get_attribute("value"))
        pa, pb = d.find_element(By.ID, "pane-a"), d.find_element(By.ID, "pane-b")
        ok.check(pa.get_attribute("data-pane-doc") == A, "pane A shows %s"
                 % pa.get_attribute("data-pane-doc"))
        ok.check(pb.get_attribute("data-pane-doc") == B, "pane B shows %s"
                 % pb.get_attribute("data-pane-doc"))
        ma = pa.find_elements(By.CSS_SELECTOR, "mark[data-passage]")
        mb = pb.find_elements(By.CSS_SELECTOR, "mark[data-passage]")
        print("report_story: %d marks in A, %d in B" % (len(ma), len(mb)))
        ok.check(len(ma) > 0 and len(mb) > 0, "no <mark> passages in one of the panes")
        na = {m.get_attribute("data-passage") for m in ma}
        nb = {m.get_attribute("data-passage") for m in mb}
        ok.check(na == nb, "passages differ between panes: %s vs %s" % (na, nb))
        # the same passage starts with the same words on both sides (UTF-16 offsets right)
        texts = d.execute_script("""
            var r = {};
            ['a', 'b'].forEach(function (s) {
              document.querySelectorAll('#pane-' + s + ' mark[data-passage]').forEach(function (m) {
                var k = s + m.dataset.passage; r[k] = (r[k] || '') + m.textContent; });
            });
            return r;""")
        for n in sorted(na & nb, key=int):
            wa, wb = words(texts["a" + n]), words(texts["b" + n])
            ok.check(wa[:3] == wb[:3] and len(wa) >= 3,
                     "passage %s: A starts %r, B starts %r" % (n, wa[:5], wb[:5]))
        # scrolling pane A to its last passage brings B's twin into view
        if ma:
            last = max(na, key=int)
            d.execute_script("""
                var p = document.getElementById('pane-a');
                p.dispatchEvent(new WheelEvent('wheel', {deltaY: 100}));
                var m = p.querySelector('mark[data-passage="' + arguments[0] + '"]');
                p.scrollTop = m.offsetTop - 10;""", last)
            time.sleep(0.3)
            vis = d.execute_script("""
                var p = document.getElementById('pane-b');
                var m = p.querySelector('mark[data-passage="' + arguments[0] + '"]');
                var top = m.offsetTop - p.scrollTop;
                return top + m.offsetHeight > 0 && top < p.clientHeight;""", last)
            ok.check(vis, "scrolling A to passage %s did not bring it into view in B" % last)
            d.execute_script("document.getElementById('pane-a').scrollTop = 0;"
                             "document.getElementById('pane-b').scrollTop = 0;")
        scroll_into_view(d, "#sbs")
        d.save_screenshot(os.path.join(OUTDIR, "report-side-by-side.png"))
        errs = console_errors(d)
        ok.check(not errs, "console errors: %s" % errs)
        dialogs = d.execute_script("return window.__dialogs")
        ok.check(not dialogs, "dialogs opened: %s" % dialogs)
    finally:
        d.quit()
    ok.done()


if __name__ == "__main__":
    main()
