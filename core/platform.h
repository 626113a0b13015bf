/* OCI platforms ("linux/amd64") and the package architectures that run on them. */
#ifndef WH_PLATFORM_H
#define WH_PLATFORM_H

/* The platform of a spec that names none. */
#define WH_PLATFORM_DEFAULT "linux/amd64"

/*
 * Returns the package architecture names that Debian, Alpine and RPM use
 * for the ARCH of "OS/ARCH[/VARIANT]" (for "linux/arm64": "arm64" and
 * "aarch64") as a static NULL-terminated list, or NULL for an unknown ARCH.
 */
const char *const *wh_platform_architectures(const char *platform);

/*
 * Returns nonzero when a component built for the package architecture
 * architecture runs on platform. Architecture-independent components
 * ("all", "noarch", or none recorded) run everywhere.
 */
int wh_platform_accepts(const char *platform, const char *architecture);

#endif
