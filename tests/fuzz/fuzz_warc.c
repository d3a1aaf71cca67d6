/* SPDX-License-Identifier: MIT */
/* fuzz_warc.c -- libFuzzer target for WARC/WET framing and record parsing (HTTP header
 * removal, HTML to text). Byte 0: bit 0 picks .warc or .wet, bit 1 truncate_large, bit 2
 * max_doc_size 64 instead of 4096; the rest is the file. */
#include "fuzz_helpers.h" /* fuzz_write_file, fuzz_read_all */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = (data[0] & 1u) ? "x.wet" : "x.warc";
    const char *path = fuzz_write_file(name, data + 1, size - 1);
    fuzz_read_all(path, size, data[0]);
    return 0;
}
