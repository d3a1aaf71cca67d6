#!/bin/sh
# SPDX-License-Identifier: MIT
# Install reprint's build and test dependencies from Debian packages, or the packages given as
# arguments (scripts/install-browser-deps.sh). Idempotent: installs only what is missing.
set -eu
# The FreeDict dictionaries feed the word lists of the cross-language evidence
# (tools/lexicon.py; measured in tests/shared/translations.sh). X-eng and eng-X of every language
# CLD2 names that Debian has; of the dictionaries between two other languages only those that
# helped: deu-rus, deu-fra, fra-deu (tools/lexicon.py's WORSE names those that did not, and
# never reads them). The Hunspell dictionaries give the stems of inflected words the lists lack
# (lib/lang/lang_stem.c), for the languages with a list.
DEFAULT_PKGS="build-essential cmake pkg-config libutf8proc-dev libxxhash-dev zlib1g-dev libzstd-dev
libdeflate-dev libjansson-dev libcmocka-dev python3 zstd gzip clang libclang-rt-14-dev valgrind time
liblmdb-dev libmicrohttpd-dev curl libuchardet-dev python3-dev python3-setuptools python3-pip
python3-pytest python3-pandas libicu-dev libcld2-dev dict-freedict-deu-eng dict-freedict-fra-eng
dict-freedict-eng-fra dict-freedict-eng-rus dict-freedict-deu-rus dict-freedict-isl-eng
dict-freedict-fin-eng dict-freedict-eng-fin dict-freedict-jpn-eng dict-freedict-spa-eng
dict-freedict-ita-eng dict-freedict-por-eng dict-freedict-nld-eng dict-freedict-swe-eng
dict-freedict-pol-eng dict-freedict-ces-eng dict-freedict-hrv-eng dict-freedict-tur-eng
dict-freedict-deu-fra dict-freedict-fra-deu dict-freedict-eng-jpn dict-freedict-eng-deu
dict-freedict-eng-ces dict-freedict-eng-pol dict-freedict-eng-lit dict-freedict-eng-rom
dict-freedict-eng-tur dict-freedict-eng-hrv dict-freedict-eng-spa dict-freedict-eng-ita
dict-freedict-eng-por dict-freedict-eng-nld dict-freedict-eng-swe dict-freedict-eng-ell
dict-freedict-eng-hun dict-freedict-eng-bul dict-freedict-eng-dan dict-freedict-eng-srp
libhunspell-dev hunspell-de-de hunspell-fr hunspell-ru hunspell-is hunspell-cs hunspell-es
hunspell-it hunspell-hr hunspell-tr hunspell-nl hunspell-sv hunspell-pt-pt hunspell-da
hunspell-bg hunspell-hu hunspell-ro hunspell-sr hunspell-pl hunspell-lt hunspell-el"
PKGS=${*:-$DEFAULT_PKGS}
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "install-deps: installing$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
