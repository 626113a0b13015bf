/*
 * Shared by the libFuzzer targets in this folder and by the unit test that
 * replays their regression inputs (tests/unit/test_fuzz_regressions.c).
 *
 * Each target defines its entry point with FUZZ_ENTRY(name). Built by
 * `make fuzz`, that is libFuzzer's LLVMFuzzerTestOneInput. With
 * FUZZ_REPLAY defined it is an ordinary function fuzz_one_NAME, so the
 * replay test can include every target in one program and call each.
 * Statics in the targets therefore carry their target's name.
 */
#ifndef WH_FUZZ_H
#define WH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_REPLAY
#define FUZZ_ENTRY(name) int fuzz_one_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_ENTRY(name)                                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/*
 * Returns a malloc'd copy of data with a NUL after it, for APIs that take a
 * C string, or NULL when out of memory. APIs that take a length get data
 * itself, so that AddressSanitizer catches a read one byte past the end.
 */
char *fuzz_text_copy(const uint8_t *data, size_t size);

#endif
