# SPDX-License-Identifier: MIT
"""On the seeds-in-Reuters mix (tests/shared/python_parity.sh makes it, RP_MIX): cluster and
pairs equal the CLI's lines at every level, from the file and from the same records as dicts.
Run by `make check-shared`; fails when the mix is missing."""
import json
import os
import shutil
import subprocess
import sys

import pytest

TREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TREE, "python"))
import reprint  # noqa: E402

MIX = os.environ.get("RP_MIX", "")
CLI = os.environ.get("REPRINT", os.path.join(TREE, "build", "reprint"))
LEVELS = ["exact", "near", "reuse", "story", "event"]


def cli(*args):
    r = subprocess.run([CLI, *args, "--quiet"], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def test_mix_is_there():
    assert MIX and os.path.exists(MIX), "RP_MIX: the seeds-in-Reuters mix is missing"


@pytest.mark.parametrize("level", LEVELS)
def test_cluster_and_pairs_equal_cli(level, tmp_path):
    mix = tmp_path / "docs.jsonl"  # the buffer's name: fallback ids and details match
    shutil.copy(MIX, mix)
    os.chdir(tmp_path)
    want = cli("cluster", "--level", level, "docs.jsonl")
    assert list(reprint.cluster(["docs.jsonl"], level=level)) == want
    with open(mix, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    assert list(reprint.cluster(docs, level=level)) == want
    assert list(reprint.pairs(docs, level=level)) == cli("pairs", "--level", level,
                                                        "docs.jsonl")
