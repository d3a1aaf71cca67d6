#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pages written per LMDB commit, and which named database holds them.

usage: commit_pages.py DATA.MDB STRACE.LOG [K]
STRACE.LOG: `strace -f -e trace=pwrite64,writev,lseek,fdatasync -o LOG reprint index add ...`
on the index of DATA.MDB. A commit ends with its meta page write (pwrite64 of 120 bytes). Prints
the pages and write calls (runs) per commit; with K, the K-th commit from the end (K=2: the last
one before `index add`'s closing fold) mapped to the databases of the file as it is now (pages a
later commit freed show as '?'). Reads LMDB 0.9's layout (4 KiB pages, 64-bit).
"""
import collections, mmap, re, statistics, struct, sys

PS = 4096


def owners(path):
    """page number -> name of the database holding it, from the newer meta page"""
    with open(path, 'rb') as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    meta = max((struct.unpack_from('<Q', m, p * PS + 16 + 128)[0], p) for p in (0, 1))[1]
    off = meta * PS + 16
    db_root = lambda o: struct.unpack_from('<IHHQQQQQ', m, o)[7]  # MDB_db.md_root
    own = {}

    def walk(root, name):
        stack = [root]
        while stack:
            pg = stack.pop()
            if pg == 0xFFFFFFFFFFFFFFFF:
                continue
            o = pg * PS
            flags, lower = struct.unpack_from('<HH', m, o + 10)
            own[pg] = name
            if flags & 4:  # overflow pages: a run
                for k in range(1, struct.unpack_from('<I', m, o + 12)[0]):
                    own[pg + k] = name
                continue
            if flags & 0x20:  # LEAF2
                continue
            for i in range((lower - 16) >> 1):
                no = o + struct.unpack_from('<H', m, o + 16 + 2 * i)[0]
                lo, hi, fl, ks = struct.unpack_from('<HHHH', m, no)
                if flags & 1:  # branch: child page number
                    stack.append(lo | hi << 16 | fl << 32)
                elif fl & 1:  # big data: overflow page number
                    stack.append(struct.unpack_from('<Q', m, no + 8 + ks)[0])
                elif fl & 2 and not fl & 4:  # a sub-database (named, or a dupsort subtree)
                    r = db_root(no + 8 + ks)
                    if name == 'MAIN':
                        walk(r, m[no + 8:no + 8 + ks].decode(errors='replace'))
                    else:
                        stack.append(r)
    walk(db_root(off + 24 + 48), 'MAIN')
    walk(db_root(off + 24), 'FREE')
    return own


def commits(log):
    out, cur, pos = [], [], 0
    for line in open(log):
        m = re.search(r'lseek\(\d+, (\d+), SEEK_SET', line)
        if m:
            pos = int(m.group(1))
            continue
        m = re.search(r'pwrite64\(\d+, .*, (\d+), (\d+)\) = (\d+)', line)
        if m:
            if m.group(1) == '120':
                out.append(cur)
                cur = []
            else:
                cur.append((int(m.group(2)) // PS, int(m.group(3)) // PS))
            continue
        m = re.search(r'writev\(\d+, .*\) = (\d+)', line)
        if m:
            cur.append((pos // PS, int(m.group(1)) // PS))
    return out


def main():
    cs = commits(sys.argv[2])
    pages = [sum(n for _, n in c) for c in cs]
    print('%d commits; pages per commit: median %s, mean %.1f; writes per commit: median %s'
          % (len(cs), statistics.median(pages), statistics.mean(pages),
             statistics.median(len(c) for c in cs)))
    if len(sys.argv) > 3:
        own = owners(sys.argv[1])
        c = cs[-int(sys.argv[3])]
        n = collections.Counter(own.get(p + k, '?') for p, r in c for k in range(r))
        print('commit -%s: %d pages in %d writes:' % (sys.argv[3], sum(n.values()), len(c)),
              ', '.join('%s %d' % kv for kv in n.most_common()))


if __name__ == '__main__':
    main()
