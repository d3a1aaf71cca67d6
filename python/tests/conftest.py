# SPDX-License-Identifier: MIT
"""Shared fixtures: the tree, the CLI built next to it, a small corpus."""
import os
import subprocess
import sys

import pytest

TREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TREE, "python"))  # the extension built in place

CLI = os.path.join(os.environ.get("REPRINT_BUILD_DIR", os.path.join(TREE, "build")), "reprint")


def words(seed: int, n: int = 120) -> str:
    return " ".join(f"w{(seed * 7919 + i * 104729) % 100003}" for i in range(n))


@pytest.fixture
def corpus():
    """a, an exact copy, a near copy (3 words changed), an unrelated document."""
    a = words(1)
    near = a.split()
    for i in (10, 50, 90):
        near[i] = "zz"  # shorter: a stays the longest, the original
    return [("a", a), ("a_copy", a.upper()), ("a_near", " ".join(near)), ("b", words(2))]


def cli(*args: str) -> list:
    import json
    r = subprocess.run([CLI, *args, "--quiet"], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr  # 1: some documents were skipped
    out = r.stdout
    return [json.loads(line) for line in out.splitlines()]
