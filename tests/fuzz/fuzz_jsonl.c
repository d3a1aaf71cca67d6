/* SPDX-License-Identifier: MIT */
/* fuzz_jsonl.c -- libFuzzer target for JSON Lines and JSON array framing and parsing, and
 * (bit 3) for format sniffing: JSON, WARC, HTML pages and text by their first bytes.
 * Byte 0: bit 0 picks .jsonl or .json, bit 1 truncate_large, bit 2 max_doc_size 64 instead
 * of 4096, bit 3 a file without extension (sniffed); the rest is the file. */
#include "fuzz_helpers.h" /* fuzz_write_file, fuzz_read_all */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = (data[0] & 8u) ? "x" : (data[0] & 1u) ? "x.json" : "x.jsonl";
    const char *path = fuzz_write_file(name, data + 1, size - 1);
    fuzz_read_all(path, size, data[0]);
    return 0;
}
