#!/usr/bin/env bash
# reprint serve with 64 busy clients on loopback and --max-connections 32, bounded in count
# (10 requests per admitted client) and time (60 s): the first 32 connections are served, the
# other 32 are refused at once with 503 and Retry-After (never queued); the admitted clients'
# adds and queries, run at once over --threads 4, all succeed (a query answered beside the
# group commits is what an add of it gives), and every acknowledged add is in the index after
# SIGTERM.
source "$(dirname "$0")/common.bash"
ix=$T/ix
"$REPRINT" index create "$ix"
PID=
trap 'if [ -n "$PID" ]; then kill $PID 2>/dev/null || true; fi; rm -rf "$T"' EXIT
"$REPRINT" serve --listen 127.0.0.1:0 -q --port-file "$T/port" --threads 4 \
    --max-connections 32 "$ix" 2> "$T/srv.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port" 2> /dev/null) || fail "server did not start: $(cat "$T/srv.log")"
python3 - "$PORT" "$T/acked" <<'PY' || fail "64 busy clients"
import json, socket, sys, threading, time
port, acked_path = int(sys.argv[1]), sys.argv[2]
N, ADMIT, REQS, CAP = 64, 32, 10, 60.0
deadline = time.monotonic() + CAP

def text(c, r):  # near copies within 4 topics: queries and adds meet in clusters
    t = (c + r) % 4
    return " ".join("t%dw%d" % (t, k) for k in range(40) if k != (c * 7 + r) % 40)

def read_answer(f):
    status = f.readline()
    if not status:
        return None, {}, b""
    head = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        head[k.strip().lower()] = v.strip()
    body = f.read(int(head.get("content-length", "0")))
    return int(status.split()[1]), head, body

socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(N)]
time.sleep(0.3)  # every connection accepted (or refused) before any request
results = [None] * N
acked = []
lock = threading.Lock()

def client(c):
    s = socks[c]
    f = s.makefile("rb")
    out = {"statuses": [], "refused": None}
    for r in range(REQS):
        if time.monotonic() > deadline:
            break
        add = r % 2 == 0
        doc = {"id": "c%d-r%d" % (c, r), "text": text(c, r)}
        body = json.dumps(doc).encode()
        path = "/v1/documents" if add else "/v1/query"
        t0 = time.monotonic()
        try:
            s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body))
        except OSError:
            pass  # a refused connection may be closed already: its answer is read below
        st, head, ans = read_answer(f)
        if st == 503:
            out["refused"] = (time.monotonic() - t0, head.get("retry-after"), ans)
            break
        out["statuses"].append(st)
        if st is None:
            break
        if add and st == 201:
            with lock:
                acked.append(doc["id"])
        if not add and st == 200:
            res = json.loads(ans)["results"][0]
            if res["id"] != doc["id"] or "doc_number" in res:
                out["statuses"][-1] = -1
    results[c] = out
    s.close()

th = [threading.Thread(target=client, args=(c,)) for c in range(N)]
for t in th:
    t.start()
for t in th:
    t.join(CAP + 5)
refused = [r for r in results if r and r["refused"]]
served = [r for r in results if r and not r["refused"]]
assert len(refused) == N - ADMIT and len(served) == ADMIT, (len(refused), len(served))
for r in refused:
    dt, ra, ans = r["refused"]
    assert ra == "1" and b"max-connections" in ans and dt < 1.0, r["refused"]
bad = [r["statuses"] for r in served if r["statuses"] != [201, 200] * (REQS // 2)]
assert not bad, bad[:3]
open(acked_path, "w").write("\n".join(acked) + "\n")
print("64 clients: %d served (%d requests each, all answered), %d refused with 503 + "
      "Retry-After in at most %.1f ms" % (len(served), REQS, len(refused),
                                           max(r["refused"][0] for r in refused) * 1e3))
PY
kill -TERM $PID
wait $PID || fail "SIGTERM: exit status"
PID=
"$REPRINT" index export "$ix" > "$T/export"
python3 - "$T/acked" "$T/export" <<'PY' || fail "acknowledged adds missing"
import json, sys
acked = set(l.strip() for l in open(sys.argv[1]) if l.strip())
stored = set(json.loads(l)["id"] for l in open(sys.argv[2]))
assert len(acked) == 32 * 5 and acked <= stored, (len(acked), len(acked - stored))
print("acknowledged adds: %d, all in the index" % len(acked))
PY
echo "serve_busy: ok"
