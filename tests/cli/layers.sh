#!/usr/bin/env bash
# The stage order (docs/ARCHITECTURE.md) holds, and scripts/check_layers.py catches each kind
# of violation when one is planted in a copy of the tree: a lower stage including a higher
# stage's header, one driver including the other, the public header circle coming back, a
# program including a private header.
source "$(dirname "$0")/common.bash"
CHECK="$SRCDIR/scripts/check_layers.py"
python3 "$CHECK" "$SRCDIR" || fail "the tree violates the stage order"

plant() { # plant FILE LINE EXPECTED: a copy with LINE added to FILE must fail naming EXPECTED
    rm -rf "$T/tree"
    mkdir -p "$T/tree"
    cp -r "$SRCDIR/lib" "$SRCDIR/include" "$SRCDIR/programs" "$SRCDIR/python" "$T/tree/"
    [ -f "$T/tree/$1" ] || fail "no $1 to plant into"
    printf '%s\n' "$2" >>"$T/tree/$1"
    if python3 "$CHECK" "$T/tree" >"$T/out" 2>&1; then
        fail "check_layers passed with '$2' planted in $1"
    fi
    grep -qF "$3" "$T/out" || { cat "$T/out" >&2; fail "check_layers did not name '$3'"; }
}
plant lib/near/near.c '#include "story/story_internal.h"' 'stage near includes story/story_internal.h'
plant lib/doc/doc_prep.c '#include "reprint/reprint.h"' 'stage doc includes reprint/reprint.h'
plant lib/story/story.c '#include "engine/engine_internal.h"' 'stage story includes engine/engine_internal.h'
plant lib/engine/engine.c '#include "index/index_internal.h"' 'stage engine includes index/index_internal.h'
plant lib/common/alloc.c '#include "ingest/ingest_internal.h"' 'stage common includes ingest/ingest_internal.h'
plant include/reprint/reprint.h '#include "rp_index.h"' 'reprint.h (stage engine) includes rp_index.h'
plant programs/rp_cli.c '#include "engine/engine_internal.h"' 'programs/ sees only include/reprint/'
plant python/reprint/_reprint.c '#include "story/story_internal.h"' 'python/ sees only include/reprint/'
echo "layers: ok, and 8 planted violations caught"
