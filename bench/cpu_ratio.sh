#!/usr/bin/env bash
# cpu_ratio.sh -- CPU time (user + sys) of `reprint cluster --level event` against `--level
# story` for one or more binaries: story and event alternated N times for each binary in turn
# (the machine is shared: CPU time, not wall time, and alternation keep the conditions alike),
# medians and their ratio reported, with the wall medians and every run's CPU time.
# usage: bench/cpu_ratio.sh [N] [BIN...]   (defaults: 9, ./build/reprint)
# env: IN the input (default ../shared/eval/reuters21578/reuters21578.jsonl.gz)
set -eu
N=${1:-9}
shift || true
[ $# -gt 0 ] || set -- ./build/reprint
IN=${IN:-../shared/eval/reuters21578/reuters21578.jsonl.gz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$N"); do
    for b in "$@"; do
        for l in story event; do
            /usr/bin/time -f "%U %S %e" -o "$tmp/t" "$b" cluster -q --level "$l" -o /dev/null "$IN"
            echo "$b $l $(cat "$tmp/t")" >>"$tmp/all"
        done
    done
done
python3 - "$tmp/all" <<'PY'
import collections, statistics, sys
cpu, wall = collections.defaultdict(list), collections.defaultdict(list)
for l in open(sys.argv[1]):
    b, lv, u, s, e = l.split()
    cpu[(b, lv)].append(float(u) + float(s))
    wall[(b, lv)].append(float(e))
for b in dict.fromkeys(k[0] for k in cpu):
    s, e = statistics.median(cpu[(b, "story")]), statistics.median(cpu[(b, "event")])
    print("%s: CPU story %.2f s, event %.2f s, event/story %.3f (wall %.2f / %.2f s)"
          % (b, s, e, e / s, statistics.median(wall[(b, "story")]),
             statistics.median(wall[(b, "event")])))
    print("  story %s" % " ".join("%.2f" % x for x in cpu[(b, "story")]))
    print("  event %s" % " ".join("%.2f" % x for x in cpu[(b, "event")]))
PY
