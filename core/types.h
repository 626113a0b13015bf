/*
 * Vocabulary shared by the core, the catalog and the front end: component
 * kinds, file types and the classification flags derived from file contents.
 * Each enum has a name table; the names are public (JSON output, the catalog
 * schema, specs), so existing names never change.
 */
#ifndef WH_TYPES_H
#define WH_TYPES_H

typedef enum wh_kind {
    WH_KIND_UTILITY = 0,
    WH_KIND_LIBRARY,
    WH_KIND_DATA,
    WH_KIND_BASE,
    WH_KIND_APPLICATION,
    WH_KIND_COUNT
} wh_kind;

typedef enum wh_file_type {
    WH_FILE_REGULAR = 0,
    WH_FILE_DIRECTORY,
    WH_FILE_SYMLINK,
    WH_FILE_HARDLINK, /* a second name for a regular file; target is the first name */
    WH_FILE_DEVICE,   /* character or block device, as the mode's S_IFMT bits record */
    WH_FILE_FIFO,
    WH_FILE_TYPE_COUNT
} wh_file_type;

/* Classification flags: one bit each, named in wh_flag_names order. */
enum {
    WH_FLAG_STATIC = 1u << 0,          /* ELF executable with no interpreter and no DT_NEEDED */
    WH_FLAG_STATIC_PIE = 1u << 1,      /* position-independent static executable */
    WH_FLAG_DYNAMIC = 1u << 2,         /* ELF with an interpreter or DT_NEEDED entries */
    WH_FLAG_SCRIPT = 1u << 3,          /* starts with #! */
    WH_FLAG_SHELL = 1u << 4,           /* a command shell, standalone or as a multi-call applet */
    WH_FLAG_MULTICALL = 1u << 5,       /* BusyBox or toybox, detected by content */
    WH_FLAG_PACKAGE_MANAGER = 1u << 6, /* dpkg, apt, apk, rpm and friends */
    WH_FLAG_SETUID = 1u << 7,
    WH_FLAG_SETGID = 1u << 8,
    WH_FLAG_CAPABILITIES = 1u << 9,    /* carries a security.capability xattr */
    WH_FLAG_WORLD_WRITABLE = 1u << 10, /* other-write bit on a non-symlink */
    WH_FLAG_SHARED_LIBRARY = 1u << 11, /* ELF shared object that is not an executable */
    WH_FLAG_COUNT_ = 12
};

/* Returns "utility", "library", ... or NULL for an out-of-range value. */
const char *wh_kind_name(wh_kind kind);
/* Parses a kind name; returns 0 and sets *out, or -1 for an unknown name. */
int wh_kind_parse(const char *name, wh_kind *out);

/* Returns "regular", "directory", "symlink", "hardlink", "device" or "fifo". */
const char *wh_file_type_name(wh_file_type type);
int wh_file_type_parse(const char *name, wh_file_type *out);

/*
 * Returns the name of one flag bit ("static", "static-pie", "dynamic",
 * "script", "shell", "multicall", "package-manager", "setuid", "setgid",
 * "capabilities", "world-writable", "shared-library"), or NULL when flag is
 * not exactly one known bit.
 */
const char *wh_flag_name(unsigned flag);

#endif
