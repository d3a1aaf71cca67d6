#!/usr/bin/env bash
# reprint.pc: `pkg-config --cflags --libs --static reprint` links a program against
# libreprint.a and every library it needs, from the build tree (PKG_CONFIG_PATH=build) and
# from an installed tree moved elsewhere after `cmake --install` (the .pc is relocatable).
source "$(dirname "$0")/common.bash"
BUILD=$(cd "$(dirname "$REPRINT")" && pwd)
command -v pkg-config > /dev/null || fail "pkg-config is not installed"
CC=${CC:-cc}
cat > "$T/t.c" << 'C'
#include <stdio.h> /* printf */
#include <reprint/reprint.h>
int main(void)
{
    rp_config cfg;
    rp_config_default(&cfg);
    printf("%s %s\n", rp_version(), rp_strerror(RP_OK));
    return 0;
}
C
# Fully static when the C library has an archive (glibc's libc.a), else libreprint.a alone.
static_flag=-static
echo 'int main(void){return 0;}' > "$T/s.c"
"$CC" -static -o "$T/s" "$T/s.c" 2> /dev/null || static_flag=
# a sanitized build (make asan) links its runtimes, which do not link -static
san=$(build_cc_flags "$BUILD")
[ -z "$san" ] || static_flag=
# Debian ships CLD2 (language identification) as a shared library only
if grep -q -- '-lcld2' "$BUILD/reprint.pc" && ! "$CC" -print-file-name=libcld2.a | grep -q /; then
    static_flag=
fi
link() { # link PC_DIR OUT
    local flags
    flags=$(PKG_CONFIG_PATH=$1 pkg-config --cflags --libs --static reprint) ||
        fail "pkg-config --static reprint failed with PKG_CONFIG_PATH=$1"
    case " $flags " in
    *" -llmdb "*) ;;
    *) fail "$1/reprint.pc: --static lacks -llmdb: $flags" ;;
    esac
    if [ -z "$static_flag" ]; then flags=${flags/-lreprint/-Wl,-Bstatic -lreprint -Wl,-Bdynamic}; fi
    # shellcheck disable=SC2086
    "$CC" $static_flag $san -o "$2" "$T/t.c" $flags 2> "$T/cc.err" ||
        fail "$1/reprint.pc: static link failed: $flags: $(head -5 "$T/cc.err")"
    "$2" > "$T/out" || fail "$2 failed"
    grep -q "^$("$REPRINT" version | cut -d' ' -f2) " "$T/out" || fail "$2 printed $(cat "$T/out")"
    if command -v ldd > /dev/null && ldd "$2" 2> /dev/null | grep -q libreprint; then
        fail "$2 links libreprint dynamically"
    fi
}
link "$BUILD" "$T/built"
cmake --install "$BUILD" --prefix "$T/inst" > /dev/null || fail "cmake --install failed"
mv "$T/inst" "$T/moved"
pc=$(find "$T/moved" -name reprint.pc | head -1)
[ -n "$pc" ] || fail "cmake --install wrote no reprint.pc"
# shellcheck disable=SC2016
grep -q '^prefix=${pcfiledir}/' "$pc" || fail "installed reprint.pc is not relocatable: $pc"
link "$(dirname "$pc")" "$T/installed"
echo "pkgconfig_static: ok"
