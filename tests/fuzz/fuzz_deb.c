/*
 * Fuzz target: the .deb reader through the importer. The seed corpus contains
 * small Debian packages, so most mutations reach the ar, control and data
 * tar readers; an input that is no package is imported as a single file.
 */
#include "fuzz.h"
#include "fuzz_catalog.h"

FUZZ_ENTRY(deb)
{
    fuzz_import_bytes(data, size);
    return 0;
}
