# SPDX-License-Identifier: MIT
"""reprint: find every copy of a text in a collection, from Python.

A binding of libreprint (the C library behind the ``reprint`` command). Four levels:
``"exact"`` (identical normalized text), ``"near"`` (near duplicates: MinHash/LSH, verified
5-gram Jaccard), ``"reuse"`` (documents sharing passages), ``"story"`` (one story told in
other words) and ``"event"`` (the story level's version families grouped by event).

Functions
---------
cluster(docs, level="near", **options)
    One dict per document, with the fields of the lines of ``reprint cluster``.
pairs(docs, level="near", **options)
    One dict per verified pair, with the fields of the lines of ``reprint pairs``.
explain(a, b, docs, level="story", **options)
    Why two documents are or are not one story (``reprint explain``).
eval(pred, gold)
    Clustering quality against gold labels (pairwise, ARI, B-cubed, NMI).
defaults()
    Every option's default, read from the C library (rp_config_default).

Documents
---------
``docs`` is an iterable whose items are any mix of:

* dicts, e.g. ``{"id": "a", "text": "...", "date": "2024-01-02", "title": "..."}``: read as
  a JSON Lines record (so ``id_field``, ``text_field``, ``date_field``, ``title_field`` apply
  as in the CLI; other keys are ignored);
* ``(id, text)`` tuples;
* paths (``str`` or ``os.PathLike``): files or folders in every format the CLI reads (JSON
  Lines, JSON, WARC/WET, text, HTML; gzip or zstd compressed).

Documents are numbered in input order. Dicts and tuples are serialized as JSON Lines into a
buffer named ``docs.jsonl`` (``docs-2.jsonl``... for later runs of them between paths), so a
document without an id gets ``docs.jsonl:LINE`` as the CLI would give ``FILE:LINE``. A
document that cannot be read is never dropped: it comes back with ``"skipped"`` (the reason,
e.g. ``"bad_json"``) and ``"detail"`` (file, line, reason).

Options
-------
The CLI's long options with ``_`` for ``-``, with the same defaults: ``threshold``,
``ngram``, ``num_perm``, ``bands``, ``rows``, ``verify`` ("signature", "exact"), ``keep``
("longest", "first", "earliest"), ``max_bucket``, ``seed``, ``format`` ("auto", "text",
"jsonl", "json", "warc", "html"), ``id_field``, ``text_field``, ``date_field``,
``title_field``, ``max_doc_size`` (bytes or "64M"), ``truncate`` (bool), ``no_nfkc``,
``no_casefold``, ``no_accents``, ``no_punct``, ``no_cjk`` (bools), ``threads``,
``max_memory`` (bytes or "4G"), ``tmp_dir``, ``min_passage``, ``window`` (days),
``boilerplate_min``. An unknown option or a bad value raises TypeError or ValueError.

Errors
------
Library failures raise :class:`ReprintError` carrying the library's message. The GIL is
released while the library works; Ctrl-C cancels a run and raises KeyboardInterrupt.
"""
from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
import re as _re
from typing import Any, Dict, Hashable, Iterable, Iterator, Mapping, Optional, Tuple, Union

from . import _reprint
from ._reprint import ReprintError

__all__ = ["cluster", "pairs", "explain", "eval", "defaults", "ReprintError", "__version__",
           "Index"]

__version__: str = _reprint.version()

Doc = Union[Mapping[str, Any], Tuple[Any, str], str, "_os.PathLike[str]"]

_LEVELS = ("exact", "near", "reuse", "story", "event")
_VERIFY = ("signature", "exact")
_KEEP = ("longest", "first", "earliest")
_FORMATS = ("auto", "text", "jsonl", "json", "warc", "html")
_NORM = {"no_nfkc": 0x01, "no_casefold": 0x02, "no_accents": 0x04, "no_punct": 0x08,
         "no_cjk": 0x10}
_MINHASH_MIN, _MINHASH_MAX = 8, 1024
_BUFFER_NAME = "docs.jsonl"


def defaults() -> Dict[str, Any]:
    """Every option's default, from the C library's rp_config_default (one source of truth).

    Names are the keyword options of :func:`cluster`; 0 for ``threshold``, ``num_perm``,
    ``bands``, ``rows``, ``threads`` and ``max_memory`` means "the level's default" or
    "automatic", as in the CLI."""
    c = _reprint.config_default()
    out = {
        "level": _LEVELS[c["level"]], "threshold": c["threshold"], "ngram": c["ngram"],
        "num_perm": c["num_perm"], "bands": c["bands"], "rows": c["rows"],
        "verify": _VERIFY[c["verify"]], "keep": _KEEP[c["keep"]],
        "max_bucket": c["max_bucket"], "seed": c["seed"], "format": _FORMATS[c["format"]],
        "id_field": c["id_field"], "text_field": c["text_field"],
        "date_field": c["date_field"], "title_field": c["title_field"],
        "max_doc_size": c["max_doc_size"], "truncate": bool(c["truncate_large"]),
        "threads": c["threads"], "max_memory": c["max_memory"], "tmp_dir": c["tmp_dir"],
        "min_passage": c["min_passage"], "window": c["window_days"],
        "boilerplate_min": c["boilerplate_min"],
    }
    for k, bit in _NORM.items():
        out[k] = not (c["norm_flags"] & bit)
    return out


def _size(name: str, v: Any, lo: int, hi: float) -> int:
    """A size like the CLI's: an int of bytes or "64M", "4G", "1.5GiB"."""
    if isinstance(v, bool):
        raise TypeError(f"{name}: expected a size, got {v!r}")
    if isinstance(v, int):
        n = v
    elif isinstance(v, str):
        m = _re.fullmatch(r"([0-9.]+(?:[eE][0-9]+)?)([kKmMgGtT]?)i?[bB]?", v.strip())
        if not m:
            raise ValueError(f"{name}: a size like 64M, got {v!r}")
        mul = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
        n = int(float(m.group(1)) * mul)
    else:
        raise TypeError(f"{name}: expected a size, got {type(v).__name__}")
    if not lo <= n <= hi:
        raise ValueError(f"{name}: out of range, got {v!r}")
    return n


def _count(name: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{name}: expected int, got {type(v).__name__}")
    if not lo <= v <= hi:
        raise ValueError(f"{name}: {lo}..{hi}, got {v}")
    return v


def _choice(name: str, v: Any, names: Tuple[str, ...]) -> int:
    if not isinstance(v, str):
        raise TypeError(f"{name}: expected str, got {type(v).__name__}")
    if v not in names:
        raise ValueError(f"unknown {name} {v!r} ({', '.join(names)})")
    return names.index(v)


def _field(name: str, v: Any) -> Optional[str]:
    if v is not None and not isinstance(v, str):
        raise TypeError(f"{name}: expected str or None, got {type(v).__name__}")
    if v is not None and "\0" in v:
        raise ValueError(f"{name}: embedded NUL")
    return v


def _config(level: str, options: Mapping[str, Any]) -> Dict[str, Any]:
    """Options (the CLI's, checked as the CLI checks them) into the C engine's config dict."""
    c: Dict[str, Any] = {"level": _choice("level", level, _LEVELS)}
    flags = _reprint.config_default()["norm_flags"]
    for k, v in options.items():
        if k == "threshold":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"threshold: expected a number, got {type(v).__name__}")
            if not 0 < v <= 1:
                raise ValueError(f"threshold must be in (0, 1], got {v}")
            c["threshold"] = float(v)
        elif k == "ngram":
            c["ngram"] = _count(k, v, 1, 64)
        elif k == "num_perm":
            c["num_perm"] = _count(k, v, _MINHASH_MIN, _MINHASH_MAX)
        elif k in ("bands", "rows"):
            c[k] = _count(k, v, 1, 1024)
        elif k == "verify":
            c["verify"] = _choice(k, v, _VERIFY)
        elif k == "keep":
            c["keep"] = _choice(k, v, _KEEP)
        elif k == "max_bucket":
            c["max_bucket"] = _count(k, v, 2, 1 << 30)
        elif k == "seed":
            c["seed"] = _count(k, v, 0, (1 << 64) - 1)
        elif k == "format":
            c["format"] = _choice(k, v, _FORMATS)
        elif k in ("id_field", "text_field", "date_field", "title_field"):
            c[k] = _field(k, v)
        elif k == "max_doc_size":
            c["max_doc_size"] = _size(k, v, 1, 3.9e9)
        elif k == "truncate":
            c["truncate_large"] = 1 if v else 0
        elif k in _NORM:
            flags = flags & ~_NORM[k] if v else flags | _NORM[k]
        elif k == "threads":
            c["threads"] = _count(k, v, 1, 256)
        elif k == "max_memory":
            c["max_memory"] = _size(k, v, 1 << 20, 1e18)
        elif k == "tmp_dir":
            c["tmp_dir"] = _field(k, None if v is None else _os.fspath(v))
        elif k == "min_passage":
            c["min_passage"] = _count(k, v, 2, 1000)
        elif k == "window":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"window: expected a number, got {type(v).__name__}")
            if not 0 <= v <= 1e6:
                raise ValueError(f"window: days >= 0, got {v}")
            c["window_days"] = float(v)
        elif k == "boilerplate_min":
            c["boilerplate_min"] = _count(k, v, 0, 1 << 30)
        else:
            raise TypeError(f"unknown option {k!r}")
    c["norm_flags"] = flags
    if ("bands" in c) != ("rows" in c):
        raise ValueError("bands and rows go together")
    if "bands" in c:
        perm = c.get("num_perm") or (64 if c["level"] >= 2 else 128)
        if c["bands"] * c["rows"] > perm:
            raise ValueError("bands x rows must not exceed num_perm")
    return c


def _json_default(o: Any) -> Any:
    if isinstance(o, (_dt.datetime, _dt.date)):
        return o.isoformat()
    raise TypeError(f"document field of type {type(o).__name__} is not JSON serializable")


def _feed(eng: "_reprint.Engine", docs: Iterable[Doc], cfg: Mapping[str, Any]) -> None:
    """Queue docs: paths as inputs, runs of dicts and tuples as one JSON Lines buffer each."""
    if isinstance(docs, (str, bytes, _os.PathLike)):
        docs = [docs]
    try:
        it = iter(docs)
    except TypeError:
        raise TypeError(f"docs: expected an iterable of documents, got {type(docs).__name__}")
    id_f = cfg.get("id_field") or "id"
    text_f = cfg.get("text_field") or "text"
    level = cfg.get("level", 1)
    fields = [id_f, text_f] + [cfg.get(k) or dflt for k, dflt in (
        ("date_field", "date" if level >= 2 else None),
        ("title_field", "title" if level >= 2 else None)) if cfg.get(k) or dflt]
    dumps = _json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                              default=_json_default).encode
    keys = tuple(fields)

    def slow(d: Any) -> str:
        """A line the C encoder leaves to json: values that are not str, lone surrogates."""
        if isinstance(d, tuple):
            did, text = d
            return dumps({id_f: did if isinstance(did, str) else str(did), text_f: text})
        return dumps({k: d[k] for k in fields if k in d})

    pending: list = []
    n_buffers = 0

    def flush() -> None:
        nonlocal pending, n_buffers
        if not pending:
            return
        n_buffers += 1
        name = _BUFFER_NAME if n_buffers == 1 else f"docs-{n_buffers}.jsonl"
        # only the fields the engine reads (other keys may hold anything); lone surrogates
        # become bytes that are not UTF-8: the library repairs them, as it does for a file
        eng.add_buffer(_reprint.encode_jsonl(pending, keys, slow), name)
        pending = []

    for i, d in enumerate(it):
        if isinstance(d, Mapping):
            pending.append(d if type(d) is dict else dict(d))
        elif isinstance(d, tuple):
            if len(d) != 2:
                raise TypeError(f"docs[{i}]: a tuple must be (id, text), got {len(d)} items")
            if not isinstance(d[1], str):
                raise TypeError(f"docs[{i}]: text must be str, got {type(d[1]).__name__}")
            pending.append(d if type(d) is tuple else tuple(d))
        elif isinstance(d, (str, bytes, _os.PathLike)):
            flush()
            eng.add_input(d)
        else:
            raise TypeError(f"docs[{i}]: expected a dict, an (id, text) tuple or a path, got "
                            f"{type(d).__name__}")
    flush()


def _run(docs: Iterable[Doc], level: str, options: Mapping[str, Any]) -> "_reprint.Engine":
    cfg = _config(level, options)
    eng = _reprint.Engine(cfg)
    _feed(eng, docs, cfg)
    eng.run()
    return eng


def _score(v: float) -> float:
    return round(v, 4)  # the CLI prints %.4f


def _cluster_line(eng: "_reprint.Engine", i: int, story: bool,
                  event: bool = False) -> Dict[str, Any]:
    r = eng.doc(i)
    out: Dict[str, Any] = {"id": r["id"], "cluster": r["cluster"], "relation": r["relation"],
                           "of": r["of"], "score": _score(r["score"])}
    if event:  # the version family inside the event (its original), as the CLI prints it
        out["family"] = r["family"]
    if story and r["skipped"] is None:
        if r["title"] is not None:
            out["title"] = r["title"]
        if r["lang"] is not None:
            out["lang"] = r["lang"]
        if r["relation"] == "original" and r["cluster_index"] is not None:
            ci = eng.cluster(r["cluster_index"])
            out["members"] = len(ci["members"])
            out["disagreements"] = [
                {"kind": g["kind"],
                 "variants": [{"text": v["text"], "docs": [eng.doc(k)["id"] for k in v["docs"]]}
                              for v in g["variants"]]}
                for g in ci["disagreements"]]
    if r["skipped"] is not None:
        out["skipped"] = r["skipped"]
        if r["detail"] is not None:
            out["detail"] = r["detail"]
    return out


def cluster(docs: Iterable[Doc], level: str = "near", **options: Any) -> Iterator[Dict[str, Any]]:
    """Cluster docs; yield one dict per document, in input order.

    Each dict has the fields of a line of ``reprint cluster``: ``id``, ``cluster`` (the id of
    the cluster's representative, its own id when unique), ``relation`` ("unique",
    "original", "exact", "near"; at the reuse and story levels also "partial", "reuse",
    "rewrite"; at the event level "related"), ``of`` (the document it derives from, or
    None) and ``score`` (4 decimals); at the event level ``family`` (the original of the
    document's version family; ``cluster`` is then the event); at
    the reuse and story levels ``title`` when known and, on originals, ``members`` and
    ``disagreements``; on a document that could not be read, ``skipped`` and ``detail``.

    The run happens before the first item is returned (errors are raised by this call).

    >>> [r["relation"] for r in cluster([("a", "x y z " * 20), ("b", "x y z " * 20)])]
    ['original', 'exact']
    """
    eng = _run(docs, level, options)
    story = _LEVELS.index(level) >= 2
    event = level == "event"
    return (_cluster_line(eng, i, story, event) for i in range(eng.n_docs()))


def _pair_line(eng: "_reprint.Engine", k: int, story: bool) -> Dict[str, Any]:
    p = eng.pair(k)
    a, b = eng.doc(p["a"])["id"], eng.doc(p["b"])["id"]
    out: Dict[str, Any] = {"a": a, "b": b, "relation": p["relation"]}
    if not story:
        out["estimate"] = _score(p["estimate"])
        if p["jaccard"] >= 0:
            out["jaccard"] = _score(p["jaccard"])
        out["same_cluster"] = p["same_cluster"]
        return out
    s = p["signals"]
    out["score"] = _score(s["score"])
    out["signals"] = {k: _score(s[k]) for k in ("cosine", "words", "names", "numbers",
                                                 "cover_a", "cover_b", "jaccard")}
    if p["lineage"] >= 0:  # the story and event levels
        out["signals"]["lineage"] = _score(p["lineage"])
    out["signals"]["passages"] = s["passages"]
    out["signals"]["days_apart"] = s["days_apart"]
    out["from"] = a if p["from"] == p["a"] else b
    out["same_cluster"] = p["same_cluster"]
    passages = []
    if p["relation"] != "exact":
        passages = [{"a": list(x["a"]), "b": list(x["b"]), "words": x["words"]}
                    for x in eng.compare(p["a"], p["b"])["passages"]]
    out["passages"] = passages
    return out


def pairs(docs: Iterable[Doc], level: str = "near", **options: Any) -> Iterator[Dict[str, Any]]:
    """Yield one dict per verified pair, with the fields of a line of ``reprint pairs``.

    exact/near: ``a``, ``b`` (ids), ``relation``, ``estimate``, ``jaccard`` (verify="exact"
    only), ``same_cluster``. reuse/story: ``a``, ``b``, ``relation``, ``score``,
    ``signals`` (cosine, words, names, numbers, cover_a, cover_b, jaccard, lineage at the
    story and event levels, passages, days_apart), ``from`` (the id the other derives from), ``same_cluster``, ``passages``
    (byte ranges ``{"a": [start, end], "b": [start, end], "words": n}``)."""
    eng = _run(docs, level, options)
    story = _LEVELS.index(level) >= 2
    return (_pair_line(eng, k, story) for k in range(eng.n_pairs()))


def _find(eng: "_reprint.Engine", name: str) -> int:
    n = eng.n_docs()
    for key in ("id", "source"):
        for i in range(n):
            if eng.doc(i)[key] == name:
                return i
    raise KeyError(f"explain: no document {name!r} in the inputs")


def explain(a: str, b: str, docs: Iterable[Doc], level: str = "story",
            **options: Any) -> Dict[str, Any]:
    """Why documents ``a`` and ``b`` (ids, else source files) are or are not one story.

    Returns a dict: ``a``, ``b`` (ids), ``relation`` (the one b would have to a),
    ``linked`` (score at or above ``threshold``), ``candidate`` (the run compared them),
    ``same_cluster``, ``why`` (the deciding rule, one line), ``score``, ``threshold``,
    ``signals`` and ``passages`` (with the two excerpts as ``text_a`` and ``text_b``).
    Works at the reuse and story levels (ValueError otherwise); KeyError when a or b is not
    among the documents."""
    if level not in ("reuse", "story", "event"):
        raise ValueError("explain works at level 'reuse', 'story' or 'event'")
    eng = _run(docs, level, options)
    ia, ib = _find(eng, a), _find(eng, b)
    c = eng.compare(ia, ib)
    ta, tb = eng.text(ia) or "", eng.text(ib) or ""
    ba, bb = ta.encode("utf-8", "surrogatepass"), tb.encode("utf-8", "surrogatepass")
    s = c["signals"]
    return {
        "a": eng.doc(ia)["id"], "b": eng.doc(ib)["id"], "relation": c["relation"],
        "linked": c["linked"], "candidate": c["candidate"], "same_cluster": c["same_cluster"],
        "why": c["why"], "score": s["score"], "threshold": c["threshold"], "signals": s,
        "passages": [dict(p, text_a=ba[p["a"][0]:p["a"][1]].decode("utf-8", "replace"),
                          text_b=bb[p["b"][0]:p["b"][1]].decode("utf-8", "replace"))
                     for p in c["passages"]],
    }


def _labels(x: Any, what: str) -> Dict[Any, Hashable]:
    if isinstance(x, Mapping):
        return dict(x)
    out: Dict[Any, Hashable] = {}
    for i, r in enumerate(x):
        if isinstance(r, Mapping):
            if "id" not in r or "cluster" not in r:
                raise ValueError(f"{what}[{i}]: a dict needs 'id' and 'cluster'")
            if r.get("skipped"):
                continue
            out[r["id"]] = r["cluster"]
        elif isinstance(r, tuple) and len(r) == 2:
            out[r[0]] = r[1]
        else:
            raise TypeError(f"{what}[{i}]: expected a dict with id and cluster or an "
                            f"(id, label) tuple, got {type(r).__name__}")
    return out


def eval(pred: Any, gold: Any) -> Dict[str, Any]:  # noqa: A001 (the CLI's name)
    """Score a clustering against gold labels (``reprint eval``).

    pred and gold: a mapping id -> label, (id, label) tuples, or dicts with ``id`` and
    ``cluster`` (e.g. the output of :func:`cluster`; skipped documents are left out). Items
    of gold missing from pred count as singletons; items only in pred are ignored. Returns
    pair_precision, pair_recall, pair_f1 (and pair_tp/fp/fn), ari, bcubed_precision,
    bcubed_recall, bcubed_f1, nmi, n_items, n_gold_only, n_pred_only, n_gold_clusters,
    n_pred_clusters."""
    p, g = _labels(pred, "pred"), _labels(gold, "gold")
    ids = list(g)
    codes: Dict[Tuple[int, Hashable], int] = {}

    def code(side: int, label: Hashable) -> int:
        return codes.setdefault((side, label), len(codes))

    gl = [code(0, g[i]) for i in ids]
    pl = [code(1, p[i]) if i in p else code(2, i) for i in ids]
    out = _reprint.eval_labels(gl, pl)
    out["n_gold_only"] = sum(1 for i in ids if i not in p)
    out["n_pred_only"] = sum(1 for i in p if i not in g)
    return out


from ._index import Index  # noqa: E402  (after the helpers it uses)
