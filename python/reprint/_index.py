# SPDX-License-Identifier: MIT
"""reprint.Index: the persistent index (rp_index.h), from Python."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, Iterator, List, Optional

from . import _reprint


class Index:
    """A persistent index (an LMDB folder) that assigns each incoming document to its cluster.

    ``Index(path, level="near", create=False, **options)`` opens the index in folder
    ``path``; with ``create=True`` it makes a new one there first (the level and options are
    fixed for its life: exact, near or story). Options are those of :func:`reprint.cluster`.
    ``read_only=True`` opens without the writer lock. Use it as a context manager, or call
    :meth:`close`; only one process may write to an index at a time.

    Results are dicts with the fields of ``reprint cluster`` lines (``id``, ``cluster``,
    ``relation``, ``of``, ``score``, and ``skipped``/``detail`` for unreadable documents).
    """

    def __init__(self, path: "str | os.PathLike[str]", level: str = "near",
                 create: bool = False, read_only: bool = False, **options: Any) -> None:
        from . import _config
        self.path = os.fspath(path)
        self._ix = _reprint.Index(self.path, _config(level, options), bool(create),
                                  bool(read_only))

    def _items(self, docs: Iterable[Any]) -> List[Any]:
        from . import _json_default
        import json
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                 default=_json_default).encode
        items: List[Any] = []
        if isinstance(docs, (str, bytes, os.PathLike)):
            docs = [docs]
        for i, d in enumerate(docs):
            if isinstance(d, dict):
                items.append(dumps(d).encode("utf-8", "surrogatepass"))
            elif isinstance(d, tuple) and len(d) == 2:
                if not isinstance(d[1], str):
                    raise TypeError(f"docs[{i}]: text must be str")
                items.append(dumps({"id": str(d[0]), "text": d[1]}).encode("utf-8",
                                                                           "surrogatepass"))
            elif isinstance(d, (str, bytes, os.PathLike)):
                items.append(os.fspath(d))
            else:
                raise TypeError(f"docs[{i}]: expected a dict, an (id, text) tuple or a path, "
                                f"got {type(d).__name__}")
        return items

    @staticmethod
    def _line(r: Dict[str, Any]) -> Dict[str, Any]:
        out = {"id": r["id"], "cluster": r["cluster"], "relation": r["relation"],
               "of": r["of"], "score": round(r["score"], 4)}
        if r["skipped"] is not None:
            out["skipped"] = r["skipped"]
            if r["detail"] is not None:
                out["detail"] = r["detail"]
        return out

    def add(self, docs: Iterable[Any]) -> List[Dict[str, Any]]:
        """Store docs (dicts, (id, text) tuples or paths) in one transaction; return each
        one's cluster, in order. An id stored before with another content raises
        ReprintError and stores nothing."""
        return [self._line(r) for r in self._ix.commit(self._items(docs), False)]

    def query(self, docs: Iterable[Any]) -> List[Dict[str, Any]]:
        """The clusters docs would join, without storing anything."""
        return [self._line(r) for r in self._ix.commit(self._items(docs), True)]

    def get(self, id: str) -> List[Dict[str, Any]]:
        """The stored document(s) with this id ([] when none)."""
        return [self._line(r) for r in self._ix.lookup(id, False)]

    def members(self, id: str) -> List[Dict[str, Any]]:
        """The members of the cluster whose representative is id, representative first."""
        return [self._line(r) for r in self._ix.lookup(id, True)]

    def remove(self, id: str) -> int:
        """Remove every document with this id; returns how many."""
        return self._ix.remove(id)

    def stats(self) -> Dict[str, int]:
        """Counts: n_docs, n_units, n_empty, n_edges, n_clusters, next_doc, bytes_used,
        map_size, bands, rows."""
        return self._ix.stats()

    def export(self) -> Iterator[Dict[str, Any]]:
        """Every stored document with its cluster, in input order."""
        return iter([self._line(r) for r in self._ix.export()])

    def close(self) -> None:
        """Close the index (releases the writer lock). Idempotent."""
        self._ix.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"reprint.Index({self.path!r})"
