#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check-mpi: `mpirun -np N reprint ...` gives the bytes of one process, for N = 1, 2, 3,
# 4, 8, over shared memory and over TCP on loopback, at every level, on the five seeds mixed
# into 3,000 Reuters stories and on a corpus of every input format; a rank killed with
# kill -9 in either stage, then --resume with the same and with another N, gives them too; a
# rank failing mid-exchange stops every rank.
# Env: REPRINT (an RP_WITH_MPI build), SRCDIR; SHARED (default $SRCDIR/../shared).
# All traffic stays on loopback (btl_tcp_if_include / oob_tcp_if_include lo).
# tests/shared/common.bash: SHARED (fails when ../shared is missing), T (removed at exit),
# fail, seeds_mix
source "$SRCDIR/tests/shared/common.bash"
[ -d "$SHARED/seeds" ] || fail "$SHARED/seeds is missing (check-mpi needs ../shared)"
command -v mpirun >/dev/null || fail "mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"
cd "$T"
MPI=(mpirun --allow-run-as-root --oversubscribe --mca oob_tcp_if_include lo)
SM=(--mca btl self,vader)
TCP=(--mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo)
# each run is bounded: a hang fails the test instead of holding CI
run_mpi() { timeout 600 "${MPI[@]}" "$@"; }

# corpus 1: the seeds in 3,000 Reuters stories (the golden test's mix)
seeds_mix mix.jsonl
# corpus 2: every format -- a folder of text and HTML pages, JSON Lines (plain, gzip of many
# members and zstd of many frames, all three to be cut), a JSON array, WARC (plain, and gzip
# of a member per record, cut); the same stories spread over them
mkdir fmt fmt/pages
python3 - "$SHARED" fmt <<'PY'
import gzip, json, os, subprocess, sys
shared, d = sys.argv[1], sys.argv[2]
rows = []
with gzip.open(shared + "/eval/reuters21578/reuters21578.jsonl.gz", "rt", encoding="utf-8") as f:
    for n, line in enumerate(f):
        if n == 1500: break
        rows.append(json.loads(line))
plain = rows[:700] + rows[100:200]           # copies across files and formats
with open(d + "/a.jsonl", "w", encoding="utf-8") as f:
    for r in plain: f.write(json.dumps(r) + "\n")
    f.write("{not json\n\n")
# gzip of a member every 6,000 bytes (mid-line, as bgzip) and zstd of a frame every 8,000:
# files cut at unit starts
b = "".join(json.dumps(r) + "\n" for r in rows[700:1000] + rows[0:50]).encode()
with open(d + "/b.jsonl.gz", "wb") as f:
    for i in range(0, len(b), 6000): f.write(gzip.compress(b[i:i + 6000], 6, mtime=0))
e = "".join(json.dumps(r) + "\n" for r in rows[600:700] + rows[1000:1100]).encode()
with open(d + "/e.jsonl.zst", "wb") as f:
    for i in range(0, len(e), 8000):
        f.write(subprocess.run(["zstd", "-q", "-c"], input=e[i:i + 8000], capture_output=True,
                               check=True).stdout)
with open(d + "/c.json", "w", encoding="utf-8") as f:
    json.dump(rows[1000:1200] + rows[300:320], f)
with open(d + "/d.warc", "wb") as f:
    for i, r in enumerate(rows[1200:1400] + rows[400:410]):
        body = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>"
                + r["text"].replace("&", "&amp;").replace("<", "&lt;") + "</p></body></html>").encode()
        head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:%08d>\r\n"
                "WARC-Target-URI: http://example.org/%d\r\nContent-Length: %d\r\n\r\n"
                % (i, i, len(body))).encode()
        f.write(head + body + b"\r\n\r\n")
with open(d + "/f.warc.gz", "wb") as f:     # a gzip member per record, as Common Crawl
    for i, r in enumerate(rows[100:300]):
        body = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                + r["text"]).encode()
        head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:f%07d>\r\n"
                "Content-Length: %d\r\n\r\n" % (i, len(body))).encode()
        f.write(gzip.compress(head + body + b"\r\n\r\n", 6, mtime=0))
for i, r in enumerate(rows[1400:1500] + rows[500:505]):
    ext = "html" if i % 2 else "txt"
    t = r["text"] if ext == "txt" else "<html><body><p>%s</p></body></html>" % r["text"]
    open("%s/pages/p%03d.%s" % (d, i, ext), "w", encoding="utf-8").write(t)
PY
: >log
check() { # check NAME ARGS... : one process, then N ranks over both transports
    local name=$1; shift
    "$REPRINT" "$@" -o "ref.$name" >/dev/null 2>&1 || [ $? = 1 ] || fail "$name: single run"
    for n in 1 2 3 4 8; do
        for tr in sm tcp; do
            local t=("${SM[@]}"); [ $tr = tcp ] && t=("${TCP[@]}")
            rm -f "got.$name"
            set +e; run_mpi "${t[@]}" -np $n "$REPRINT" "$@" -o "got.$name" 2>err; rc=$?; set -e
            [ $rc = 0 ] || [ $rc = 1 ] || { cat err >&2; fail "$name: N=$n $tr exit $rc"; }
            cmp -s "ref.$name" "got.$name" || fail "$name: N=$n over $tr differs from one process"
            echo "$name N=$n $tr identical" >>log
        done
    done
}
for l in exact near reuse story event; do
    check "mix-$l" cluster --quiet --level $l --piece-size 256K mix.jsonl
    check "fmt-$l" cluster --quiet --level $l --piece-size 64K fmt
done
check mix-pairs-story pairs --quiet --level story --piece-size 256K --threads 1 mix.jsonl
check mix-report-story report --quiet --level story --piece-size 256K mix.jsonl
check fmt-dedup dedup --quiet --level near --piece-size 64K fmt/a.jsonl fmt/c.json
# across languages: each rank reads a share of the texts, rank 0 tells their languages from
# the units' texts (WMT21 de-fr sources and translations with the build's word lists; the
# test's own two-language corpus with its own)
python3 "$SRCDIR/tests/shared/eval_corpora.py" wmt \
    "$SHARED/eval/wmt/newstest2021/newstest2021.de-fr.all.xml.gz" wmt.jsonl wmt.tsv --src \
    --no-hyp 2>/dev/null
check wmt-story cluster --quiet --level story --piece-size 128K wmt.jsonl
check lang-story cluster --quiet --level story --piece-size 1K --lexicon-dir \
    "$SRCDIR/tests/data/translation/lex" "$SRCDIR/tests/data/translation/c.jsonl"
echo "check-mpi: $(wc -l <log) distributed runs byte-identical to one process"

# kill -9 of a rank, then --resume with the same and another N
rank_pid() { # rank_pid R : the pid of rank R of this test's job (its ranks run in $T: another
    #          MPI job on the machine has its own folder)
    for p in $(pgrep -x reprint); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$T" ] || continue
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qx "OMPI_COMM_WORLD_RANK=$1" &&
            { echo "$p"; return; }
    done
}
"$REPRINT" cluster --quiet --level story --threads 1 -o ref.kill mix.jsonl || [ $? = 1 ]
kill_run() { # kill_run STAGE RANK : start 3 ranks, kill RANK in stage 1 (units being written)
    #                             or 2 (MANIFEST written: rank 0 runs near and story)
    rm -rf wk got.kill
    run_mpi "${SM[@]}" -np 3 "$REPRINT" cluster --quiet --level story --threads 1 \
        --work-dir wk --piece-size 16K -o got.kill mix.jsonl 2>/dev/null &
    local job=$! p=""
    for _ in $(seq 1 6000); do
        if [ "$1" = 1 ]; then [ "$(ls wk 2>/dev/null | grep -c '\.rpd$')" -ge 30 ] && break
        else [ -f wk/MANIFEST ] && break; fi
        sleep 0.01
    done
    p=$(rank_pid "$2")
    [ -n "$p" ] || fail "stage $1: rank $2 not found (the job ended first?)"
    kill -9 "$p"
    wait $job 2>/dev/null && fail "stage $1: the job succeeded after rank $2 was killed"
    [ ! -e got.kill ] || fail "stage $1: a killed job left an output"
    for n in 3 2 4; do
        set +e; run_mpi "${SM[@]}" -np $n "$REPRINT" cluster --level story --threads 1 \
            --work-dir wk --piece-size 16K --resume -o got.kill mix.jsonl 2>err; rc=$?; set -e
        [ $rc = 0 ] || [ $rc = 1 ] || { cat err >&2; fail "resume N=$n after kill: exit $rc"; }
        cmp -s ref.kill got.kill || fail "stage $1: resume with N=$n differs"
        grep -q "resume: [1-9][0-9]* of" err || fail "stage $1: nothing reused: $(cat err)"
        echo "kill -9 rank $2 in stage $1, resume N=$n identical" >>log
    done
}
kill_run 1 1
kill_run 2 0
# a damaged stage file is found and prepared again
f=$(ls wk/*.rpd | sed -n 2p); head -c 500 "$f" >"$f.x" && mv "$f.x" "$f"
run_mpi "${SM[@]}" -np 2 "$REPRINT" cluster --level story --threads 1 --work-dir wk \
    --piece-size 16K --resume -o got.kill mix.jsonl 2>err || [ $? = 1 ]
cmp -s ref.kill got.kill || fail "resume over a damaged stage file differs"
grep -q "damaged or incomplete stage file" err || fail "damaged stage file not reported"
# stage near's result (the bands' edges) is a stage file too: a resume with another N reuses
# it and runs no bands; a damaged one is reported, never used, and the bands run again
"$REPRINT" cluster --quiet --level near --threads 1 -o ref.edges mix.jsonl || [ $? = 1 ]
rm -rf wke
run_mpi "${SM[@]}" -np 2 "$REPRINT" cluster --quiet --level near --threads 1 --work-dir wke \
    --piece-size 64K -o got.edges mix.jsonl 2>/dev/null || [ $? = 1 ]
cmp -s ref.edges got.edges || fail "near with a work dir differs"
[ "$(ls wke | grep -c '\.rpe$')" = 1 ] || fail "no edges file in the work dir"
for n in 3 4; do
    run_mpi "${SM[@]}" -np $n "$REPRINT" cluster -v --level near --threads 1 --work-dir wke \
        --piece-size 64K --resume -o got.edges mix.jsonl 2>err || [ $? = 1 ]
    cmp -s ref.edges got.edges || fail "resume with N=$n over the edges file differs"
    grep -q "resume: stage near's edges reused" err || fail "edges not reused: $(cat err)"
    echo "near's edges reused, resume N=$n identical" >>log
done
e=$(ls wke/*.rpe); head -c 100 "$e" >"$e.x" && mv "$e.x" "$e"
run_mpi "${SM[@]}" -np 2 "$REPRINT" cluster -v --level near --threads 1 --work-dir wke \
    --piece-size 64K --resume -o got.edges mix.jsonl 2>err || [ $? = 1 ]
cmp -s ref.edges got.edges || fail "resume over a damaged edges file differs"
grep -q "damaged or incomplete edges file" err || fail "damaged edges file not reported"
grep -q "edges reused" err && fail "a damaged edges file was used"

# a rank failing in the middle of the protocol (REPRINT_DIST_FAULT, lib/dist/dist_internal.h):
# every rank stops, the job ends with an error naming the failure and leaves no output --
# within seconds, where a rank leaving an exchange on its own used to leave the others waiting
fault() { # fault RANK POINT NP
    rm -f got.fault
    set +e; timeout 120 "${MPI[@]}" "${SM[@]}" -np "$3" env REPRINT_DIST_FAULT="$1:$2" \
        "$REPRINT" cluster --quiet --threads 1 --piece-size 64K -o got.fault mix.jsonl 2>err
    rc=$?; set -e
    [ $rc != 124 ] || fail "fault $1:$2 with $3 ranks: the job hung"
    [ $rc != 0 ] && [ $rc != 1 ] || fail "fault $1:$2 with $3 ranks: exit $rc, no failure reported"
    [ ! -e got.fault ] || fail "fault $1:$2 with $3 ranks: an output was left"
    grep -q "out of memory" err || { cat err >&2; fail "fault $1:$2: the failure is not named"; }
    echo "fault on rank $1 at $2 with $3 ranks: stopped, exit $rc" >>log
}
for point in keys requests signatures; do fault 1 $point 3; fault 0 $point 2; done
fault 0 edges 3
fault 0 units 2

# skew: each finishes under 3 ranks with the bytes of one process; per-rank peak memory shown
python3 - skew <<'PY'
import json, os, random, sys
d = sys.argv[1]; os.makedirs(d + "/tiny", exist_ok=True)
rng = random.Random(13)
vocab = ["w%d" % i for i in range(20000)]
def words(n): return " ".join(rng.choice(vocab) for _ in range(n))
stream = words(200000 * 4 + 60).split()     # one component of 200,000 near copies: each
with open(d + "/component.jsonl", "w") as f:   # text is the previous one moved on 4 words
    for i in range(200000):
        f.write(json.dumps({"id": "c%d" % i, "text": " ".join(stream[4 * i:4 * i + 60])}) + "\n")
head = words(40)
with open(d + "/bucket.jsonl", "w") as f:      # half the documents share one LSH bucket
    for i in range(40000):
        t = head + " " + words(12) if i % 2 == 0 else words(50)
        f.write(json.dumps({"id": "b%d" % i, "text": t}) + "\n")
with open(d + "/huge.jsonl", "w") as f:        # one huge file among many tiny ones
    for i in range(30000):
        f.write(json.dumps({"id": "h%d" % i, "text": words(80)}) + "\n")
for i in range(2000):
    open("%s/tiny/t%04d.txt" % (d, i), "w").write(words(30))
stories = [words(70) for _ in range(300)]
with open(d + "/day.jsonl", "w") as f:         # story level: half the documents on one day
    for i in range(6000):
        s = stories[i % 300].split(); s[rng.randrange(70)] = rng.choice(vocab)
        day = 1 if i % 2 == 0 else 2 + i % 27
        f.write(json.dumps({"id": "s%d" % i, "text": " ".join(s),
                            "date": "2024-05-%02d" % day}) + "\n")
PY
skew() { # skew NAME ARGS...
    local name=$1; shift
    "$REPRINT" cluster --quiet "$@" -o "ref.$name" || [ $? = 1 ] || fail "skew $name: one process"
    set +e; run_mpi "${SM[@]}" -np 3 "$REPRINT" cluster -v --piece-size 4M "$@" \
        -o "got.$name" 2>err; rc=$?; set -e
    [ $rc = 0 ] || [ $rc = 1 ] || { cat err >&2; fail "skew $name: exit $rc"; }
    cmp -s "ref.$name" "got.$name" || fail "skew $name: 3 ranks differ from one process"
    [ "$(grep -c 'reprint: rank [0-2]:.*peak RSS' err)" = 3 ] || fail "skew $name: no per-rank stats"
    grep 'reprint: rank' err | sed "s/^/skew $name: /" >>log
}
skew component --level near skew/component.jsonl
skew bucket --level near skew/bucket.jsonl
skew huge --level near skew/huge.jsonl skew/tiny
skew day --level story --date-field date skew/day.jsonl
grep '^skew' log
echo "check-mpi: all $(wc -l <log) cases passed"
