#!/usr/bin/env bash
# The Python package gives the CLI's results on the seeds-in-Reuters mix at every level, from
# the file and from dicts (python/tests_shared/, pytest). Fails, never skips, without
# ../shared or without the extension's build tools.
source "$(dirname "$0")/common.bash"
seeds_mix "$T/mix.jsonl"
cd "$SRCDIR/python"
# --force: setuptools does not see libreprint.a change, and a stale extension would compare
# the CLI with an older library
REPRINT_BUILD_DIR=$(dirname "$REPRINT") /usr/bin/python3 setup.py -q build_ext --inplace --force \
    >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; fail "cannot build the extension"; }
RP_MIX="$T/mix.jsonl" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests_shared ||
    fail "python results differ from the CLI's"
