# SPDX-License-Identifier: MIT
"""A pandas DataFrame column in, cluster columns out.

    python3 examples/pandas_clusters.py

add_clusters(df, text="text", id=None, level="near", **options) returns a copy of df with
the columns cluster, relation, of, score and kept (True for the copy dedup would keep)."""
from typing import Any, Optional

import pandas as pd

import reprint


def add_clusters(df: "pd.DataFrame", text: str = "text", id: Optional[str] = None,
                 level: str = "near", **options: Any) -> "pd.DataFrame":
    """Cluster df[text]; ids are df[id] (as str) or the row index. Rows keep their order."""
    ids = df[id].astype(str) if id else df.index.astype(str)
    if ids.duplicated().any():
        raise ValueError("ids must be unique to map results back to rows")
    docs = ({"id": i, "text": t if isinstance(t, str) else ""} for i, t in zip(ids, df[text]))
    res = pd.DataFrame(reprint.cluster(docs, level=level, **options))
    out = df.copy()
    out["cluster"] = res["cluster"].to_numpy()
    out["relation"] = res["relation"].to_numpy()
    out["of"] = res["of"].to_numpy()
    out["score"] = res["score"].to_numpy()
    out["kept"] = res["relation"].isin(["unique", "original"]).to_numpy()
    return out


if __name__ == "__main__":
    base = " ".join(f"word{i}" for i in range(80))
    df = pd.DataFrame({
        "doc": ["r1", "r2", "r3", "r4"],
        "body": [base, base.upper(), base.replace("word7 ", "other "), "something else"],
    })
    print(add_clusters(df, text="body", id="doc")[["doc", "cluster", "relation", "kept"]])
