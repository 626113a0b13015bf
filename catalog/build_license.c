/*
 * License names for the SBOM. Debian packages declare licenses with the
 * short names of the machine-readable copyright format (DEP-5), such as
 * "GPL-2+" or "Expat", which are not SPDX identifiers. SPDX 2.3 requires a
 * license expression, "NONE" or "NOASSERTION" in licenseDeclared.
 */
#include "build_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* DEP-5 short names that differ from their SPDX identifier. */
static const struct {
    const char *debian, *spdx;
} renamed[] = {
    { "Expat", "MIT" },
    { "GPL-1", "GPL-1.0-only" },        { "GPL-1+", "GPL-1.0-or-later" },
    { "GPL-2", "GPL-2.0-only" },        { "GPL-2+", "GPL-2.0-or-later" },
    { "GPL-3", "GPL-3.0-only" },        { "GPL-3+", "GPL-3.0-or-later" },
    { "LGPL-2", "LGPL-2.0-only" },      { "LGPL-2+", "LGPL-2.0-or-later" },
    { "LGPL-2.1", "LGPL-2.1-only" },    { "LGPL-2.1+", "LGPL-2.1-or-later" },
    { "LGPL-3", "LGPL-3.0-only" },      { "LGPL-3+", "LGPL-3.0-or-later" },
    { "AGPL-3", "AGPL-3.0-only" },      { "AGPL-3+", "AGPL-3.0-or-later" },
    { "Apache-2", "Apache-2.0" },       { "MPL-2", "MPL-2.0" },
    { "Artistic", "Artistic-1.0-Perl" },
};

/* SPDX license list identifiers that packages commonly declare as they are. */
static const char *const spdx_ids[] = {
    "0BSD",         "Apache-2.0",   "Artistic-2.0", "BSD-2-Clause", "BSD-3-Clause",
    "BSD-4-Clause", "BSL-1.0",      "CC0-1.0",      "curl",         "ISC",
    "MIT",          "MPL-2.0",      "OpenLDAP-2.8", "OpenSSL",      "PSF-2.0",
    "Unlicense",    "X11",          "Zlib",         "Zsh",          "GPL-2.0-only",
    "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only",
    "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
};

/* Returns the SPDX identifier for one license name, or NULL when it has none. */
static const char *spdx_identifier(const char *name, size_t length)
{
    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
        if (strlen(renamed[i].debian) == length && strncmp(renamed[i].debian, name, length) == 0)
            return renamed[i].spdx;
    }
    /* SPDX matches identifiers case-insensitively, so "BSD-3-clause" is BSD-3-Clause. */
    for (size_t i = 0; i < sizeof(spdx_ids) / sizeof(spdx_ids[0]); i++) {
        if (strlen(spdx_ids[i]) == length && strncasecmp(spdx_ids[i], name, length) == 0)
            return spdx_ids[i];
    }
    return NULL;
}

int whc_build_spdx_license(const char *declared, char *out, size_t size)
{
    size_t used = 0;
    const char *cursor = declared;
    if (declared == NULL || declared[0] == '\0')
        return 0;

    /* DEP-5 joins alternatives with "or" and "and"; SPDX writes OR and AND. */
    while (*cursor != '\0') {
        size_t length = strcspn(cursor, " ");
        const char *id = spdx_identifier(cursor, length);
        if (id == NULL)
            return 0;
        int written = snprintf(out + used, size - used, "%s", id);
        if (written < 0 || (size_t)written >= size - used)
            return 0;
        used += (size_t)written;
        cursor += length;
        if (*cursor == '\0')
            break;

        const char *op = NULL;
        if (strncasecmp(cursor, " or ", 4) == 0)
            op = " OR ";
        else if (strncasecmp(cursor, " and ", 5) == 0)
            op = " AND ";
        if (op == NULL)
            return 0;
        cursor += strlen(op);
        written = snprintf(out + used, size - used, "%s", op);
        if (written < 0 || (size_t)written >= size - used)
            return 0;
        used += (size_t)written;
    }
    return 1;
}
