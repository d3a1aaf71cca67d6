# SPDX-License-Identifier: MIT
"""reprint.Index: add, query, get, members, remove, stats, export, errors."""
import pytest

import reprint
from conftest import words


def test_index_roundtrip(tmp_path, corpus):
    path = tmp_path / "ix"
    with reprint.Index(path, create=True) as ix:
        out = ix.add(corpus)
        assert [r["relation"] for r in out] == ["original", "exact", "near", "unique"]
        assert ix.query([("q", words(1))])[0]["cluster"] == "a"
        assert ix.stats()["n_docs"] == 4
        assert [r["id"] for r in ix.get("a")] == ["a"]
        assert [r["id"] for r in ix.members("a")][0] == "a"
        assert ix.get("nope") == []
        assert ix.remove("a_copy") == 1
        assert [r["id"] for r in ix.export()] == ["a", "a_near", "b"]
    with reprint.Index(path, read_only=True) as ix:
        assert ix.stats()["n_docs"] == 3
        with pytest.raises(reprint.ReprintError):
            ix.add([("z", "zz")])


def test_index_same_as_batch(tmp_path, corpus):
    with reprint.Index(tmp_path / "ix", create=True) as ix:
        got = ix.add(corpus)
    assert got == list(reprint.cluster(corpus))


def test_index_errors(tmp_path, corpus):
    with pytest.raises(reprint.ReprintError, match="no index"):
        reprint.Index(tmp_path / "none")
    reprint.Index(tmp_path / "ix", create=True).close()
    with pytest.raises(reprint.ReprintError):
        reprint.Index(tmp_path / "ix", create=True)
    with pytest.raises(reprint.ReprintError):
        reprint.Index(tmp_path / "r", level="reuse", create=True)
    ix = reprint.Index(tmp_path / "ix")
    with pytest.raises(reprint.ReprintError):
        reprint.Index(tmp_path / "ix")  # the writer lock
    ix.add([("a", "one two three four five six")])
    with pytest.raises(reprint.ReprintError):
        ix.add([("a", "another text entirely here")])  # same id, other content
    with pytest.raises(TypeError):
        ix.add([3])
    ix.close()
    ix.close()
    with pytest.raises(reprint.ReprintError, match="closed"):
        ix.stats()
