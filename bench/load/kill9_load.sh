#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 of `reprint serve` under load: an index preloaded with the first PRELOAD Reuters
# documents, then ROUNDS rounds of: start the server on it, 8 closed-loop clients (adds and
# queries, bench/load/loadgen.c, ids never reused across rounds) for 1.5 s, kill -9 the server
# at a random moment of it. Every add the server acknowledged (201) must be in the index when
# it is opened again: checked every 10 rounds and at the end ("lost" must be 0).
# usage: bench/load/kill9_load.sh [REPRINT]   env: ROUNDS (100) PRELOAD (2000) REUTERS
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
REPRINT=${1:-$SRC/build/reprint}
ROUNDS=${ROUNDS:-100}
PRELOAD=${PRELOAD:-2000}
REUTERS=${REUTERS:-$SRC/../shared/eval/reuters21578/reuters21578.jsonl.gz}
W=$(mktemp -d)
SPID=
trap 'if [ -n "$SPID" ]; then kill -9 $SPID 2>/dev/null || true; fi; rm -rf "$W"' EXIT
cc -O2 -pthread -D_GNU_SOURCE -o "$W/loadgen" "$SRC/bench/load/loadgen.c"
zcat "$REUTERS" | python3 -c '
import json, random, sys
rnd = random.Random(1)
for line in sys.stdin:
    o = json.loads(line); w = o.get("text", "").split(" ")
    if len(w) > 3: del w[rnd.randrange(len(w))]
    print(json.dumps({"id": "load-0000000000", "text": " ".join(w)}, separators=(",", ":")))
' > "$W/templates.jsonl"
"$REPRINT" index create "$W/ix"
(zcat "$REUTERS" || true) | head -n "$PRELOAD" > "$W/pre.jsonl"
"$REPRINT" index add -q "$W/ix" "$W/pre.jsonl" > /dev/null || [ $? = 1 ]
: > "$W/acked_all"
RANDOM=4242
check() {
    "$REPRINT" index export "$W/ix" > "$W/export"
    python3 - "$W/acked_all" "$W/export" "$1" <<'PY'
import json, sys
acked = set(l.strip() for l in open(sys.argv[1]) if l.strip())
stored = set(json.loads(l)["id"] for l in open(sys.argv[2]))
lost = acked - stored
print("%s: acknowledged adds %d, in the index %d, lost %d"
      % (sys.argv[3], len(acked), len(acked & stored), len(lost)))
sys.exit(1 if lost else 0)
PY
}
kills=0
for r in $(seq 1 "$ROUNDS"); do
    rm -f "$W/srv.log"
    "$REPRINT" serve --listen 127.0.0.1:0 --threads 4 -q --port-file "$W/port.$r" "$W/ix" \
        2> "$W/srv.log" &
    SPID=$!
    for _ in $(seq 200); do [ -s "$W/port.$r" ] && break; sleep 0.05; done
    port=$(cat "$W/port.$r") || { cat "$W/srv.log"; exit 1; }
    LOADGEN_FIRST_ID=$((r * 1000000)) "$W/loadgen" 127.0.0.1 "$port" 8 1.5 \
        "$W/templates.jsonl" "$W/acked.$r" > "$W/res.$r" 2> /dev/null &
    lpid=$!
    sleep "$(printf '0.%03d' $((200 + RANDOM % 1100)))"
    kill -9 $SPID
    wait $SPID 2> /dev/null || true
    SPID=
    kills=$((kills + 1))
    wait $lpid || true # its requests after the kill fail: counted as errors, not acknowledged
    cat "$W/acked.$r" >> "$W/acked_all"
    [ $((r % 10)) != 0 ] || check "after $r kills"
done
check "end ($kills kill -9 of the server under load)"
