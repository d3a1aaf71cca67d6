#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""multimember.py -- a JSON Lines file (plain or .gz) rewritten as multi-member gzip and
multi-frame zstd: one member / frame per N records (as Common Crawl WET has one gzip member
per record), plus the single-stream .gz of the same bytes for comparison.

usage: bench/multimember.py INPUT OUT_PREFIX [--records N] [--level L]
writes OUT_PREFIX.single.jsonl.gz, OUT_PREFIX.members.jsonl.gz, OUT_PREFIX.frames.jsonl.zst
(keep OUT_PREFIX under /tmp; never in the repository)."""
import argparse
import gzip
import subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("prefix")
    ap.add_argument("--records", type=int, default=100, help="records per member/frame")
    ap.add_argument("--level", type=int, default=6, help="gzip level (zstd: 3)")
    a = ap.parse_args()
    op = gzip.open if a.input.endswith(".gz") else open
    with op(a.input, "rb") as f:
        lines = f.readlines()
    chunks = [b"".join(lines[i:i + a.records]) for i in range(0, len(lines), a.records)]
    with open(a.prefix + ".single.jsonl.gz", "wb") as f:
        f.write(gzip.compress(b"".join(chunks), a.level, mtime=0))
    with open(a.prefix + ".members.jsonl.gz", "wb") as f:
        for c in chunks:
            f.write(gzip.compress(c, a.level, mtime=0))
    with open(a.prefix + ".frames.jsonl.zst", "wb") as f:
        for c in chunks:
            f.write(subprocess.run(["zstd", "-q", "-3", "-c"], input=c, check=True,
                                   stdout=subprocess.PIPE).stdout)
    print("%d records, %d members/frames" % (len(lines), len(chunks)))


if __name__ == "__main__":
    main()
