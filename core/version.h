/*
 * Version ordering for Debian and Alpine packages, and version constraints.
 * Each compare function returns a negative number, 0 or a positive number
 * as a sorts before, equal to or after b, like strcmp.
 */
#ifndef WH_VERSION_H
#define WH_VERSION_H

/*
 * Compares Debian versions [epoch:]upstream[-revision] as Debian Policy
 * 5.6.12 describes: epochs numerically, then upstream and revision by
 * alternating non-digit parts (letters before other characters, '~' before
 * everything, even the end) and digit parts (numerically). A missing epoch
 * is 0 and a missing revision equals "0".
 */
int wh_version_compare_debian(const char *a, const char *b);

/*
 * Compares Alpine apk versions: dot-separated numbers, an optional letter,
 * suffixes (_alpha < _beta < _pre < _rc < none < _cvs < _svn < _git < _hg
 * < _p, each with an optional number) and an optional -rN revision.
 * A string that does not parse as an apk version is compared with strcmp
 * and sorts after every valid one.
 */
int wh_version_compare_apk(const char *a, const char *b);

/*
 * Tests "version op wanted" with the given compare function. op is one of
 * "<<" (strictly lower), "<=", "=", ">=", ">>" (strictly higher), "<" and
 * ">", or "~". The one-character "<" and ">" keep their deprecated Debian
 * meaning, "<=" and ">=" (Debian Policy 7.1), so an apk importer stores
 * apk's strict "<" and ">" as "<<" and ">>". "~" is apk's fuzzy match: the
 * version equals wanted or continues it after a component boundary ("1.2"
 * matches "1.2.5" and "1.2_rc1", not "1.20").
 * Returns 1 when satisfied, 0 when not, -1 for an unknown op.
 */
int wh_version_satisfies(int (*compare)(const char *, const char *), const char *version,
                         const char *op, const char *wanted);

#endif
