#!/usr/bin/env bash
# Source lint (curl checksrc / xxHash style): lines <= 100 columns and no trailing whitespace
# in lib/, include/, programs/; lib/ never prints, exits or aborts.
source "$(dirname "$0")/common.bash"
cd "$SRCDIR"
files=$(ls lib/*/*.c lib/*/*.h include/reprint/*.h programs/*.c programs/*.h)
long=$(awk 'length > 100 {print FILENAME":"FNR}' $files)
[ -z "$long" ] || fail "lines over 100 columns: $long"
trail=$(grep -nE '[[:space:]]+$' $files || true)
[ -z "$trail" ] || fail "trailing whitespace: $trail"
banned=$(grep -nE '(^|[^a-z_])(printf|fprintf|puts|fputs|perror|exit|abort)[[:space:]]*\(' lib/*/*.c | grep -v 'snprintf' || true)
[ -z "$banned" ] || fail "lib/ must not print or exit: $banned"
echo "lint: ok"
