/* Fuzz target: the apk installed database reader. */
#include "fuzz.h"
#include "fuzz_pkgdb.h"

FUZZ_ENTRY(pkgdb_apk)
{
    fuzz_pkgdb_image image;
    fuzz_pkgdb_split(data, size, "/lib/apk/db/installed", &image);
    whc_pkgdb_reader reader = fuzz_pkgdb_reader(&image);

    whc_pkgdb db = { 0 };
    wh_error err = { 0 };
    (void)whc_pkgdb_read_apk(&reader, &db, &err);
    whc_pkgdb_free(&db);
    return 0;
}
