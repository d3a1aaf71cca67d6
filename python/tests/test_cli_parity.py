# SPDX-License-Identifier: MIT
"""Results equal the CLI's lines, at every level, from paths and from dicts."""
import json
import os

import pytest

import reprint
from conftest import CLI, TREE, cli

NEWS = os.path.join(TREE, "samples", "news")
LEVELS = ["exact", "near", "reuse", "story", "event"]

pytestmark = pytest.mark.skipif(not os.path.exists(CLI), reason="needs the CLI: make build")


@pytest.mark.parametrize("level", LEVELS)
def test_cluster_equals_cli(level):
    assert list(reprint.cluster([NEWS], level=level)) == cli("cluster", "--level", level, NEWS)


@pytest.mark.parametrize("level", LEVELS)
def test_pairs_equals_cli(level):
    assert list(reprint.pairs([NEWS], level=level)) == cli("pairs", "--level", level, NEWS)


@pytest.mark.parametrize("level", LEVELS)
def test_dicts_equal_the_same_file(level, tmp_path):
    """Dicts in give what their JSON Lines file gives to the CLI (ids, skips, details)."""
    docs = []
    for name in sorted(os.listdir(NEWS)):
        with open(os.path.join(NEWS, name), encoding="utf-8") as f:
            docs.append({"id": name, "text": f.read(), "date": "2024-03-0%d" % (len(docs) + 1)})
    docs.append({"id": "broken"})
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    os.chdir(tmp_path)  # the file's name is then "docs.jsonl", the buffer's name
    assert list(reprint.cluster(docs, level=level)) == cli("cluster", "--level", level,
                                                           "docs.jsonl")
