#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen_seeds.py -- writes the seed corpora of fuzz_align and fuzz_sketch (tests/fuzz/corpus/),
# all synthetic: random tokens from a fixed seed, planted shared stretches, edits, zeros.
# Usage: python3 tests/fuzz/gen_seeds.py [CORPUS_DIR]   (default: next to this script)
import os
import random
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
rng = random.Random(20261124)
WIDTH_BITS = {1: 1, 2: 2, 4: 3}


def align_seed(name, a, b, width=4, seed=3, min_words=10, max_gap=4, occ=8, fail_at=0):
    """Header (see fuzz_align.c) then a's tokens then b's, split exactly between them."""
    body_a = b"".join(struct.pack("<I", t)[:width] for t in a)
    body_b = b"".join(struct.pack("<I", t)[:width] for t in b)
    total = len(body_a) + len(body_b)
    # smallest split value whose cut lands on len(body_a)
    split = next(s for s in range(16384) if total * s // 16383 >= len(body_a))
    head = bytes([(seed - 1) & 15, (min_words - 1) % 32, 0x80 if max_gap > 16 else max_gap,
                  0x80 if occ > 16 else (occ - 1) & 15,
                  WIDTH_BITS[width] | ((split >> 8) << 2), split & 0xFF, fail_at])
    with open(os.path.join(root, "align", name), "wb") as f:
        f.write(head + body_a + body_b)


def rand_tokens(n, hi=50000):
    return [rng.randint(1, hi) for _ in range(n)]


stretch = rand_tokens(20)
a = rand_tokens(30) + stretch + rand_tokens(25)
b = rand_tokens(12) + stretch + rand_tokens(40)
align_seed("identical", stretch * 2, stretch * 2)
align_seed("planted", a, b)
sub = list(stretch)
sub[9] = 77777
align_seed("substituted", rand_tokens(5) + stretch, sub + rand_tokens(5))
ins = stretch[:8] + [88888, 88889] + stretch[8:]
align_seed("inserted", stretch + rand_tokens(3), rand_tokens(7) + ins, max_gap=2)
align_seed("zeros", [0] * 40, [0] * 40)
zs = list(stretch)
zs[5] = zs[12] = 0
align_seed("zeros_inside", zs, zs, seed=2, min_words=5)
align_seed("short", stretch[:2], stretch[:2])
align_seed("empty_b", stretch, [])
align_seed("repeats", [1, 2, 3] * 30, [1, 2, 3] * 25, occ=100)
align_seed("small_alphabet", [rng.randint(1, 5) for _ in range(200)],
           [rng.randint(1, 5) for _ in range(200)], width=1, seed=1, min_words=1, max_gap=64,
           occ=100)
align_seed("two_passages", stretch + rand_tokens(30) + stretch[::-1],
           stretch[::-1] + rand_tokens(10) + stretch, width=2, seed=4, min_words=8)
align_seed("alloc_fail", a, b, fail_at=3)
align_seed("seed16", stretch * 3, stretch * 3, seed=16, min_words=32, max_gap=64)


def sketch_seed(name, a, b, num_perm=128, width=8, classic=False, threshold=0.5, seed=0):
    wbits = {1: 1, 2: 2, 8: 3}[width]
    np_val = num_perm - 8
    if np_val > 255:  # byte 1 bit 7: (byte0 | byte1 << 8) % 1017
        np_val = 0x8000 + (np_val - 0x8000 % 1017) % 1017
    body_a = b"".join(struct.pack("<Q", t)[:width] for t in a)
    body_b = b"".join(struct.pack("<Q", t)[:width] for t in b)
    total = len(body_a) + len(body_b)
    split = next(s for s in range(256) if total * s // 255 >= len(body_a)) if total else 0
    head = bytes([np_val & 0xFF, np_val >> 8,
                  wbits | (int(classic) << 2) | (round(threshold * 31) << 3), split])
    with open(os.path.join(root, "sketch", name), "wb") as f:
        f.write(head + struct.pack("<Q", seed) + body_a + body_b)


shared = [rng.getrandbits(64) for _ in range(60)]
sketch_seed("identical", shared, shared)
sketch_seed("half", shared + [rng.getrandbits(64) for _ in range(60)],
            shared + [rng.getrandbits(64) for _ in range(60)], num_perm=256, seed=7)
sketch_seed("disjoint", [rng.getrandbits(64) for _ in range(40)],
            [rng.getrandbits(64) for _ in range(40)], num_perm=8, threshold=0.9)
sketch_seed("empty", [], [], num_perm=64)
sketch_seed("one_empty", shared[:10], [], num_perm=1024, threshold=0.1)
sketch_seed("single", [42], [42], num_perm=1024, seed=2**64 - 1)
sketch_seed("classic", shared[:30], shared[10:40], num_perm=32, classic=True, threshold=0.0)
sketch_seed("bytes_dup", [rng.randint(0, 9) for _ in range(100)],
            [rng.randint(0, 9) for _ in range(100)], width=1, num_perm=16, threshold=1.0)
sketch_seed("words", [rng.randint(0, 300) for _ in range(150)],
            [rng.randint(0, 300) for _ in range(150)], width=2, num_perm=64, classic=True)
