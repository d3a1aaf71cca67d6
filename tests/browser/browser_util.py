# SPDX-License-Identifier: MIT
"""Helpers for the browser tests: headless Chromium through Selenium, with every alert and
console message recorded. Env: REPRINT, SRCDIR, OUTDIR, CHROMIUM, CHROMEDRIVER."""
import os
import shutil
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

REPRINT = os.environ["REPRINT"]
SRCDIR = os.environ["SRCDIR"]
OUTDIR = os.environ.get("OUTDIR") or os.path.dirname(REPRINT)
SHARED = os.environ.get("SHARED") or os.path.join(SRCDIR, "..", "shared")

# Installed before any page script runs: a page that calls alert/confirm/prompt or opens a
# window is caught even if the dialog would be dismissed.
HOOK = """
window.__dialogs = [];
['alert', 'confirm', 'prompt', 'open', 'print'].forEach(function (f) {
  window[f] = function (m) { window.__dialogs.push(f + ':' + m); };
});
"""


class Failures:
    """Collect failed checks so that one run reports all of them (and still saves its
    screenshots); fail at the end."""

    def __init__(self, name):
        self.name, self.errors = name, []

    def check(self, cond, msg):
        if not cond:
            self.errors.append(msg)
            print("FAIL: %s" % msg, file=sys.stderr)
        return cond

    def done(self):
        if self.errors:
            print("%s: %d check(s) failed" % (self.name, len(self.errors)), file=sys.stderr)
            sys.exit(1)
        print("%s: ok" % self.name)


def browser(width=1400, height=1000):
    o = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=%d,%d" % (width, height), "--hide-scrollbars",
              "--force-device-scale-factor=1", "--lang=en-US"):
        o.add_argument(a)
    o.binary_location = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    svc = Service(shutil.which(os.environ.get("CHROMEDRIVER", "chromedriver")))
    d = webdriver.Chrome(service=svc, options=o)
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    return d


def open_report(d, path, timeout=60):
    """Load a report; returns seconds until its script marked the page ready."""
    t = time.time()
    d.get("file://" + os.path.abspath(path))
    WebDriverWait(d, timeout).until(
        lambda x: x.execute_script("return document.documentElement.dataset.ready") == "1")
    return time.time() - t


def console_errors(d):
    return [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]


def reprint(*args, cwd=None):
    t = time.time()
    r = subprocess.run([REPRINT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, cwd=cwd)
    if r.returncode not in (0, 1):
        sys.exit("reprint %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    return time.time() - t


def scroll_into_view(d, css):
    d.execute_script("document.querySelector(arguments[0]).scrollIntoView()", css)
