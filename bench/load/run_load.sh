#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load test of `reprint serve`: an index preloaded with Reuters-21578, then LOAD_SECONDS of
# closed-loop adds and queries (alternating) from LOAD_THREADS connections; zero errors and
# zero lost documents (every acknowledged add is in the index afterwards), p50/p99 latency,
# throughput, the server's CPU per request and RSS over the run.
# usage: bench/load/run_load.sh [REPRINT]   env: LOAD_SECONDS (60) LOAD_THREADS (8)
#        SERVE_THREADS (4) LOAD_LEVEL (near; or exact, story)
#        REUTERS (../shared/eval/reuters21578/reuters21578.jsonl.gz)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
REPRINT=${1:-$SRC/build/reprint}
SECS=${LOAD_SECONDS:-60}
NT=${LOAD_THREADS:-8}
ST=${SERVE_THREADS:-4}
LEVEL=${LOAD_LEVEL:-near}
REUTERS=${REUTERS:-$SRC/../shared/eval/reuters21578/reuters21578.jsonl.gz}
W=$(mktemp -d)
SPID=
trap 'if [ -n "$SPID" ]; then kill $SPID 2>/dev/null || true; fi; rm -rf "$W"' EXIT
cc -O2 -pthread -D_GNU_SOURCE -o "$W/loadgen" "$SRC/bench/load/loadgen.c"
# templates: every Reuters text with one word dropped (a near copy of a stored story)
zcat "$REUTERS" | python3 -c '
import json, random, sys
rnd = random.Random(1)
for line in sys.stdin:
    o = json.loads(line); w = o.get("text", "").split(" ")
    if len(w) > 3: del w[rnd.randrange(len(w))]
    print(json.dumps({"id": "load-0000000000", "text": " ".join(w)}, separators=(",", ":")))
' > "$W/templates.jsonl"
"$REPRINT" index create --level "$LEVEL" "$W/ix"
t0=$(date +%s.%N)
"$REPRINT" index add -q "$W/ix" "$REUTERS" > /dev/null || [ $? = 1 ]
t1=$(date +%s.%N)
echo "preload: $(zcat "$REUTERS" | wc -l) Reuters documents in $(echo "$t1 - $t0" | bc) s"
"$REPRINT" index stats "$W/ix"
"$REPRINT" serve --listen 127.0.0.1:0 --threads "$ST" "$W/ix" 2> "$W/srv.log" &
SPID=$!
for _ in $(seq 100); do grep -q listening "$W/srv.log" && break; sleep 0.05; done
port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$W/srv.log" | sed 's/.*://')
( while kill -0 $SPID 2>/dev/null; do
      awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {if (a) print a, f}' /proc/$SPID/status \
          2>/dev/null || true
      sleep 2
  done ) > "$W/rss" &
cpu() { awk '{print $14 + $15}' /proc/$SPID/stat; } # utime + stime, clock ticks
c0=$(cpu)
"$W/loadgen" 127.0.0.1 "$port" "$NT" "$SECS" "$W/templates.jsonl" "$W/acked" | tee "$W/result"
c1=$(cpu)
awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" '/^(add|query):/ {n += $2}
    END {if (n) printf "server CPU: %.2f s for %d requests, %.3f ms per request\n", c / hz, n,
         1000 * c / hz / n}' "$W/result"
kill -TERM $SPID
wait $SPID
SPID=
python3 - "$W/rss" <<'PY'
import sys
v = [tuple(int(x) for x in l.split()) for l in open(sys.argv[1]) if l.strip()]
if v:
    a = [x[0] / 1024 for x in v]; f = [x[1] / 1024 for x in v]
    n = len(a); q = max(1, n // 4)
    print("server heap (RssAnon, MiB): first quarter max %.1f, last quarter max %.1f, max %.1f;"
          " mapped index pages (RssFile) at the end %.1f MiB" % (max(a[:q]), max(a[-q:]), max(a),
                                                               f[-1]))
PY
"$REPRINT" index export "$W/ix" > "$W/export"
python3 - "$W/acked" "$W/export" <<'PY'
import json, sys
acked = set(l.strip() for l in open(sys.argv[1]) if l.strip())
stored = set()
for line in open(sys.argv[2]):
    i = json.loads(line)["id"]
    if i.startswith("load-"): stored.add(i)
lost = acked - stored
print("acknowledged adds: %d, in the index: %d, lost: %d" % (len(acked), len(acked & stored), len(lost)))
sys.exit(1 if lost else 0)
PY
"$REPRINT" index stats "$W/ix"
