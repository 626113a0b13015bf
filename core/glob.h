// Path globs for trimming: exclude-paths and keep lists in the spec.
//
//   *      any characters except '/'
//   ?      one character except '/'
//   [abc]  one character from the set; [!abc] or [^abc] negates, a-z ranges
//   **     as a whole path segment: zero or more segments, so
//          "/usr/share/doc/**" matches everything below /usr/share/doc (not
//          the directory itself) and "/usr/**/*.a" matches .a files anywhere
//          below /usr
//   \c     the character c literally
//
// Patterns and paths are absolute ("/usr/bin/tini"); a pattern matches the
// whole path.
#ifndef WH_GLOB_H
#define WH_GLOB_H

#include "error.h"

/* Returns 1 when path matches pattern, 0 otherwise. */
int wh_glob_match(const char *pattern, const char *path);

/*
 * Checks that pattern is a usable glob: absolute, with balanced brackets
 * and "**" only as a whole segment. Names the pattern in err.
 */
wh_status wh_glob_validate(const char *pattern, wh_error *err);

#endif
