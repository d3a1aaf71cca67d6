#!/usr/bin/env bash
# The C program in README.md's "Library" section compiles as printed against the built library
# (build/reprint.pc: headers in include/, build/libreprint.a and its dependencies) and prints
# what `reprint cluster --threshold 0.7` prints for the same input.
source "$(dirname "$0")/common.bash"
BUILD=$(cd "$(dirname "$REPRINT")" && pwd)
CC=${CC:-cc}
# The first ```c block after "## Library".
awk '/^## Library/ {lib = 1; next}
     lib && /^```c$/ {code = 1; next}
     code && /^```$/ {exit}
     code {print}' "$SRCDIR/README.md" > "$T/snippet.c"
[ -s "$T/snippet.c" ] || fail "README.md: no \`\`\`c block in the Library section"
flags=$(PKG_CONFIG_PATH=$BUILD pkg-config --cflags --libs --static reprint) ||
    fail "pkg-config --static reprint failed with PKG_CONFIG_PATH=$BUILD"
flags=${flags/-lreprint/-Wl,-Bstatic -lreprint -Wl,-Bdynamic}
# shellcheck disable=SC2086
san=$(build_cc_flags "$BUILD")
# shellcheck disable=SC2086
"$CC" -std=c11 -Wall -Wextra -Werror $san -o "$T/snippet" "$T/snippet.c" $flags 2> "$T/cc.err" ||
    fail "README.md Library snippet does not compile: $(head -20 "$T/cc.err")"
# Input: a story, a reflowed copy with one word changed, an unrelated text, a bad line.
text='The harbour bridge reopened on Monday after two years of repairs, the city council said,'
text="$text and traffic is expected to return to normal by the end of the month."
{
    printf '{"id":"a","text":"%s"}\n' "$text"
    printf '{"id":"b","text":"%s"}\n' "${text/Monday/Tuesday}"
    printf '{"id":"c","text":"Apples were picked early this year in the valley orchards."}\n'
    printf '{"id":"d","text":\n'
} > "$T/in.jsonl"
"$T/snippet" "$T/in.jsonl" > "$T/out" || fail "the README snippet exited $?"
cat > "$T/want" << 'OUT'
a	b	near
b	b	original
c	c	unique
in.jsonl:4	skipped	bad_json
OUT
sed "s|$T/||" "$T/out" > "$T/got"
diff "$T/want" "$T/got" > "$T/diff" || fail "README snippet output differs: $(cat "$T/diff")"
# The same clusters as the command line.
expect_exit 1 "$REPRINT" cluster -q --threshold 0.7 -o "$T/cli.jsonl" "$T/in.jsonl"
python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["id"], o.get("skipped") or o["cluster"])' < "$T/cli.jsonl" > "$T/cli"
awk -F'\t' '{print $1, ($2 == "skipped" ? $3 : $2)}' "$T/got" | sed "s|^in.jsonl|$T/in.jsonl|" |
    diff - "$T/cli" > /dev/null || fail "README snippet and reprint cluster disagree"
echo "readme_snippet: ok"
