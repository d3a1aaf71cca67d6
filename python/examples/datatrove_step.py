# SPDX-License-Identifier: MIT
"""A datatrove-style pipeline step: documents (text, id, metadata) in; the documents dedup
keeps out, each with its cluster id in metadata["reprint_cluster"] (and the relation and the
number of copies dropped). With datatrove installed the step is a datatrove PipelineStep;
without it, it is a plain callable with the same run(data, rank, world_size) signature.

    python3 examples/datatrove_step.py
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List

import reprint

try:  # plug into datatrove when it is there
    from datatrove.pipeline.base import PipelineStep as _Base
    from datatrove.data import Document
except ImportError:  # tested without it: the same shape
    _Base = object

    @dataclass
    class Document:  # type: ignore[no-redef]
        text: str
        id: str
        metadata: Dict[str, Any] = field(default_factory=dict)


class ReprintDedup(_Base):  # type: ignore[misc,valid-type]
    """Cluster the documents of one shard with reprint and keep one per cluster."""

    name = "reprint dedup"
    type = "🫂 - DEDUP"

    def __init__(self, level: str = "near", keep_all: bool = False, **options: Any) -> None:
        if _Base is not object:
            super().__init__()
        self.level, self.keep_all, self.options = level, keep_all, options

    def run(self, data: Iterable["Document"], rank: int = 0,
            world_size: int = 1) -> Iterator["Document"]:
        docs: List[Document] = list(data)
        res = reprint.cluster(({"id": str(d.id), "text": d.text} for d in docs),
                              level=self.level, **self.options)
        results = list(res)
        dropped: Dict[str, int] = {}
        for r in results:
            if r["relation"] not in ("unique", "original"):
                dropped[r["cluster"]] = dropped.get(r["cluster"], 0) + 1
        for d, r in zip(docs, results):
            keep = r["relation"] in ("unique", "original")
            if "skipped" in r:
                d.metadata["reprint_skipped"] = r["skipped"]
            d.metadata["reprint_cluster"] = r["cluster"]
            d.metadata["reprint_relation"] = r["relation"]
            if keep:
                d.metadata["reprint_dropped"] = dropped.get(r["cluster"], 0)
            if keep or self.keep_all:
                yield d

    __call__ = run


if __name__ == "__main__":
    text = " ".join(f"token{i}" for i in range(60))
    docs = [Document(text=text, id="1"), Document(text=text + " extra", id="2"),
            Document(text="an unrelated short note", id="3")]
    for d in ReprintDedup()(docs):
        print(d.id, d.metadata)
