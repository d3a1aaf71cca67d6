#!/usr/bin/env bash
# Outputs and input walking (docs/reliability.md): outputs never replace inputs or each other,
# dedup's folder layout keeps every kept document under a distinct name and is written as a
# whole, an existing output keeps its mode, and entries of an input folder that are not read
# (FIFOs, sockets, devices, symlinked folders) are reported as skips.
source "$(dirname "$0")/common.bash"
cd "$T"
mkdir siteA siteB
echo "The mayor of Springfield opened the new bridge on Tuesday after three years of work." \
    > siteA/article.txt
echo "A storm flooded the harbour district overnight and the fire brigade rescued twelve people." \
    > siteB/article.txt

# --- two folders with the same file name: both stories kept, under OUT/siteA and OUT/siteB
"$REPRINT" dedup -o OUT siteA siteB 2> err || fail "dedup siteA siteB: exit $?"
grep -q "kept 2 documents" err || { cat err; fail "kept 2"; }
[ "$(cd OUT && find . | sort | tr '\n' ' ')" = \
  ". ./siteA ./siteA/article.txt ./siteB ./siteB/article.txt " ] || { find OUT; fail "layout"; }
cmp -s OUT/siteA/article.txt siteA/article.txt || fail "siteA story"
cmp -s OUT/siteB/article.txt siteB/article.txt || fail "siteB story"

# --- two file inputs with the same base name, stdin, an absolute path
mkdir -p x y
echo "Shares in the shipping company rose sharply after the merger announcement on Monday." \
    > x/note.txt
echo "The orchard harvest was the largest in a decade, growers said at the county fair." \
    > y/note.txt
echo "A new library opened in the old town hall with ten thousand books on its shelves." \
    | "$REPRINT" dedup -q -o OUT2 x/note.txt "$T/y/note.txt" - || fail "dedup same base names"
[ "$(cd OUT2 && ls | tr '\n' ' ')" = "note.txt note~2.txt stdin.txt " ] || { ls OUT2; fail "names"; }
cmp -s OUT2/note.txt x/note.txt && cmp -s OUT2/note~2.txt y/note.txt || fail "note contents"
grep -q "library opened" OUT2/stdin.txt || fail "stdin document"

# --- a folder mixing JSON Lines (plain and gzip) and text: one folder, every kept document
mkdir mix
printf '%s\n' '{"id":"j1","text":"alpha beta gamma delta epsilon zeta eta theta iota kappa"}' \
    '{"id":"j2","text":"alpha beta gamma delta epsilon zeta eta theta iota kappa"}' \
    '{"id":"j3","text":"one two three four five six seven eight nine ten eleven"}' > mix/a.jsonl
printf '%s\n' '{"id":"g1","text":"red orange yellow green blue indigo violet white black"}' \
    | gzip > mix/a.jsonl.gz
cp siteA/article.txt mix/story.txt
"$REPRINT" dedup -q -o OUT3 mix || fail "dedup mix: exit $?"
[ "$(cd OUT3 && find . -type f | sort | tr '\n' ' ')" = \
  "./mix/a.jsonl ./mix/a~2.jsonl ./mix/story.txt " ] || { find OUT3; fail "mixed layout"; }
[ "$(cut -c1-11 OUT3/mix/a.jsonl | tr '\n' ' ')" = '{"id":"j1", {"id":"j3", ' ] || fail "a.jsonl"
gzip -dc mix/a.jsonl.gz | cmp -s - OUT3/mix/a~2.jsonl || fail "a.jsonl.gz written decompressed"
cmp -s OUT3/mix/story.txt mix/story.txt || fail "story.txt"
# the result reads back with the same documents and nothing to remove
"$REPRINT" dedup -q -o OUT3b OUT3/mix || fail "dedup of the result"
diff -r OUT3/mix OUT3b/mix > /dev/null || fail "dedup of the result changed it"

# --- no temp folder left, and a failed run leaves no OUT: a file standing where a folder
# of the layout must go (OUT must be a folder)
echo keep > OUT4
expect_exit 2 "$REPRINT" dedup -o OUT4 mix 2> err
[ "$(cat err)" = "reprint: OUT4: exists and is not a folder; dedup of folders, text or HTML \
files writes a folder" ] || { cat err; fail "file OUT: refused before reading"; }
# known only after reading (a text file argument): refused the same way
expect_exit 2 "$REPRINT" dedup -q -o OUT4 mix/story.txt 2> err
grep -q "OUT4: exists and is not a folder" err || { cat err; fail "file OUT message"; }
[ "$(cat OUT4)" = keep ] || fail "OUT4 changed"
[ -z "$(ls | grep '\.tmp\.')" ] || { ls; fail "temp folder left"; }

# a write that fails inside the folder: exit 3, no OUT, no temp folder left
if [ -n "${FAILWRITE:-}" ]; then
    # the shim comes before the ASan runtime in the link order under `make asan-check`
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        FAILWRITE_MATCH=OUT6.tmp FAILWRITE_AFTER=10 FAILWRITE_ERRNO=28 LD_PRELOAD="$FAILWRITE" \
        expect_exit 3 "$REPRINT" dedup -q -o OUT6 mix 2> err
    grep -q "OUT6.tmp.*: write failed: No space left on device; output not written" err \
        || { cat err; fail "write fault message"; }
    [ ! -e OUT6 ] && [ -z "$(ls | grep '\.tmp\.')" ] || { ls; fail "write fault left output"; }
fi

# --- a non-empty folder is never merged into: refused, left as it was
expect_exit 2 "$REPRINT" dedup -q -o OUT siteA 2> err
grep -q "OUT: folder not empty; dedup writes a new folder" err || { cat err; fail "non-empty msg"; }
[ "$(cd OUT && find . | wc -l)" = 5 ] || fail "OUT changed"
# an empty folder is replaced (and keeps its mode)
mkdir empty && chmod 700 empty
"$REPRINT" dedup -q -o empty siteA || fail "dedup into an empty folder"
[ -f empty/siteA/article.txt ] && [ "$(stat -c %a empty)" = 700 ] || fail "empty folder result"
# JSON Lines only, into a file: as before (one file)
"$REPRINT" dedup -q -o d.jsonl mix/a.jsonl && [ "$(wc -l < d.jsonl)" = 2 ] || fail "file dedup"

# --- an output that is an input is refused (exit 2), whatever the spelling; the input stays
cp mix/a.jsonl same.jsonl
cp same.jsonl same.orig
ln -s . here
ln same.jsonl hard.jsonl
for args in "-o same.jsonl same.jsonl" "-o ./here/same.jsonl same.jsonl" \
    "-o hard.jsonl same.jsonl" "--report same.jsonl same.jsonl" "-o $T/same.jsonl ./same.jsonl"; do
    # shellcheck disable=SC2086
    expect_exit 2 "$REPRINT" cluster -q $args 2> err
    grep -q "the output is the input" err || { cat err; fail "$args: message"; }
    cmp -s same.jsonl same.orig || fail "$args: the input was replaced"
done
expect_exit 2 "$REPRINT" dedup -q -o same.jsonl same.jsonl 2> err
grep -q "same.jsonl: the output is the input same.jsonl; refusing" err || { cat err; fail "dedup"; }
cmp -s same.jsonl same.orig || fail "dedup replaced its input"
# inside an input folder (also through a symlink): refused
expect_exit 2 "$REPRINT" cluster -q -o mix/out.jsonl mix 2> err
grep -q "mix/out.jsonl: the output is inside the input folder mix" err || { cat err; fail "inside"; }
expect_exit 2 "$REPRINT" dedup -q -o here/mix/sub mix 2> err
grep -q "inside the input folder mix" err || { cat err; fail "dedup inside"; }
[ ! -e mix/out.jsonl ] && [ ! -e mix/sub ] || fail "something written into the input folder"
# -o and --report the same file
expect_exit 2 "$REPRINT" cluster -q -o r.html --report ./r.html same.jsonl 2> err
grep -q "name the same file" err || { cat err; fail "-o = --report"; }
# /dev/null as output still works
"$REPRINT" cluster -q -o /dev/null same.jsonl || fail "-o /dev/null"

# --- an existing output keeps its mode
"$REPRINT" cluster -q -o private.jsonl same.jsonl
chmod 600 private.jsonl
"$REPRINT" cluster -q -o private.jsonl same.jsonl
[ "$(stat -c %a private.jsonl)" = 600 ] || fail "mode not kept: $(stat -c %a private.jsonl)"
chmod 640 private.jsonl
"$REPRINT" cluster -q --level exact -o private.jsonl same.jsonl
[ "$(stat -c %a private.jsonl)" = 640 ] || fail "mode 640 not kept"
# a new output: 0666 & ~umask
(umask 027 && "$REPRINT" cluster -q -o new.jsonl same.jsonl)
[ "$(stat -c %a new.jsonl)" = 640 ] || fail "new file mode $(stat -c %a new.jsonl)"

# --- entries of an input folder that are not read are reported skips, never silent
mkdir walk
cp siteA/article.txt walk/a.txt
mkfifo walk/fifo
ln -s ../siteB walk/dirlink
ln -s fifo walk/fifolink
ln -s /dev/null walk/devlink
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' walk/sock
expect_exit 1 timeout 20 "$REPRINT" cluster -o cl.jsonl walk 2> err
python3 - cl.jsonl <<'PY' || fail "walk skips"
import json, sys
got = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    got[o["id"]] = (o.get("skipped"), o.get("detail"))
want = {
    "a.txt": (None, None),
    "devlink": ("open", "walk/devlink: open: walk/devlink: symbolic link to a device, not read"),
    "dirlink": ("open",
                "walk/dirlink: open: walk/dirlink: symbolic link to a directory, not followed"),
    "fifo": ("open", "walk/fifo: open: walk/fifo: FIFO, not read"),
    "fifolink": ("open", "walk/fifolink: open: walk/fifolink: symbolic link to a FIFO, not read"),
    "sock": ("open", "walk/sock: open: walk/sock: socket, not read"),
}
assert got == want, got
PY
grep -q "6 documents read, 5 skipped" err || { cat err; fail "summary counts"; }
grep -q "skipped by reason: open=5" err || { cat err; fail "summary reasons"; }
grep -q "skipped walk/fifo: open: walk/fifo: FIFO, not read" err || { cat err; fail "warning"; }
# dedup of the same folder: the read document written, the skips counted, exit 1
expect_exit 1 timeout 20 "$REPRINT" dedup -q -o OUT5 walk
[ "$(cd OUT5 && find . -type f)" = "./walk/a.txt" ] || { find OUT5; fail "dedup walk"; }
# a FIFO given as an argument is read (process substitution)
"$REPRINT" cluster -q -o fifo.jsonl <(cat mix/a.jsonl) || fail "FIFO argument"
[ "$(wc -l < fifo.jsonl)" = 3 ] || fail "FIFO argument documents"
[ -z "$(ls | grep '\.tmp\.')" ] || { ls; fail "temp left"; }
echo "outputs: ok"
