#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_bench.sh -- speed and memory of `reprint cluster` on Reuters-21578 and on generated
# 100k / 1M document corpora: median wall time, docs/s, MB/s, peak RSS; a markdown table.
#
# Usage: bench/run_bench.sh [--runs N] [--scale-runs N] [--sizes "100000 1000000"]
#                           [--scale-threads N] [--no-scale] [--keep]
# Environment: REPRINT (default ./build/reprint; nothing is built here), REUTERS (input),
# DATA (generated corpora, default bench/data, git-ignored), TMPDIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
REPRINT=${REPRINT:-$root/build/reprint}
REUTERS=${REUTERS:-/work/shared/eval/reuters21578/reuters21578.jsonl.gz}
DATA=${DATA:-$here/data}
runs=5
scale_runs=3
sizes="100000 1000000"
scale_threads=2
do_scale=1
keep=0

usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --scale-runs) scale_runs=$2; shift 2 ;;
        --sizes) sizes=$2; shift 2 ;;
        --scale-threads) scale_threads=$2; shift 2 ;;
        --no-scale) do_scale=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "run_bench.sh: unknown argument '$1'" >&2; usage ;;
    esac
done

[ -x "$REPRINT" ] || { echo "run_bench.sh: $REPRINT not found; build first (make)" >&2; exit 2; }
[ -r "$REUTERS" ] || { echo "run_bench.sh: cannot read $REUTERS" >&2; exit 2; }

out=$(mktemp -d "${TMPDIR:-/tmp}/reprint-bench.XXXXXX")
if [ "$keep" -eq 0 ]; then trap 'rm -rf "$out"' EXIT; fi

have_hyperfine=0
command -v hyperfine > /dev/null 2>&1 && have_hyperfine=1
have_gnu_time=0
/usr/bin/time -f %M true > /dev/null 2>&1 && have_gnu_time=1

rows=()
cmds=()

# Uncompressed input size in bytes and number of lines (= JSONL documents).
input_stats() {
    case $1 in
        *.gz) gzip -dc "$1" | wc -lc ;;
        *.zst) zstd -dc "$1" | wc -lc ;;
        *) wc -lc < "$1" ;;
    esac
}

# Peak RSS in KiB of `sh -c CMD` (its largest process; GNU time reports what wait4 gives);
# sets rss_kb and run_rc.
peak_rss() {
    local cmd=$1 f="$out/rss.txt"
    run_rc=0
    if [ "$have_gnu_time" -eq 1 ]; then
        /usr/bin/time -f %M -o "$f" sh -c "$cmd" > /dev/null 2> "$out/stderr.txt" || run_rc=$?
        rss_kb=$(tail -n 1 "$f")
    else
        # No GNU time: poll VmHWM (peak RSS) of every process in the tree from /proc every
        # 20 ms. (getrusage(RUSAGE_CHILDREN) would count the python parent's pages too.)
        rss_kb=$(python3 -c '
import os, subprocess, sys, time
def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out
def hwm(pid):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
p = subprocess.Popen(["sh", "-c", sys.argv[1]], stdout=subprocess.DEVNULL,
                     stderr=open(sys.argv[2], "w"))
peak = 0
while p.poll() is None:
    peak = max([peak] + [hwm(q) for q in tree(p.pid)])
    time.sleep(0.02)
print(peak)
sys.exit(p.returncode)' "$cmd" "$out/stderr.txt") || run_rc=$?
    fi
}

# Median wall seconds of n runs of `sh -c CMD` (exit status 0 or 1 accepted: reprint exits 1
# when some documents were skipped, e.g. Reuters' empty bodies).
median_wall() {
    local cmd=$1 n=$2
    if [ "$have_hyperfine" -eq 1 ]; then
        hyperfine --runs "$n" --style none --export-json "$out/hf.json" \
            -- "$cmd; test \$? -le 1" > /dev/null
        python3 -c 'import json, sys
print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$out/hf.json"
    else
        local t=() i s e
        for ((i = 0; i < n; i++)); do
            s=$(date +%s.%N)
            sh -c "$cmd" > /dev/null 2>&1 || [ $? -le 1 ]
            e=$(date +%s.%N)
            t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }')")
        done
        printf '%s\n' "${t[@]}" | sort -g | python3 -c '
import sys
v = [float(x) for x in sys.stdin]
m = len(v) // 2
print("%.3f" % (v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2))'
    fi
}

# measure CASE INPUT THREADS RUNS CMD
measure() {
    local name=$1 input=$2 threads=$3 n=$4 cmd=$5
    local stats docs bytes mb wall dps mbps rss_mb base=${input##*/}
    stats=$(input_stats "$input")
    docs=$(echo "$stats" | awk '{print $1}')
    bytes=$(echo "$stats" | awk '{print $2}')
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
    cmds+=("$cmd")
    echo "run_bench.sh: $name ($(basename "$input"), $n runs) ..." >&2
    peak_rss "$cmd"
    if [ "$run_rc" -gt 1 ]; then
        echo "run_bench.sh: $name failed (exit $run_rc):" >&2
        head -n 5 "$out/stderr.txt" >&2
        rows+=("| $name | $base | $docs | $mb | $threads | - | failed (exit $run_rc) | | | |")
        return 0
    fi
    wall=$(median_wall "$cmd" "$n")
    dps=$(awk -v d="$docs" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? d / w : 0) }')
    mbps=$(awk -v b="$bytes" -v w="$wall" 'BEGIN { printf "%.1f", (w > 0 ? b / 1e6 / w : 0) }')
    rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    rows+=("| $name | $base | $docs | $mb | $threads | $n | $wall | $dps | $mbps | $rss_mb |")
}

# The cases on one input.
bench_input() {
    local input=$1 n=$2 tlist=$3 tag=$4 t cl="'$REPRINT' cluster --quiet"
    measure "floor: decompress + wc -w" "$input" 1 "$n" "gzip -dc '$input' | wc -w"
    for t in $tlist; do
        measure "cluster near" "$input" "$t" "$n" \
            "$cl --level near --threads $t -o '$out/$tag-near-t$t.jsonl' '$input'"
    done
    for t in $tlist; do
        measure "cluster exact" "$input" "$t" "$n" \
            "$cl --level exact --threads $t -o '$out/$tag-exact-t$t.jsonl' '$input'"
    done
}

bench_input "$REUTERS" "$runs" "1 2" reuters

if [ "$do_scale" -eq 1 ]; then
    mkdir -p "$DATA"
    for size in $sizes; do
        corpus="$DATA/scale-$size.jsonl.gz"
        if [ ! -s "$corpus" ]; then
            echo "run_bench.sh: generating $corpus ..." >&2
            python3 "$here/scale_corpus.py" --n "$size" --seed 1 --out "$corpus.tmp.gz" \
                --gold "$DATA/scale-$size.gold.tsv"
            mv "$corpus.tmp.gz" "$corpus"
        fi
        bench_input "$corpus" "$scale_runs" "$scale_threads" "scale$size"
    done
fi

echo "## reprint cluster benchmark"
echo
echo "- reprint: $("$REPRINT" version 2>/dev/null || echo '?') ($REPRINT)"
cpu=$(grep -m1 'model name' /proc/cpuinfo 2> /dev/null | sed 's/.*: //' || true)
timer='date +%s.%N loop'
[ "$have_hyperfine" -eq 1 ] && timer="hyperfine $(hyperfine --version | awk '{print $2}')"
rss_tool='VmHWM polled from /proc every 20 ms'
[ "$have_gnu_time" -eq 1 ] && rss_tool='/usr/bin/time -f %M'
echo "- host: $(uname -srm), $(nproc) cores, $cpu"
echo "- timing: $timer, median of the runs column; peak RSS: $rss_tool"
echo "- MB = uncompressed input bytes / 10^6; docs = JSONL lines"
echo
echo "| case | input | docs | MB | threads | runs | median wall s | docs/s | MB/s | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Commands:"
echo
echo '```'
printf '%s\n' "${cmds[@]}" | awk '!seen[$0]++'
echo '```'
