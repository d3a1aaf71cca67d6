#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""members.py -- a JSON Lines file rewritten compressed in many units, for tests of pieces cut
at unit starts (tests/cli/pieces.sh): good files and files whose cuts must be refused.

usage: members.py INPUT OUTDIR
writes in OUTDIR: bytes.jsonl.gz (a gzip member every 7,000 bytes, mid-line, as bgzip cuts),
recs.jsonl.gz (a member every 50 lines), frames.jsonl.zst (a zstd frame every 9,000 bytes; needs
the zstd program), stored.jsonl.gz (a member stored uncompressed whose data holds a whole gzip
member: a false unit start that decodes), corrupt.jsonl.gz (one byte changed mid-file),
trail.jsonl.gz (text after the last member), trunc.jsonl.gz (the last 100 bytes cut off);
and the same records as WARC responses (a warcinfo first, every seventh a request):
records.warc.gz (a gzip member per record, as Common Crawl writes), bytes.warc.gz (a member
every 7,000 bytes: most start inside a record), badrec.warc.gz (a member per record, one
record whose Content-Length runs past its member); uncompressed: records.warc (cut at records)
and inner.warc (a record whose block holds lines starting "WARC/": false record starts)."""
import gzip
import json
import os
import subprocess
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    lines = data.splitlines(True)

    def write(name, blob):
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)

    def members(chunks, level=6):
        return b"".join(gzip.compress(c, level, mtime=0) for c in chunks)

    write("bytes.jsonl.gz", members(data[i:i + 7000] for i in range(0, len(data), 7000)))
    recs = members(b"".join(lines[i:i + 50]) for i in range(0, len(lines), 50))
    write("recs.jsonl.gz", recs)
    frames = b"".join(subprocess.run(["zstd", "-q", "-c"], input=data[i:i + 9000],
                                     capture_output=True, check=True).stdout
                      for i in range(0, len(data), 9000))
    write("frames.jsonl.zst", frames)
    inner = gzip.compress(b'{"id":"inner","text":"a member inside a member"}\n' * 3000, 6,
                          mtime=0)
    head = (b"".join(lines[:300]) + b'{"id":"bin","text":"' + inner + b'"}\n' +
            b"".join(lines[300:600]))
    write("stored.jsonl.gz", gzip.compress(head, 0, mtime=0) +
          members(b"".join(lines[i:i + 50]) for i in range(600, len(lines), 50)))
    b = bytearray(recs)
    b[len(b) // 2] ^= 0x55
    write("corrupt.jsonl.gz", bytes(b))
    write("trail.jsonl.gz", recs + b"text after the last member\n" * 10)
    write("trunc.jsonl.gz", recs[:-100])

    warc = []
    for i, line in enumerate(lines):
        try:
            text = str(json.loads(line).get("text", ""))
        except (ValueError, AttributeError):
            text = line.decode("utf-8", "replace")
        body = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>"
                "<p>%s</p></body></html>" % text.replace("&", "&amp;").replace("<", "&lt;"))
        body = body.encode("utf-8", "replace")
        kind = "warcinfo" if i == 0 else "request" if i % 7 == 3 else "response"
        head = ("WARC/1.0\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%08d>\r\n"
                "WARC-Target-URI: http://example.org/%d\r\nContent-Length: %d\r\n\r\n"
                % (kind, i, i, len(body))).encode()
        warc.append(head + body + b"\r\n\r\n")
    write("records.warc.gz", members(warc))
    flat = b"".join(warc)
    write("bytes.warc.gz", members(flat[i:i + 7000] for i in range(0, len(flat), 7000)))
    bad = list(warc)
    bad[len(bad) // 2] = (b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\n"
                          b"short\r\n\r\n")
    write("badrec.warc.gz", members(bad))
    write("records.warc", flat)
    body = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" +
            (b"x" * 30000 + b"\nWARC/1.0 inside a record's block\n") * 4)
    inner = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:inner>\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body)) + body + b"\r\n\r\n"
    half = len(warc) // 3
    write("inner.warc", b"".join(warc[:half]) + inner + b"".join(warc[half:]))


if __name__ == "__main__":
    main()
