# SPDX-License-Identifier: MIT
# eval_corpora.py -- converters from the labelled corpora in ../shared/eval to what reprint
# reads: a JSON-lines corpus ({"id","text",...}, the default --id-field/--text-field) and a
# gold TSV (id<TAB>label, what `reprint eval --gold` reads; it ignores further columns).
# Stdlib only. The corpora are read from ../shared and written to temporary files: their
# text never goes into the repository.
#
#   eval_corpora.py wmt FILE.xml.gz OUT.jsonl GOLD.tsv [--src]
#   eval_corpora.py googlenews FILE.jsonl.gz OUT.jsonl GOLD.tsv
#   eval_corpora.py mstream FILE.jsonl[.gz] OUT.jsonl GOLD.tsv
#   eval_corpora.py clough DIR GOLD.tsv
import argparse
import csv
import gzip
import json
import os
import sys
import html
import re
import xml.etree.ElementTree as ET


def opener(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def write(out, gold, rows):
    """rows: (record dict with "id" and "text", gold label); returns the count."""
    n = 0
    with open(out, "w", encoding="utf-8") as f, open(gold, "w", encoding="utf-8") as g:
        for rec, label in rows:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            g.write("%s\t%s\n" % (rec["id"], label))
            n += 1
    return n


def wmt_text(elem):
    """Segments of a paragraph joined by a space, paragraphs by a blank line."""
    paras = []
    for p in elem.iter("p"):
        segs = [" ".join((s.text or "").split()) for s in p.iter("seg")]
        segs = [s for s in segs if s]
        if segs:
            paras.append(" ".join(segs))
    return "\n\n".join(paras)


def wmt_rows(path, with_src):
    # News docs only. The WMT21 "all" XML files also carry test-suite documents, marked by a
    # `testsuite` attribute on <doc> (and an id starting "tsuite-"): in newstest2021.ru-en,
    # nine TED talks (testsuite="tsuite-tedtalks-enru-rev", reference A only). They are not
    # news articles and are skipped. No other set of the seven holds such a document.
    with opener(path) as f:
        root = ET.parse(f).getroot()
    for doc in root.iter("doc"):
        docid = doc.get("id")
        if doc.get("testsuite") or docid.startswith("tsuite-"):
            continue
        orig = doc.get("origlang")
        for child in doc:
            kind = child.tag
            if kind == "src":
                if not with_src:
                    continue
                vid = "%s|src" % docid
            elif kind == "ref":
                vid = "%s|ref|%s" % (docid, child.get("translator"))
            elif kind == "hyp":
                vid = "%s|hyp|%s" % (docid, child.get("system"))
            else:
                continue
            lang = child.get("lang")
            text = wmt_text(child)
            if not text:
                continue
            # "original": this version is the article as first written (the source side, when
            # the doc's original language is the source language)
            rec = {"id": vid, "text": text, "doc": docid, "kind": kind, "lang": lang,
                   "origlang": orig, "original": kind == "src" and lang == orig}
            yield rec, docid


def sgm_docs(path):
    """(docid, origlang, text) of a WMT SGML file: segments of a paragraph joined by a space,
    paragraphs by a blank line."""
    with open(path, encoding="utf-8") as f:
        data = f.read()
    for m in re.finditer(r'<doc\b([^>]*)>(.*?)</doc>', data, re.S):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        paras = []
        for p in re.findall(r"<p>(.*?)</p>", m.group(2), re.S):
            segs = [" ".join(html.unescape(x).split()) for x in
                    re.findall(r"<seg[^>]*>(.*?)</seg>", p, re.S)]
            segs = [x for x in segs if x]
            if segs:
                paras.append(" ".join(segs))
        yield attrs.get("docid"), attrs.get("origlang"), "\n\n".join(paras)


def wmt16_rows(directory):
    """WMT16 en-fi (newstest2016): every document in English and in two independent Finnish
    translations (A: newstest2016, B: newstestB2016); one family per docid. Where the
    document was written in Finnish, A is its original (and B repeats it: an exact copy)."""
    sgm = os.path.join(directory, "sgm")
    files = (("newstest2016-enfi-src.en.sgm", "en", "en"),
             ("newstest2016-enfi-ref.fi.sgm", "fi", "fi|A"),
             ("newstestB2016-enfi-ref.fi.sgm", "fi", "fi|B"))
    for name, lang, tag in files:
        for docid, orig, text in sgm_docs(os.path.join(sgm, name)):
            if text:
                rec = {"id": "%s|%s" % (docid, tag), "text": text, "doc": docid, "lang": lang,
                       "origlang": orig, "original": lang == orig and tag != "fi|B"}
                yield rec, docid


def googlenews_rows(path):
    with opener(path) as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                d = json.loads(line)
                yield {"id": str(n), "text": d["text"]}, d["cluster"]


def mstream_rows(path):
    with opener(path) as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield {"id": str(d["Id"]), "text": d["textCleaned"]}, d["clusterNo"]


def clough(directory, gold):
    """Gold at the version level: an answer labelled cut/light/heavy is a version of its
    task's source (label task_<x>, with orig_task<x>.txt); a `non` answer, written
    independently, is its own family. Third column: the category (orig for the sources).
    reprint reads the directory itself; ids are the file names. The folder's two CSV files
    are read as documents too: they are not in the gold, and `reprint eval` ignores them."""
    n = 0
    with open(gold, "w", encoding="utf-8") as g:
        for task in "abcde":
            g.write("orig_task%s.txt\ttask_%s\torig\n" % (task, task))
            n += 1
        with open(os.path.join(directory, "file_information.csv"), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                cat = r["Category"].strip()
                label = r["File"] if cat == "non" else "task_%s" % r["Task"].strip()
                g.write("%s\t%s\t%s\n" % (r["File"], label, cat))
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wmt")
    w.add_argument("file")
    w.add_argument("out")
    w.add_argument("gold")
    w.add_argument("--src", action="store_true", help="also the source-language document")
    w.add_argument("--no-hyp", action="store_true", help="without the system outputs")
    w16 = sub.add_parser("wmt16")
    w16.add_argument("dir")
    w16.add_argument("out")
    w16.add_argument("gold")
    for name in ("googlenews", "mstream"):
        s = sub.add_parser(name)
        s.add_argument("file")
        s.add_argument("out")
        s.add_argument("gold")
    c = sub.add_parser("clough")
    c.add_argument("dir")
    c.add_argument("gold")
    a = ap.parse_args()
    if a.cmd == "wmt":
        rows = wmt_rows(a.file, a.src)
        if a.no_hyp:
            rows = ((r, g) for r, g in rows if r["kind"] != "hyp")
        n = write(a.out, a.gold, rows)
    elif a.cmd == "wmt16":
        n = write(a.out, a.gold, wmt16_rows(a.dir))
    elif a.cmd == "googlenews":
        n = write(a.out, a.gold, googlenews_rows(a.file))
    elif a.cmd == "mstream":
        n = write(a.out, a.gold, mstream_rows(a.file))
    else:
        n = clough(a.dir, a.gold)
    print("%s: %d documents" % (a.cmd, n), file=sys.stderr)


if __name__ == "__main__":
    main()
