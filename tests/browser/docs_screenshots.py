# SPDX-License-Identifier: MIT
"""Regenerate the report screenshots of the documentation (docs/img/) from the made-up corpus
of demo_corpus.py (no third-party text). Not a test. Usage, from the source tree:
  REPRINT=build/reprint SRCDIR=. /usr/bin/python3 tests/browser/docs_screenshots.py [OUTDIR]"""
import os
import sys
import tempfile
import time

from browser_util import SRCDIR, browser, open_report, reprint, scroll_into_view
import demo_corpus


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRCDIR, "docs", "img")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="rp-docs-")
    src, html = os.path.join(tmp, "demo.jsonl"), os.path.join(tmp, "demo-report.html")
    demo_corpus.main(src)
    reprint("report", "--quiet", "--level", "story", "-o", html, "demo.jsonl", cwd=tmp)
    d = browser(1400, 900)
    try:
        open_report(d, html)
        d.execute_script("window.reprintReport.open('wire-0001', 'wire-0001',"
                         " 'courier-bridge-shut')")
        d.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        d.save_screenshot(os.path.join(out, "report-overview.png"))
        scroll_into_view(d, "#detail")
        time.sleep(0.2)
        d.save_screenshot(os.path.join(out, "report-cluster.png"))
        d.execute_script("window.reprintReport.open('wire-0001', 'courier-bridge-shut',"
                         " 'northbank-news-12')")
        scroll_into_view(d, "#sbs")
        time.sleep(0.2)
        d.save_screenshot(os.path.join(out, "report-side-by-side.png"))
    finally:
        d.quit()
    print("docs_screenshots: wrote %s/report-{overview,cluster,side-by-side}.png" % out)


if __name__ == "__main__":
    main()
