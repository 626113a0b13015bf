/*
 * Fuzz target: the .apk reader through the importer. The seed corpus contains
 * small Alpine packages (concatenated gzip members of tar streams).
 */
#include "fuzz.h"
#include "fuzz_catalog.h"

FUZZ_ENTRY(apk)
{
    fuzz_import_bytes(data, size);
    return 0;
}
