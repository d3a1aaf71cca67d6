#!/usr/bin/env bash
# reprint serve on a loopback port: every endpoint, the documents' clusters equal a batch run,
# malformed JSON (400 with line and column), body and header limits (413, 431), slow upload
# (408), methods (405), unknown paths (404), bearer token (401), graceful SIGTERM; every error
# answered in JSON (405 with Allow, 414, 431), unique ids (the same document again adds
# nothing, another content is 409, 40 concurrent POSTs of one id store one document), long ids
# refused, the Bearer scheme in any case, token files checked, --port-file with -q.
source "$(dirname "$0")/common.bash"
command -v curl > /dev/null || fail "curl is needed (scripts/install-deps.sh)"
python3 "$SRCDIR/tests/cli/gen_corpus.py" "$T/c.jsonl" "$T/gold.tsv" 60 9
ix=$T/ix
"$REPRINT" index create "$ix"
PID=
trap 'if [ -n "$PID" ]; then kill $PID 2>/dev/null || true; fi; rm -rf "$T"' EXIT
start_server() { # start_server ARGS...: sets PID and B (base URL)
    # the server's shell truncates srv.log after this shell goes on: the last server's log
    # (with its "listening") must not be read for this one's port
    rm -f "$T/srv.log"
    "$REPRINT" serve --listen 127.0.0.1:0 "$@" "$ix" > /dev/null 2> "$T/srv.log" &
    PID=$!
    for _ in $(seq 100); do grep -q listening "$T/srv.log" 2> /dev/null && break; sleep 0.05; done
    local port
    port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$T/srv.log" | sed 's/.*://')
    [ -n "$port" ] || fail "server did not start: $(cat "$T/srv.log")"
    B=http://127.0.0.1:$port
}
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
start_server --max-body 256K --timeout 2

[ "$(code "$B/healthz")" = 200 ] || fail "healthz"
grep -q '"status":"ok"' "$T/body" || fail "healthz body"
# adding: the first half as JSON Lines, then one document at a time, then an array
n=$(wc -l < "$T/c.jsonl")
head -n $((n / 2)) "$T/c.jsonl" > "$T/h1"
[ "$(code -X POST --data-binary @"$T/h1" "$B/v1/documents")" = 201 ] || fail "POST jsonl"
sed -n "$((n / 2 + 1)),$((n / 2 + 5))p" "$T/c.jsonl" > "$T/h2"
while IFS= read -r line; do
    [ "$(code -X POST -H 'Content-Type: application/json' --data-binary "$line" \
        "$B/v1/documents")" = 201 ] || fail "POST one document"
done < "$T/h2"
tail -n +$((n / 2 + 6)) "$T/c.jsonl" | python3 -c "
import json, sys
print(json.dumps([json.loads(l) for l in sys.stdin]))" > "$T/h3"
[ "$(code -X POST --data-binary @"$T/h3" "$B/v1/documents")" = 201 ] || fail "POST array"
python3 -c "
import json
r = json.load(open('$T/body'))['results']
assert len(r) == $n - $n // 2 - 5 and all('doc_number' in x for x in r), r[:2]"
# the service's clusters are the batch run's
"$REPRINT" cluster -q "$T/c.jsonl" > "$T/ref"
kill -TERM $PID
wait $PID || fail "SIGTERM: exit status"
grep -q "stopped by signal 15" "$T/srv.log" || fail "no graceful stop"
"$REPRINT" index export "$ix" | cmp - "$T/ref" || fail "served adds differ from cluster"

start_server --max-body 256K --timeout 2 --max-header 4K --date-field date
# query: the same answer, nothing stored
docs0=$(curl -s "$B/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['documents'])")
first=$(sed -n 1p "$T/c.jsonl" | sed 's/"id": "\([^"]*\)"/"id": "zz-\1"/')
[ "$(code -X POST --data-binary "$first" "$B/v1/query")" = 200 ] || fail "query"
grep -q '"relation":"exact"' "$T/body" || fail "query: an exact copy: $(cat "$T/body")"
grep -q '"doc_number"' "$T/body" && fail "query: stored documents have numbers, queries not"
docs1=$(curl -s "$B/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['documents'])")
[ "$docs0" = "$docs1" ] || fail "query stored a document ($docs0 -> $docs1)"
# a date not understood is answered with the count and the first one, not dropped silently
[ "$(code -X POST --data-binary '{"id":"d1","text":"a b c d e f","date":"31/12/2022"}' \
    "$B/v1/query")" = 200 ] || fail "query with a bad date"
python3 -c "
import json
b = json.load(open('$T/body'))
assert b['dates_not_understood'] == 1 and '31/12/2022' in b['first_bad_date'], b" ||
    fail "bad date not reported: $(cat "$T/body")"
# documents and clusters
id=$(sed -n 1p "$T/c.jsonl" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
[ "$(code "$B/v1/documents/$id")" = 200 ] || fail "GET document"
grep -q "\"id\":\"$id\"" "$T/body" || fail "GET document body"
cl=$(python3 -c "import json; print(json.load(open('$T/body'))['documents'][0]['cluster'])")
[ "$(code "$B/v1/clusters/$cl")" = 200 ] || fail "GET cluster"
python3 - "$T/body" "$T/ref" "$cl" <<'PY'
import json, sys
members = [m["id"] for m in json.load(open(sys.argv[1]))["members"]]
ref = [json.loads(l) for l in open(sys.argv[2])]
want = [o["id"] for o in ref if o["cluster"] == sys.argv[3]]
assert members[0] == sys.argv[3] and sorted(members) == sorted(want), (members, want)
PY
[ "$(code "$B/v1/documents/no-such")" = 404 ] || fail "GET missing document"
[ "$(code "$B/v1/clusters/no-such")" = 404 ] || fail "GET missing cluster"
[ "$(code -X DELETE "$B/v1/documents/$id")" = 200 ] || fail "DELETE"
grep -q '"removed":1' "$T/body" || fail "DELETE body"
[ "$(code "$B/v1/documents/$id")" = 404 ] || fail "deleted document still there"
[ "$(code -X DELETE "$B/v1/documents/$id")" = 404 ] || fail "DELETE twice"
[ "$(code "$B/v1/stats")" = 200 ] || fail "stats"
# errors
[ "$(code -X POST --data-binary $'{"id":"a","text":"x y"}\n{"id": "b", "text" "c"}\n' \
    "$B/v1/documents")" = 400 ] || fail "malformed JSON Lines"
grep -q '"line":2,"column":' "$T/body" || fail "400 without line/column: $(cat "$T/body")"
[ "$(code -X POST --data-binary $'{"id": "a",\n  "text": }' "$B/v1/documents")" = 400 ] ||
    fail "malformed document"
grep -q '"line":2' "$T/body" || fail "400 multi-line: $(cat "$T/body")"
[ "$(code -X POST --data-binary $'\n{\n  "id": "pp",\n  "text": "one pretty document"\n}\n' \
    "$B/v1/query")" = 200 ] || fail "a pretty-printed document: $(cat "$T/body")"
grep -q '"id":"pp"' "$T/body" || fail "pretty-printed document: $(cat "$T/body")"
[ "$(code -X POST --data-binary '  [{"id":"a","text":"x"}, {"id":"b","text":}]' \
    "$B/v1/query")" = 400 ] || fail "malformed array element"
grep -q '"line":1,"column":44' "$T/body" || fail "array element: column in the body: $(cat "$T/body")"
[ "$(code -X POST --data-binary '[]' "$B/v1/query")" = 200 ] || fail "empty array"
[ "$(code -X POST --data-binary '' "$B/v1/documents")" = 400 ] || fail "empty body"
[ "$(code -X POST --data-binary '42' "$B/v1/documents")" = 400 ] || fail "not an object"
head -c 300000 /dev/zero | tr '\0' 'a' > "$T/big"
[ "$(code -X POST --data-binary @"$T/big" "$B/v1/documents")" = 413 ] || fail "413"
[ "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" \
    "$B/v1/documents")" = 413 ] || fail "413 chunked"
[ "$(code -H "X-Big: $(head -c 6000 /dev/zero | tr '\0' 'h')" "$B/healthz")" = 431 ] ||
    fail "431"
grep -q '"status":431' "$T/body" || fail "431 not JSON: $(cat "$T/body")"
[ "$(code "$B/v1/documents/$(head -c 5000 /dev/zero | tr '\0' 'u')")" = 414 ] || fail "414"
grep -q '"status":414' "$T/body" || fail "414 not JSON: $(cat "$T/body")"
[ "$(code -X GET "$B/v1/documents")" = 405 ] || fail "405"
[ "$(code -X POST "$B/healthz")" = 405 ] || fail "405 healthz"
grep -q '"status":405' "$T/body" || fail "405 not JSON: $(cat "$T/body")"
curl -s -D - -o /dev/null -X PUT "$B/v1/documents/x" | tr -d '\r' |
    grep -qx 'Allow: GET, HEAD, DELETE' || fail "405 without Allow"
[ "$(code "$B/v2/whatever")" = 404 ] || fail "404"
# ids are unique: the same document again is answered with the stored one (200, nothing
# added), another content under a stored id is 409; 40 concurrent POSTs of one id store one
docs() { curl -s "$B/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['documents'])"; }
d0=$(docs)
one='{"id":"uniq-1","text":"a document posted more than once"}'
[ "$(code -X POST --data-binary "$one" "$B/v1/documents")" = 201 ] || fail "POST uniq-1"
[ "$(code -X POST --data-binary "$one" "$B/v1/documents")" = 200 ] ||
    fail "POST the same document again: $(cat "$T/body")"
grep -q '"already_stored":1' "$T/body" || fail "already_stored: $(cat "$T/body")"
[ "$(code -X POST --data-binary '{"id":"uniq-1","text":"another text"}' "$B/v1/documents")" = \
    409 ] || fail "409"
grep -q '"status":409' "$T/body" && grep -q "uniq-1" "$T/body" || fail "409 body: $(cat "$T/body")"
[ "$(code -X POST --data-binary '[{"id":"uniq-2","text":"x y z"},{"id":"uniq-1","text":"q"}]' \
    "$B/v1/documents")" = 409 ] || fail "409 in an array"
[ "$(code "$B/v1/documents/uniq-2")" = 404 ] || fail "a refused batch stored a document"
racers=()
for i in $(seq 40); do
    curl -s -m 20 -o "$T/race.$i" -w '%{http_code}\n' -X POST \
        --data-binary '{"id":"race","text":"forty clients post this one document"}' \
        "$B/v1/documents" > "$T/race.code.$i" &
    racers+=($!)
done
wait "${racers[@]}"
[ "$(cat "$T"/race.code.* | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" = \
    "200:39 201:1 " ] || fail "40 concurrent POSTs: $(cat "$T"/race.code.* | sort | uniq -c)"
[ "$(code "$B/v1/documents/race")" = 200 ] || fail "GET race"
python3 -c "
import json
assert len(json.load(open('$T/body'))['documents']) == 1" || fail "race stored twice"
[ "$(docs)" = $((d0 + 2)) ] || fail "documents: $d0 -> $(docs), expected +2"
# an id that could not be fetched later (over 1024 bytes) is refused
python3 -c "import json; print(json.dumps({'id': 'L' * 1025, 'text': 'long id'}))" > "$T/long"
[ "$(code -X POST --data-binary @"$T/long" "$B/v1/documents")" = 400 ] || fail "long id"
grep -q "1024 bytes" "$T/body" || fail "long id: no limit in the message: $(cat "$T/body")"
python3 -c "import json; print(json.dumps({'id': 'L' * 1024, 'text': 'long id'}))" > "$T/long"
[ "$(code -X POST --data-binary @"$T/long" "$B/v1/documents")" = 201 ] || fail "1024-byte id"
[ "$(code "$B/v1/documents/$(head -c 1024 /dev/zero | tr '\0' 'L')")" = 200 ] ||
    fail "GET a 1024-byte id"
# a body trickling in slower than --timeout: 408 at the deadline, the connection closed
python3 - "${B#http://}" > "$T/slow" <<'PY'
import socket, sys, time
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)))
t0 = time.monotonic()
s.sendall(b"POST /v1/documents HTTP/1.1\r\nHost: x\r\nContent-Length: 48\r\n\r\n")
s.settimeout(0.6)
answer = b""
for i in range(8):
    try:
        s.sendall(b"{       ")
        d = s.recv(200)
    except socket.timeout:
        continue
    except OSError:
        break
    answer += d
    if not d or answer:
        break
dt = time.monotonic() - t0
print(answer.decode().split("\r\n")[0], "after %.1f s" % dt)
assert 1.8 < dt < 3.5, dt
PY
grep -q " 408 " "$T/slow" || fail "slow upload: $(cat "$T/slow")"
kill -TERM $PID
wait $PID

# bearer token: every request needs it
printf 'sekrit-token-123\n' > "$T/token"
start_server --token-file "$T/token"
[ "$(code "$B/healthz")" = 401 ] || fail "401 without token"
[ "$(code -H 'Authorization: Bearer wrong-token-000' "$B/v1/stats")" = 401 ] ||
    fail "401 wrong token"
[ "$(code -H 'Authorization: Bearer sekrit-token-123' "$B/v1/stats")" = 200 ] ||
    fail "200 with token"
[ "$(code -H 'Authorization: bearer sekrit-token-123' "$B/v1/stats")" = 200 ] ||
    fail "the Bearer scheme is case-insensitive"
[ "$(code -H 'Authorization: BEARER  sekrit-token-123' "$B/v1/stats")" = 200 ] ||
    fail "BEARER and two spaces"
[ "$(code -H 'Authorization: Bearersekrit-token-123' "$B/v1/stats")" = 401 ] ||
    fail "no space after the scheme"
kill -TERM $PID
wait $PID
# token files: world-writable or not a regular file: refused at start with a message
chmod 666 "$T/token"
expect_exit 2 "$REPRINT" serve --listen 127.0.0.1:0 --token-file "$T/token" "$ix" 2> "$T/err"
grep -q "writable by every user" "$T/err" || fail "world-writable token file: $(cat "$T/err")"
chmod 600 "$T/token"
mkfifo "$T/fifo"
expect_exit 2 "$REPRINT" serve --listen 127.0.0.1:0 --token-file "$T/fifo" "$ix" 2> "$T/err"
grep -q "not a regular file" "$T/err" || fail "FIFO token file: $(cat "$T/err")"
expect_exit 2 "$REPRINT" serve --listen 127.0.0.1:0 --token-file "$T" "$ix" 2> "$T/err"
# -q prints nothing; --port-file gives the port
"$REPRINT" serve --listen 127.0.0.1:0 -q --port-file "$T/port" "$ix" 2> "$T/srv.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
[ "$(code "http://127.0.0.1:$(cat "$T/port")/healthz")" = 200 ] || fail "--port-file"
kill -TERM $PID
wait $PID
[ ! -s "$T/srv.log" ] || fail "-q printed: $(cat "$T/srv.log")"
# reprint index add: the same rule (a document again: counted, nothing added; another content:
# refused, exit 1, the id named)
printf '%s\n' "$one" > "$T/again.jsonl"
"$REPRINT" index add "$ix" "$T/again.jsonl" > /dev/null 2> "$T/err"
grep -q "1 already stored" "$T/err" || fail "index add again: $(cat "$T/err")"
printf '{"id":"uniq-1","text":"yet another text"}\n' > "$T/other.jsonl"
expect_exit 1 "$REPRINT" index add "$ix" "$T/other.jsonl" > /dev/null 2> "$T/err"
grep -q "uniq-1" "$T/err" || fail "index add conflict: $(cat "$T/err")"
# a story-level index: GET /v1/stats carries the story statistics, which grow with an add
ix=$T/ix-story
"$REPRINT" index create "$ix" --level story
start_server
curl -s "$B/v1/stats" > "$T/s0"
head -n 20 "$T/c.jsonl" > "$T/h3"
[ "$(code -X POST --data-binary @"$T/h3" "$B/v1/documents")" = 201 ] || fail "POST story"
curl -s "$B/v1/stats" > "$T/s1"
python3 - "$T/s0" "$T/s1" << 'PY' || fail "story stats over HTTP"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["term_contents"] == 0 and a["lines"] == 0 and a["named_contents"] == 0, a
assert b["documents"] == 20 and b["term_contents"] > 0 and b["lines"] > 0, b
assert b["terms"] > 0 and "boilerplate_lines" in b, b
PY
kill -TERM $PID
wait $PID
# adds answered asynchronously: one worker thread (--threads 1) serves 24 concurrent adds and
# 24 queries (a worker never waits for a commit); then SIGTERM with 16 adds in flight, 20
# times over: the server exits 0 (libmicrohttpd aborts when stopped with a connection
# suspended), every add answered 201 is stored and none answered 503 (stopping) is
ix=$T/ix-async
"$REPRINT" index create "$ix"
start_server --threads 1
pids=()
for i in $(seq 24); do
    curl -s -m 20 -o /dev/null -w '%{http_code}\n' -X POST \
        --data-binary "{\"id\":\"as-$i\",\"text\":\"asynchronous add number $i of a test\"}" \
        "$B/v1/documents" > "$T/as.code.$i" &
    pids+=($!)
    curl -s -m 20 -o /dev/null -w '%{http_code}\n' -X POST \
        --data-binary "{\"id\":\"q-$i\",\"text\":\"asynchronous add number $i of a test\"}" \
        "$B/v1/query" > "$T/aq.code.$i" &
    pids+=($!)
done
wait "${pids[@]}"
[ "$(cat "$T"/as.code.* | sort | uniq -c | awk '{print $2 ":" $1}')" = "201:24" ] ||
    fail "24 concurrent adds on one thread: $(cat "$T"/as.code.* | sort | uniq -c)"
[ "$(cat "$T"/aq.code.* | sort | uniq -c | awk '{print $2 ":" $1}')" = "200:24" ] ||
    fail "24 concurrent queries on one thread: $(cat "$T"/aq.code.* | sort | uniq -c)"
[ "$(docs)" = 24 ] || fail "documents after 24 adds: $(docs)"
for r in $(seq 20); do
    [ "$r" = 1 ] || start_server --threads 1
    pids=()
    for i in $(seq 16); do
        curl -s -m 20 -o /dev/null -w '%{http_code}\n' -X POST \
            --data-binary "{\"id\":\"st-$r-$i\",\"text\":\"an add in flight at stop $r, $i\"}" \
            "$B/v1/documents" > "$T/st.code.$i" &
        pids+=($!)
    done
    sleep "0.$((r % 10))5"
    kill -TERM $PID
    wait $PID || fail "round $r: server exit status $? after SIGTERM with adds in flight"
    PID=
    wait "${pids[@]}" || true
    "$REPRINT" index export "$ix" > "$T/as.export"
    for i in $(seq 16); do
        c=$(cat "$T/st.code.$i")
        case $c in
        201) grep -q "\"id\":\"st-$r-$i\"" "$T/as.export" || fail "st-$r-$i: 201, not stored" ;;
        503) ! grep -q "\"id\":\"st-$r-$i\"" "$T/as.export" || fail "st-$r-$i: 503, stored" ;;
        000) ;; # not accepted before the stop
        *) fail "round $r: an add in flight at SIGTERM answered $c" ;;
        esac
    done
done
# usage
expect_exit 2 "$REPRINT" serve --listen nowhere "$ix"
expect_exit 2 "$REPRINT" serve
expect_exit 3 "$REPRINT" serve --listen 127.0.0.1:0 "$T/no-index"
"$REPRINT" serve --help | grep -q -- "--token-file" || fail "serve --help"
echo "serve_api: ok"
