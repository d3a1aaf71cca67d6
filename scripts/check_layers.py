#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_layers.py -- the stage order of lib/ and include/reprint/, enforced.

docs/ARCHITECTURE.md gives the order: common -> ingest -> normalize -> sketch -> doc -> near ->
story -> drivers (engine = batch, index = incremental) -> dist (the distributed run, which
drives the batch engine's stages from several ranks). A file of a stage may include its own
stage's headers and those of lower stages, never a higher stage's or another driver's; the
public headers it may use follow the same order. programs/ and python/ see only
include/reprint/.
Exit status 1 and one line per violation ("file:line: stage X includes Y") when any.

usage: scripts/check_layers.py [ROOT]   (default: the repository this script is in)
"""
import os
import re
import sys

# lib/ folders in order; equal levels are siblings that must not include each other
LEVEL = {"common": 0, "ingest": 1, "eval": 1, "normalize": 2, "sketch": 3, "lang": 3, "doc": 4,
         "near": 5, "story": 6, "engine": 7, "index": 7, "dist": 8}
# the stage each public header belongs to
PUBLIC = {"rp_common.h": "common", "rp_ingest.h": "ingest", "rp_eval.h": "eval",
          "rp_normalize.h": "normalize", "rp_sketch.h": "sketch", "rp_cluster.h": "near",
          "rp_align.h": "story", "reprint.h": "engine", "rp_index.h": "index",
          "rp_dist.h": "dist"}
# what a driver's public header may include beyond the stages: the index API is stated in
# the batch engine's types (rp_config, rp_doc_result), one way
EXTRA = {"index": {"engine"}}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def allowed(stage, target):
    """May a file of stage include a header of stage target?"""
    if stage == target or target in EXTRA.get(stage, ()):
        return True
    return LEVEL[target] < LEVEL[stage]


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1)


def check(root):
    bad = []
    lib = os.path.join(root, "lib")
    for stage in sorted(os.listdir(lib)):
        d = os.path.join(lib, stage)
        if not os.path.isdir(d):
            continue
        if stage not in LEVEL:
            bad.append("lib/%s: a folder without a place in the stage order" % stage)
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".cc", ".h")):
                continue
            rel = "lib/%s/%s" % (stage, name)
            for n, inc in includes(os.path.join(d, name)):
                head = inc.split("/")[0] if "/" in inc else None
                if head == "reprint":
                    target = PUBLIC.get(inc.split("/", 1)[1])
                    if target is None:
                        bad.append("%s:%d: unknown public header %s" % (rel, n, inc))
                    elif not allowed(stage, target):
                        bad.append("%s:%d: stage %s includes %s (stage %s)"
                                   % (rel, n, stage, inc, target))
                elif head is not None:
                    if head not in LEVEL:
                        bad.append("%s:%d: include of an unknown folder %s" % (rel, n, inc))
                    elif not allowed(stage, head):
                        bad.append("%s:%d: stage %s includes %s (stage %s)"
                                   % (rel, n, stage, inc, head))
    inc_dir = os.path.join(root, "include", "reprint")
    for name in sorted(os.listdir(inc_dir)):
        if not name.endswith(".h"):
            continue
        stage = PUBLIC.get(name)
        rel = "include/reprint/" + name
        if stage is None:
            bad.append("%s: a public header without a stage (add it to PUBLIC)" % rel)
            continue
        for n, inc in includes(os.path.join(inc_dir, name)):
            target = PUBLIC.get(os.path.basename(inc))
            if target is None:
                bad.append("%s:%d: includes %s, not a public header" % (rel, n, inc))
            elif not allowed(stage, target):
                bad.append("%s:%d: %s (stage %s) includes %s (stage %s)"
                           % (rel, n, name, stage, inc, target))
    # the CLI and the Python binding see only the public headers
    for top in ("programs", "python"):
        base = os.path.join(root, top)
        for d, _, names in sorted(os.walk(base)):
            for name in sorted(names):
                if not name.endswith((".c", ".cc", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(d, name), root)
                for n, inc in includes(os.path.join(d, name)):
                    if "/" in inc and inc.split("/")[0] != "reprint":
                        bad.append("%s:%d: includes %s; %s/ sees only include/reprint/"
                                   % (rel, n, inc, top))
    return bad


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = check(root)
    for b in bad:
        print(b)
    if bad:
        print("check_layers: %d violation(s) of the stage order (docs/ARCHITECTURE.md)" % len(bad),
              file=sys.stderr)
        return 1
    print("check_layers: lib/, include/reprint/, programs/ and python/ follow the stage order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
