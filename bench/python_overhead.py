# SPDX-License-Identifier: MIT
"""Python overhead vs the CLI on Reuters-21578 (../shared): cluster at the near level, the
CLI writing JSON Lines to /dev/null against reprint.cluster consuming every dict, from the
file and from dicts. Target (issue 17): Python <= 1.3x the CLI.

    python3 bench/python_overhead.py [REUTERS.jsonl.gz]"""
import gzip
import json
import os
import subprocess
import sys
import time

TREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TREE, "python"))
import reprint  # noqa: E402

R = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    TREE, "..", "shared", "eval", "reuters21578", "reuters21578.jsonl.gz")


def best(f, n=3):
    t = []
    for _ in range(n):
        a = time.perf_counter()
        f()
        t.append(time.perf_counter() - a)
    return min(t)


cli = best(lambda: subprocess.run([os.path.join(TREE, "build", "reprint"), "cluster", "--quiet",
                                   "-o", "/dev/null", R], check=True))
path = best(lambda: sum(1 for _ in reprint.cluster([R])))
with gzip.open(R, "rt", encoding="utf-8") as f:
    docs = [json.loads(line) for line in f]
dicts = best(lambda: sum(1 for _ in reprint.cluster(docs)))
print(f"docs {len(docs)}  CLI {cli:.3f} s  python(path) {path:.3f} s ({path / cli:.2f}x)  "
      f"python(dicts) {dicts:.3f} s ({dicts / cli:.2f}x)")
