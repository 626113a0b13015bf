#include "glob.h"

#include <string.h>

/* Matches one bracket expression at *pattern against c; advances *pattern past it. */
static int match_class(const char **pattern, char c)
{
    const char *p = *pattern + 1;
    int negate = 0;
    int matched = 0;

    if (*p == '!' || *p == '^') {
        negate = 1;
        p++;
    }

    /* A ']' right after the opening bracket is a member, not the end. */
    int first = 1;
    while (*p != '\0' && (*p != ']' || first)) {
        char low = *p;
        char high = low;
        if (p[1] == '-' && p[2] != '\0' && p[2] != ']') {
            high = p[2];
            p += 2;
        }
        if (c >= low && c <= high)
            matched = 1;
        p++;
        first = 0;
    }

    *pattern = (*p == ']') ? p + 1 : p;
    return matched != negate;
}

static int match_here(const char *pattern, const char *path)
{
    while (*pattern != '\0') {
        // "**" as a whole segment: a slash, two stars, then a slash or the end.
        if (pattern[0] == '/' && pattern[1] == '*' && pattern[2] == '*'
            && (pattern[3] == '/' || pattern[3] == '\0')) {
            const char *rest = pattern + 3;
            if (*path != '/')
                return 0;
            if (*rest == '\0')
                return path[1] != '\0'; /* at least one segment below */
            /* Try the rest at every '/' from here on, including this one. */
            for (const char *p = path; *p != '\0'; p++) {
                if (*p == '/' && match_here(rest, p))
                    return 1;
            }
            return 0;
        }

        switch (*pattern) {
        case '*': {
            const char *rest = pattern + 1;
            while (*rest == '*')
                rest++;
            for (const char *p = path;; p++) {
                if (match_here(rest, p))
                    return 1;
                if (*p == '\0' || *p == '/')
                    return 0;
            }
        }
        case '?':
            if (*path == '\0' || *path == '/')
                return 0;
            pattern++;
            path++;
            break;
        case '[':
            if (*path == '\0' || *path == '/' || !match_class(&pattern, *path))
                return 0;
            path++;
            break;
        case '\\':
            if (pattern[1] != '\0')
                pattern++;
            /* fall through */
        default:
            if (*pattern != *path)
                return 0;
            pattern++;
            path++;
            break;
        }
    }
    return *path == '\0';
}

int wh_glob_match(const char *pattern, const char *path)
{
    return match_here(pattern, path);
}

wh_status wh_glob_validate(const char *pattern, wh_error *err)
{
    if (pattern[0] != '/')
        return wh_error_set(err, WH_ERR_INVALID,
                            "path pattern '%s' is not absolute: start it with '/'", pattern);

    for (const char *p = pattern; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
            continue;
        }
        if (*p == '[') {
            const char *close = p[1] == '\0' ? NULL : strchr(p + 2, ']');
            if (close == NULL)
                return wh_error_set(err, WH_ERR_INVALID,
                                    "path pattern '%s' has an unclosed '[': close it with ']'",
                                    pattern);
            p = close;
            continue;
        }
        if (p[0] == '*' && p[1] == '*') {
            int whole = p[-1] == '/' && (p[2] == '/' || p[2] == '\0');
            if (!whole)
                return wh_error_set(err, WH_ERR_INVALID,
                                    "path pattern '%s' uses '**' inside a segment: "
                                    "write it as a whole segment, as in '/usr/share/doc/**'",
                                    pattern);
            p++;
        }
    }
    return WH_OK;
}
