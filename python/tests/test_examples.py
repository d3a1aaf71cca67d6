# SPDX-License-Identifier: MIT
"""The examples run, and do what they say."""
import os
import subprocess
import sys

import pytest

from conftest import TREE, words

EX = os.path.join(TREE, "python", "examples")
sys.path.insert(0, EX)
ENV = dict(os.environ, PYTHONPATH=os.path.join(TREE, "python"))


def run_example(name):
    r = subprocess.run([sys.executable, os.path.join(EX, name)], capture_output=True, text=True,
                       env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pandas_example():
    import pandas as pd  # python3-pandas (scripts/install-deps.sh): a failure, never a skip
    from pandas_clusters import add_clusters
    df = pd.DataFrame({"body": [words(1), words(1), words(2), None]}, index=[10, 11, 12, 13])
    out = add_clusters(df, text="body")
    assert list(out["relation"]) == ["original", "exact", "unique", "unique"]
    assert list(out["cluster"]) == ["10", "10", "12", "13"]
    assert list(out["kept"]) == [True, False, True, True]
    assert "r2" in run_example("pandas_clusters.py")


def test_datatrove_step_without_datatrove():
    from datatrove_step import Document, ReprintDedup
    docs = [Document(text=words(1), id="1"), Document(text=words(1), id="2"),
            Document(text=words(3), id="3", metadata={"src": "x"})]
    kept = list(ReprintDedup().run(docs))
    assert [d.id for d in kept] == ["1", "3"]
    assert kept[0].metadata["reprint_cluster"] == "1" and kept[0].metadata["reprint_dropped"] == 1
    assert kept[1].metadata == {"src": "x", "reprint_cluster": "3", "reprint_relation": "unique",
                                "reprint_dropped": 0}
    assert len(list(ReprintDedup(keep_all=True)(docs))) == 3
    assert "reprint_cluster" in run_example("datatrove_step.py")
