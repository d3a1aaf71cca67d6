#!/usr/bin/env bash
# Every option listed by `reprint --help` is documented in the man page and the README.
source "$(dirname "$0")/common.bash"
"$REPRINT" --help > "$T/help"
grep -q "Exit status" "$T/help" || fail "--help lacks exit status"
for opt in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
    man_opt=${opt//-/\\-}  # troff spells - as \-
    grep -qF -- "$man_opt" "$SRCDIR/docs/reprint.1" || fail "$opt missing from docs/reprint.1"
    grep -q -- "$opt" "$SRCDIR/README.md" || fail "$opt missing from README.md"
done
echo "docs_options: ok"
