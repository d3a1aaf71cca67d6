#!/usr/bin/env bash
# The docs agree with the program: the options of `reprint --help` and of the subcommand helps
# (index, serve, eval), the man page (docs/reprint.1, OPTIONS) and README.md's options table
# name the same options with the same defaults, and list the same exit statuses.
# Defaults are compared where a text gives one as "(default X)" (X up to ";" or ")"); a README
# default cell is "X" or "X; CMD: Y" (CMD's help gives Y); "none" and flags are not compared.
source "$(dirname "$0")/common.bash"
"$REPRINT" --help > "$T/main"
for c in index serve eval; do "$REPRINT" "$c" --help > "$T/$c"; done
python3 - "$T" "$SRCDIR/README.md" "$SRCDIR/docs/reprint.1" << 'PY'
import re, sys
tdir, readme_path, man_path = sys.argv[1:4]
CMDS = ["main", "index", "serve", "eval"]
helps = {c: open(f"{tdir}/{c}", encoding="utf-8").read() for c in CMDS}
errors = []
def err(msg):
    errors.append(msg)
OPT = re.compile(r"(?<![\w-])(--[a-z][a-z-]*[a-z])")
def norm(s):
    s = s.replace("`", "")
    return re.sub(r"\s+", " ", s).strip().strip(":").strip().lower()
def default_in(text):
    """X of the first "(default X" in text, or None."""
    m = re.search(r"\(default:?\s+([^;)]*)", text)
    return norm(m.group(1)) if m else None
def agrees(doc, prog):
    return prog == doc or prog.startswith(doc + ",")
def spread(opts, x):
    """Defaults of options named together ("--a --b (default 1, 2)"): item i is the default of
    option i; options past the items get none. One option, or one item: x for each."""
    items = [i.strip() for i in x.split(",")] if x is not None else []
    if len(opts) < 2 or len(items) < 2 or len(items) > len(opts):
        return {o: x for o in opts}
    return {o: (items[i] if i < len(items) else "") for i, o in enumerate(opts)}

# --- helps: option -> (block: its line and the deeper-indented lines after it, its default)
def help_blocks(text):
    blocks, lines = {}, text.split("\n")
    for i, line in enumerate(lines):
        if not re.match(r"^ {2}-", line):
            continue
        block = [line]
        for nxt in lines[i + 1:]:
            if re.match(r"^ {3,}\S", nxt) and not re.match(r"^ {2,3}-", nxt):
                block.append(nxt)
            else:
                break
        opts = OPT.findall(line)
        d = spread(opts, default_in(" ".join(block)))
        for o in opts:
            blocks.setdefault(o, d[o])
    for o in OPT.findall(text):  # options named only in a usage line or in prose
        blocks.setdefault(o, None)
    return blocks
hb = {c: help_blocks(helps[c]) for c in CMDS}
# options that take no value (flags): the help shows none after them
def flags_of(text):
    out = set()
    for o, rest in re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])((?: [A-Z][A-Z.:_]*| [a-z]+\|)?)",
                              text):
        if not rest:
            out.add(o)
    return out

# --- README options table: rows of "## Options"
readme = open(readme_path, encoding="utf-8").read()
sec = readme.split("\n## Options\n", 1)[1].split("\n## ", 1)[0]
rows = []
for line in sec.split("\n"):
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    if len(cells) != 3 or cells[0] in ("option", "---") or set(cells[0]) <= set("-"):
        continue
    opts = OPT.findall(cells[0])
    if opts:
        rows.append((opts, cells[0], cells[1], cells[2]))
readme_opts = {o for r in rows for o in r[0]}

# --- man page: OPTIONS entries (.TP, tag line, body), SYNOPSIS
man = open(man_path, encoding="utf-8").read()
def unroff(s):
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace('\\"', '"')
    return re.sub(r'^\.(BR|BI|IR|B|I|RB) ', "", s, flags=re.M).replace('"', "")
def man_section(name):
    m = re.search(r"^\.SH " + re.escape(name) + r"\n(.*?)(?=^\.SH |\Z)", man, re.M | re.S)
    return m.group(1) if m else ""
man_entries, man_default = {}, {}
for ent in man_section("OPTIONS").split(".TP\n")[1:]:
    tag, _, body = ent.partition("\n")
    opts = OPT.findall(unroff(tag))
    d = spread(opts, default_in(unroff(body)))
    for o in opts:
        if o in man_entries:
            err(f"docs/reprint.1: {o} has two OPTIONS entries")
        man_entries[o] = unroff(body)
        man_default[o] = d[o]

# 1. every option of every help is in the man page OPTIONS and the README options table
help_opts = {}
for c in CMDS:
    for o in hb[c]:
        help_opts.setdefault(o, []).append(c)
where = {"main": "reprint --help", "index": "reprint index --help",
         "serve": "reprint serve --help", "eval": "reprint eval --help"}
for o, cs in sorted(help_opts.items()):
    if o not in man_entries:
        err(f"{o} ({where[cs[0]]}) has no entry in docs/reprint.1 OPTIONS")
    if o not in readme_opts:
        err(f"{o} ({where[cs[0]]}) is missing from the README.md options table")
# 2. and nothing is documented that no help lists
for o in sorted(readme_opts - set(help_opts)):
    err(f"{o} is in the README.md options table but in no --help")
for o in sorted(set(man_entries) - set(help_opts)):
    err(f"{o} is in docs/reprint.1 OPTIONS but in no --help")

# 3. defaults
flags = set().union(*(flags_of(helps[c]) for c in CMDS))
for opts, ocell, dcell, _ in rows:
    parts = [norm(p) for p in dcell.split(";")]
    bases = spread(opts, parts[0])
    per_cmd = {}
    for p in parts[1:]:
        m = re.match(r"^(index|serve|eval): (.*)$", p)
        if m:
            per_cmd[m.group(1)] = m.group(2)
    for o in opts:
        base = bases[o]
        if o in flags and not re.search(re.escape(o) + r" [A-Z]", ocell):
            continue
        for c in CMDS:
            if o not in hb[c]:
                continue
            want = per_cmd.get(c, base)
            got = hb[c][o]
            if got is None or got == "":
                if c == "main" and want not in ("", "none"):
                    err(f"{o}: reprint --help gives no '(default {want})' (README.md: {dcell})")
                continue
            if not agrees(want, got):
                err(f"{o}: {where[c]} says default '{got}', README.md says '{want}'")
        if o in man_entries and base not in ("", "none"):
            body = norm(man_entries[o])
            got = man_default[o]
            if not got:
                err(f"{o}: docs/reprint.1 gives no '(default {base})' (README.md: {dcell})")
            elif not agrees(base, got):
                err(f"{o}: docs/reprint.1 says default '{got}', README.md says '{base}'")
            for c, y in per_cmd.items():
                if f"{c}: {y}" not in body and f"(default {y}" not in body:
                    err(f"{o}: docs/reprint.1 does not give the {c} default '{y}'")

# 4. exit statuses: the same codes in --help, README.md and the man page; the subcommands'
# codes are among them
def codes(text):
    m = re.search(r"Exit status:(.*?)(?:\n\n|\Z)", text, re.S)
    if not m:
        return None
    return sorted(set(re.findall(r"(?:^|[:;,])\s*(\d) ", m.group(1).replace("\n", " "))))
main_codes = codes(helps["main"])
readme_codes = codes(readme)
man_codes = sorted(set(re.findall(r"^\.B (\d+)$", man_section("EXIT STATUS"), re.M)))
if main_codes is None:
    err("reprint --help lists no 'Exit status:'")
if readme_codes is None:
    err("README.md lists no 'Exit status:'")
if main_codes != readme_codes:
    err(f"exit statuses: reprint --help {main_codes}, README.md {readme_codes}")
if main_codes != man_codes:
    err(f"exit statuses: reprint --help {main_codes}, docs/reprint.1 EXIT STATUS {man_codes}")
for c in ("index", "serve", "eval"):
    sub = codes(helps[c]) or []
    extra = sorted(set(sub) - set(main_codes or []))
    if extra:
        err(f"exit statuses {extra} of {where[c]} are not in reprint --help")

for e in errors:
    print("FAIL: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

# What the docs say of options, as the program does it.
# --url-field: cluster adds "url" where the document has one; without it the lines are as before
text='the harbour bridge reopened on monday after two years of repairs said the council today'
{
    printf '{"id":"a","text":"%s","link":"https://example.org/a"}\n' "$text"
    printf '{"id":"b","text":"%s"}\n' "$text"
} > "$T/in.jsonl"
"$REPRINT" cluster -q --url-field link "$T/in.jsonl" > "$T/url.jsonl"
grep -qF '{"id":"a",' "$T/url.jsonl" || fail "cluster --url-field: no line for a"
[ "$(field "$T/url.jsonl" a url)" = https://example.org/a ] || fail "cluster --url-field: no url"
[ "$(field "$T/url.jsonl" b url)" = null ] || fail "cluster --url-field: url on b"
"$REPRINT" cluster -q "$T/in.jsonl" > "$T/nourl.jsonl"
! grep -q '"url"' "$T/nourl.jsonl" || fail "cluster without --url-field prints url"
"$REPRINT" cluster -q --url-field link - < "$T/in.jsonl" | cmp -s - "$T/url.jsonl" ||
    fail "cluster --url-field from stdin differs"
expect_exit 2 "$REPRINT" index add "$T/ix" --url-field link "$T/in.jsonl" 2> /dev/null
# pairs: "jaccard" only on near pairs with --verify exact
printf '{"id":"c","text":"%s and more"}\n' "$text" >> "$T/in.jsonl"
"$REPRINT" pairs -q "$T/in.jsonl" > "$T/p1"
"$REPRINT" pairs -q --verify exact "$T/in.jsonl" > "$T/p2"
! grep -q '"jaccard"' "$T/p1" || fail "pairs prints jaccard without --verify exact"
grep -q '"relation":"near".*"jaccard"' "$T/p2" || fail "pairs --verify exact: no jaccard"
! grep -q '"relation":"exact".*"jaccard"' "$T/p2" || fail "pairs: jaccard on an exact pair"
# --report: the batch commands write it; index and eval refuse it (usage error)
"$REPRINT" pairs -q --report "$T/r.html" "$T/in.jsonl" > /dev/null
[ -s "$T/r.html" ] || fail "pairs --report wrote no report"
expect_exit 2 "$REPRINT" index add "$T/ix" --report "$T/r2.html" "$T/in.jsonl" 2> /dev/null
expect_exit 2 "$REPRINT" eval --gold "$T/in.jsonl" --report "$T/r2.html" "$T/url.jsonl" \
    2> /dev/null
echo "docs_sync: ok"
