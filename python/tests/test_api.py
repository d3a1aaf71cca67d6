# SPDX-License-Identifier: MIT
"""Every function of the reprint package, its options and its error paths."""
import json
import os

import pytest

import reprint
from conftest import TREE, cli, words


def test_version_from_c_library():
    with open(os.path.join(TREE, "include", "reprint", "rp_common.h")) as f:
        assert f'"{reprint.__version__}"' in f.read()


def test_defaults_come_from_rp_config_default():
    d = reprint.defaults()
    assert d["level"] == "near" and d["ngram"] == 5 and d["max_bucket"] == 512
    assert d["min_passage"] == 10 and d["window"] == 3.0 and d["boilerplate_min"] == 4
    assert d["id_field"] == "id" and d["text_field"] == "text"
    assert d["max_doc_size"] == 64 << 20 and d["verify"] == "signature"


def test_cluster_tuples(corpus):
    out = list(reprint.cluster(corpus))
    assert [r["id"] for r in out] == ["a", "a_copy", "a_near", "b"]
    rel = {r["id"]: r["relation"] for r in out}
    assert rel == {"a": "original", "a_copy": "exact", "a_near": "near", "b": "unique"}
    assert out[2]["of"] == "a" and 0.5 <= out[2]["score"] < 1
    assert list(out[0]) == ["id", "cluster", "relation", "of", "score"]


def test_cluster_dicts_and_mixed_paths(corpus, tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps({"id": "f", "text": corpus[0][1]}) + "\n")
    docs = [{"id": i, "text": t, "title": "T"} for i, t in corpus[:2]] + [str(p), p,
                                                                          ("z", "zz")]
    out = list(reprint.cluster(docs))
    assert [r["id"] for r in out] == ["a", "a_copy", "f", f"{p}:f", "z"]
    assert len({r["cluster"] for r in out[:4]}) == 1


def test_level_exact_and_options(corpus):
    out = list(reprint.cluster(corpus, level="exact", threads=1, keep="first"))
    assert [r["relation"] for r in out] == ["original", "exact", "unique", "unique"]
    out = list(reprint.cluster(corpus, threshold=0.99, num_perm=64, bands=16, rows=4, seed=3,
                               verify="exact", ngram=3, max_bucket=10, max_doc_size="1M",
                               truncate=True, no_nfkc=True, max_memory="1G"))
    assert out[2]["relation"] == "unique"


def test_pairs(corpus):
    ps = list(reprint.pairs(corpus))
    assert {(p["a"], p["b"], p["relation"]) for p in ps} == {("a", "a_copy", "exact"),
                                                            ("a", "a_near", "near")}
    assert ps[0]["same_cluster"] and "jaccard" not in ps[0]
    ps = list(reprint.pairs(corpus, verify="exact"))
    assert any("jaccard" in p for p in ps)  # exact Jaccard of the near pair
    sp = list(reprint.pairs(corpus, level="reuse"))
    assert sp and set(sp[0]) == {"a", "b", "relation", "score", "signals", "from",
                                 "same_cluster", "passages"}


def test_story_levels_fields(corpus):
    out = list(reprint.cluster([dict(id=i, text=t, title="t " + i) for i, t in corpus],
                               level="story"))
    orig = [r for r in out if r["relation"] == "original"]
    assert orig and orig[0]["members"] == 3 and isinstance(orig[0]["disagreements"], list)
    assert out[0]["title"] == "t a"


def test_explain(corpus):
    e = reprint.explain("a", "a_near", corpus)
    assert e["a"] == "a" and e["linked"] and e["same_cluster"] and e["passages"]
    assert e["passages"][0]["text_a"].startswith("w")
    e = reprint.explain("a", "b", corpus, level="reuse")
    assert not e["linked"] and isinstance(e["why"], str)
    with pytest.raises(KeyError):
        reprint.explain("a", "nope", corpus)
    with pytest.raises(ValueError):
        reprint.explain("a", "b", corpus, level="near")


def test_eval():
    pred = [{"id": "a", "cluster": "a"}, {"id": "b", "cluster": "a"}, {"id": "c", "cluster": "c"}]
    s = reprint.eval(pred, {"a": 1, "b": 1, "c": 2})
    assert s["pair_f1"] == 1.0 and s["ari"] == 1.0 and s["bcubed_f1"] == 1.0
    s = reprint.eval({"a": 1}, [("a", 1), ("b", 1)])
    assert s["n_gold_only"] == 1 and s["pair_recall"] == 0.0
    with pytest.raises(TypeError):
        reprint.eval([1, 2], {})
    with pytest.raises(ValueError):
        reprint.eval([{"id": "a"}], {})


def test_skipped_documents_come_back(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"id":"ok","text":"fine words"}\n{not json\n{"id":"n","text":7}\n')
    out = list(reprint.cluster([str(p), {"id": "x"}, {"id": "y", "text": None}]))
    assert [r.get("skipped") for r in out] == [None, "bad_json", "no_text", "no_text",
                                                "no_text"]
    assert out[1]["detail"].startswith(f"{p}:2: bad_json")
    assert out[3]["detail"].startswith("docs.jsonl:1")


def test_bad_input_never_crashes(tmp_path):
    p = tmp_path / "u.jsonl"
    p.write_bytes(b'{"id":"u","text":"caf\xe9 \xff\xfe bytes"}\n')
    big = "word " * (3 << 20)  # 15 MiB of text
    docs = [str(p), ("nul", "a\0b c d"), ("sur", "lone \ud800 surrogate"), ("big", big),
            ("empty", ""), {"id": "bin", "text": "\x00\x01\x02" * 10}]
    out = list(reprint.cluster(docs, max_doc_size="1M"))
    # a record too big is skipped while framed, unparsed: it gets the fallback id FILE:LINE
    assert [r["id"] for r in out] == ["u", "nul", "sur", "docs.jsonl:3", "empty", "bin"]
    assert out[3]["skipped"] == "too_big"
    (tmp_path / "big.txt").write_text(big)
    out = list(reprint.cluster([tmp_path / "big.txt"], max_doc_size="1M", truncate=True))
    assert "skipped" not in out[0]


@pytest.mark.parametrize("bad, exc", [
    (dict(level="fuzzy"), ValueError), (dict(level=1), TypeError),
    (dict(threshold=0), ValueError), (dict(threshold="x"), TypeError),
    (dict(ngram=0), ValueError), (dict(num_perm=4), ValueError),
    (dict(bands=4), ValueError), (dict(bands=64, rows=64), ValueError),
    (dict(verify="no"), ValueError), (dict(keep=None), TypeError),
    (dict(threads=0), ValueError), (dict(threads=True), TypeError),
    (dict(max_memory="1k"), ValueError), (dict(max_doc_size="lots"), ValueError),
    (dict(format="pdf"), ValueError), (dict(id_field=3), TypeError),
    (dict(text_field="a\0b"), ValueError), (dict(window=-1), ValueError),
    (dict(min_passage=1), ValueError), (dict(colour="red"), TypeError),
])
def test_bad_options(bad, exc, corpus):
    level = bad.pop("level", "near")
    with pytest.raises(exc):
        reprint.cluster(corpus, level=level, **bad)


@pytest.mark.parametrize("docs", [None, 3, [3], [("a",)], [("a", b"bytes")], [object()],
                                  [{"id": "a", "text": object()}]])
def test_wrong_types(docs):
    with pytest.raises(TypeError):
        reprint.cluster(docs)


def test_library_errors_are_reprint_errors(tmp_path):
    with pytest.raises(reprint.ReprintError) as ei:
        reprint.cluster([("a", words(1))] * 3, verify="exact", tmp_dir=str(tmp_path / "no"))
    assert "cannot create spill file" in str(ei.value) and ei.value.status == 3
    out = list(reprint.cluster([str(tmp_path / "missing.jsonl")]))
    assert out[0]["skipped"] == "open" and "missing.jsonl" in out[0]["detail"]


def test_engine_cancel_and_misuse(corpus):
    from reprint import _reprint
    e = _reprint.Engine({})
    e.add_buffer(b'{"id":"a","text":"x"}\n', "a.jsonl")
    with pytest.raises(RuntimeError):
        e.n_docs()
    e.cancel()
    with pytest.raises(reprint.ReprintError, match="cancelled"):
        e.run()
    with pytest.raises(RuntimeError):
        e.run()
    e = _reprint.Engine()
    e.run()
    with pytest.raises(IndexError):
        e.doc(0)
    with pytest.raises(TypeError):
        _reprint.Engine().add_buffer("str", "x")


def test_help_is_a_manual():
    import pydoc
    text = pydoc.render_doc(reprint)
    for name in ("cluster", "pairs", "explain", "eval", "Index", "defaults", "ReprintError"):
        assert name in text


def test_jsonl_encoder_matches_json():
    """The C encoder of dicts and tuples (reprint._reprint.encode_jsonl) writes what json
    would, and hands what it cannot write (numbers, dates, lone surrogates) to the fallback."""
    import datetime
    from reprint import _reprint
    docs = [{"id": "a", "text": 'quote " back \\ nl \n tab \t ctl \x01 é 中 😀', "x": object()},
            {"id": 7, "text": "a number id"},
            {"id": "d", "text": "dated", "date": datetime.date(2024, 5, 1)},
            {"id": "s", "text": "lone \ud800 surrogate"},
            ("t", "a tuple"), (8, "a tuple with a number id")]
    seen = []

    def fallback(d):
        seen.append(d)
        if isinstance(d, tuple):
            return json.dumps({"id": str(d[0]), "text": d[1]}, ensure_ascii=False)
        return json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                           for k, v in d.items() if k in ("id", "text", "date")},
                          ensure_ascii=False)

    out = _reprint.encode_jsonl(docs, ("id", "text", "date"), fallback)
    lines = out.split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(docs) + 1
    first = json.loads(lines[0])
    assert first == {"id": "a", "text": docs[0]["text"]}  # other keys are not written
    assert json.loads(lines[4]) == {"id": "t", "text": "a tuple"}
    # the number id, the date, the surrogate and the tuple with a number id went to fallback
    assert seen == [docs[1], docs[2], docs[3], docs[5]]
    assert b"\xed\xa0\x80" in lines[3]  # the surrogate passed through (the library repairs it)
    with pytest.raises(TypeError):
        _reprint.encode_jsonl("not a list", ("id", "text"), fallback)
