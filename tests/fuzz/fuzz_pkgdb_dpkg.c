/* Fuzz target: the dpkg status file reader, with one body for every info/NAME.list. */
#include "fuzz.h"
#include "fuzz_pkgdb.h"

FUZZ_ENTRY(pkgdb_dpkg)
{
    fuzz_pkgdb_image image;
    fuzz_pkgdb_split(data, size, "/var/lib/dpkg/status", &image);
    whc_pkgdb_reader reader = fuzz_pkgdb_reader(&image);

    whc_pkgdb db = { 0 };
    wh_error err = { 0 };
    (void)whc_pkgdb_read_dpkg(&reader, &db, &err);
    whc_pkgdb_free(&db);
    return 0;
}
