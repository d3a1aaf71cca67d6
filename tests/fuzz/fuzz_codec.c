/* SPDX-License-Identifier: MIT */
/* fuzz_codec.c -- libFuzzer target for the gzip and zstd decoders behind the reader:
 * truncated, corrupt and multi-member/multi-frame streams. Byte 0: bit 0 picks .jsonl.gz or
 * .jsonl.zst, bit 1 truncate_large, bit 2 max_doc_size 64 instead of 4096; the rest is the
 * compressed file. */
#include "fuzz_helpers.h" /* fuzz_write_file, fuzz_read_all */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = (data[0] & 1u) ? "x.jsonl.zst" : "x.jsonl.gz";
    const char *path = fuzz_write_file(name, data + 1, size - 1);
    fuzz_read_all(path, size, data[0]);
    return 0;
}
