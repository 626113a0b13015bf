/*
 * Text helpers shared by the views: sizes for people, signed changes and
 * case-insensitive matching. Pure functions, tested in tests/unit/test_tui_format.c.
 */
#ifndef TUI_FORMAT_H
#define TUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Formats bytes as "512 B", "1.5 KiB", "12.0 MiB" into buffer. Returns buffer. */
const char *tui_format_size(int64_t bytes, char buffer[32]);

/* Formats a change in bytes with its sign: "+1.5 MiB", "-512 B", "0 B". Returns buffer. */
const char *tui_format_size_change(int64_t bytes, char buffer[32]);

/* Whether needle occurs in haystack, ignoring ASCII case. An empty needle matches. */
int tui_contains_text(const char *haystack, const char *needle);

#endif
