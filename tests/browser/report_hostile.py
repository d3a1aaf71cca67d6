# SPDX-License-Identifier: MIT
"""Documents that try to break out of the report: <script>, </script>, <img onerror>, quotes
and backslashes in ids and titles, U+2028, astral characters before the shared passage (UTF-16
offsets). The page must open no dialog, log no console error, create no element from document
data, and show the text literally; the shared passage is marked exactly."""
import json
import os
import tempfile

from selenium.webdriver.common.by import By

from browser_util import OUTDIR, Failures, browser, console_errors, open_report, reprint

EVIL = ['<script>alert(1)</script>', '</script>', '<img src=x onerror=alert(1)>',
        '"><svg onload=alert(2)>', "'; alert(3); '", '<!--', ']]>', '\u2028\u2029',
        '</script><script>alert(4)</script>']
# a passage long enough to be shared (min_passage words) and hostile itself
SHARED = ("the harbour authority said on tuesday that the fire at pier seven was put out "
          "after four hours and that no ship had been damaged " + EVIL[2] + " " + EVIL[0] +
          " while the cause of the fire is still being investigated by the police")


def docs():
    base = "Storm news. " * 3
    yield {"id": "evil-1 " + EVIL[0], "title": EVIL[2] + " headline " + EVIL[1],
           "date": "2024-05-01", "text": "\U0001F600\U0001F4F0 caf\u00e9 \u4e2d\u6587 " +
           " ".join(EVIL) + "\n\nunrelated opening words.\n\n" + SHARED + "\n\nfirst version ends here with words."}
    yield {"id": 'evil-2 "quoted" \\ back', "title": EVIL[8], "date": "2024-05-02",
           "text": base + EVIL[1] + "\n\nquite different start.\n\n" + SHARED + "\n\n" + EVIL[3] +
           " second version has another ending entirely."}
    for i in range(40):  # background, so that IDF and boilerplate have a collection
        yield {"id": "bg-%d" % i, "text": "background story number %d about %s and %s." %
               (i, ["wheat", "oil", "gold", "tin"][i % 4], ["rain", "prices", "ships"][i % 3])}


def main():
    ok = Failures("report_hostile")
    tmp = tempfile.mkdtemp(prefix="rp-browser-")
    src = os.path.join(tmp, "evil.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for o in docs():
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    html = os.path.join(OUTDIR, "report-hostile.html")
    reprint("report", "--quiet", "--level", "reuse", "-o", html, src)
    raw = open(html, encoding="utf-8").read()
    n_json = raw.count('<script type="application/json"')
    ok.check(raw.count("<script") == n_json + 1 and n_json == 2,
             "the file holds %d <script tags, %d of them JSON (expected 3 and 2)"
             % (raw.count("<script"), n_json))
    ok.check("alert(1)" not in raw.split('id="rp-data">')[0],
             "document text appears before the data block")
    d = browser()
    try:
        open_report(d, html)
        n = d.execute_script("return document.querySelectorAll('script').length")
        ok.check(n == 3, "%d script elements in the page, expected 3" % n)
        n = d.execute_script("return document.querySelectorAll("
                             "'script:not([type=\"application/json\"])').length")
        ok.check(n == 1, "%d executable script elements in the page, expected 1" % n)
        n = d.execute_script("return document.querySelectorAll('img, svg [onload], iframe')"
                             ".length")
        ok.check(n == 0, "%d elements created from document data" % n)
        items = d.find_elements(By.CSS_SELECTOR, "#list li[data-cluster]")
        ok.check(len(items) == 1, "%d clusters listed, expected 1" % len(items))
        if items:
            items[0].click()
        det = d.find_element(By.ID, "detail")
        ids = sorted(m.get_attribute("data-doc")
                     for m in det.find_elements(By.CSS_SELECTOR, "tr[data-doc]"))
        ok.check(ids == sorted(["evil-1 " + EVIL[0], 'evil-2 "quoted" \\ back']),
                 "members %r" % ids)
        text = det.text
        for s in (EVIL[0], EVIL[2], EVIL[8], "evil-1 " + EVIL[0]):
            ok.check(s in text, "%r is not shown literally" % s)
        # open by hash with the hostile ids (attribute selectors must be escaped)
        opened = d.execute_script("return window.reprintReport.open(arguments[0], arguments[1],"
                                  " arguments[2])", det.get_attribute("data-cluster"),
                                  "evil-1 " + EVIL[0], 'evil-2 "quoted" \\ back')
        ok.check(opened, "reprintReport.open with hostile ids failed")
        pa, pb = d.find_element(By.ID, "pane-a"), d.find_element(By.ID, "pane-b")
        ok.check(pa.get_attribute("data-pane-doc") == "evil-1 " + EVIL[0], "pane A doc")
        for pane in (pa, pb):
            ok.check(EVIL[0] in pane.text and EVIL[2] in pane.text,
                     "pane %s does not show the markup literally" % pane.get_attribute("id"))
            marks = d.execute_script("return Array.from(arguments[0].querySelectorAll("
                                     "'mark[data-passage]')).map(function (m) {"
                                     "return m.textContent; }).join('')", pane)
            ok.check(marks.strip() == SHARED,
                     "pane %s marks %r, expected exactly the shared passage"
                     % (pane.get_attribute("id"), marks[:80]))
        d.save_screenshot(os.path.join(OUTDIR, "report-hostile.png"))
        dialogs = d.execute_script("return window.__dialogs")
        ok.check(not dialogs, "dialogs opened: %s" % dialogs)
        errs = console_errors(d)
        ok.check(not errs, "console errors: %s" % errs)
        ok.check(d.execute_script("return typeof window.__dialogs") == "object",
                 "the dialog hook did not run")
    finally:
        d.quit()
    ok.done()


if __name__ == "__main__":
    main()
