#include "format.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *tui_format_size(int64_t bytes, char buffer[32])
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    uint64_t magnitude = bytes < 0 ? (uint64_t)(-(bytes + 1)) + 1 : (uint64_t)bytes;
    const char *sign = bytes < 0 ? "-" : "";

    if (magnitude < 1024) {
        snprintf(buffer, 32, "%s%llu B", sign, (unsigned long long)magnitude);
        return buffer;
    }
    double value = (double)magnitude / 1024.0;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < sizeof(units) / sizeof(units[0])) {
        value /= 1024.0;
        unit++;
    }
    snprintf(buffer, 32, "%s%.1f %s", sign, value, units[unit]);
    return buffer;
}

const char *tui_format_size_change(int64_t bytes, char buffer[32])
{
    char size[32];
    tui_format_size(bytes, size);
    snprintf(buffer, 32, "%s%.30s", bytes > 0 ? "+" : "", size);
    return buffer;
}

int tui_contains_text(const char *haystack, const char *needle)
{
    if (!needle || !needle[0])
        return 1;
    if (!haystack)
        return 0;

    size_t length = strlen(needle);
    for (const char *start = haystack; *start; start++) {
        size_t i = 0;
        while (i < length && start[i] &&
               tolower((unsigned char)start[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == length)
            return 1;
    }
    return 0;
}
