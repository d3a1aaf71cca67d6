# SPDX-License-Identifier: MIT
"""Ctrl-C, the GIL, and memory over many runs."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import reprint
from conftest import TREE, words

BIG = textwrap.dedent("""
    import sys, time, signal, threading, os
    sys.path.insert(0, %r)
    import reprint
    docs = (("d%%d" %% i, " ".join("w%%d" %% ((i * 31 + k) %% 5000) for k in range(200)))
            for i in range(400000))
    def later():
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=later, daemon=True).start()
    t = time.time()
    try:
        for r in reprint.cluster(docs, threads=2):
            pass
        print("finished", time.time() - t)
    except KeyboardInterrupt:
        print("interrupted", round(time.time() - t, 1))
""") % os.path.join(TREE, "python")


def test_ctrl_c_interrupts_a_run():
    """SIGINT during a run raises KeyboardInterrupt promptly (serialization or the run)."""
    r = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True, timeout=120)
    assert r.stdout.startswith("interrupted"), r.stdout + r.stderr
    assert float(r.stdout.split()[1]) < 10


def test_ctrl_c_inside_the_engine():
    """SIGINT while rp_engine_run works (the GIL released): the run is cancelled."""
    from reprint import _reprint
    data = "".join('{"id":"d%d","text":"%s"}\n' % (i, words(i, 150))
                   for i in range(60000)).encode()
    e = _reprint.Engine({"level": 3, "threads": 2})
    e.add_buffer(data, "big.jsonl")
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t = time.time()
    try:
        e.run()
        finished = True
    except KeyboardInterrupt:
        finished = False
    timer.cancel()
    assert not finished and time.time() - t < 5


def test_gil_is_released():
    """Another Python thread keeps running while the engine works."""
    docs = [("d%d" % i, words(i, 200)) for i in range(20000)]  # about a second
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    th = threading.Thread(target=tick)
    th.start()
    before = len(ticks)
    list(reprint.cluster(docs, threads=1))
    stop.set()
    th.join()
    assert len(ticks) - before > 20


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_no_leak_over_1000_runs(tmp_path):
    docs = [("a", words(1)), ("b", words(1)), ("c", words(2)), {"id": "x"}]
    for _ in range(50):  # warm up allocator pools
        list(reprint.cluster(docs, threads=1))
    start = rss_kib()
    for k in range(1000):
        level = ("exact", "near", "reuse", "story")[k % 4]
        list(reprint.cluster(docs, level=level, threads=1))
        if k % 10 == 0:
            list(reprint.pairs(docs, level=level, threads=1))
        if k % 50 == 0:
            reprint.eval({"a": 1}, {"a": 1})
            with reprint.Index(tmp_path / f"ix{k}", create=True) as ix:
                ix.add(docs[:3])
    grown = rss_kib() - start
    assert grown < 20 * 1024, f"RSS grew {grown} KiB over 1000 runs"
