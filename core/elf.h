/*
 * A bounds-checked reader for the parts of an ELF file that classification
 * needs: the file type, the program interpreter and the dynamic section's
 * DT_NEEDED, DT_SONAME, DT_RUNPATH, DT_RPATH and DT_FLAGS_1 entries.
 *
 * The reader works on a whole file held in memory, accepts 32- and 64-bit
 * files in either byte order, and never reads outside the buffer. A damaged
 * file yields what could be read plus WH_ELF_DEFECT_* bits saying what could
 * not.
 */
#ifndef WH_ELF_H
#define WH_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Parts of the file that were present but unreadable. */
enum {
    WH_ELF_DEFECT_PROGRAM_HEADERS = 1u << 0, /* table missing, truncated or with a bad entry size */
    WH_ELF_DEFECT_INTERP = 1u << 1,          /* PT_INTERP outside the file or empty */
    WH_ELF_DEFECT_DYNAMIC = 1u << 2,         /* PT_DYNAMIC outside the file or not terminated */
    WH_ELF_DEFECT_STRINGS = 1u << 3,         /* no dynamic string table, or a name outside it */
    WH_ELF_DEFECT_LOAD = 1u << 4,            /* a PT_LOAD segment ends past the end of the file */
};

typedef struct wh_elf_info {
    int elf_class;         /* ELFCLASS32 or ELFCLASS64 */
    int byte_order;        /* ELFDATA2LSB or ELFDATA2MSB */
    unsigned type;         /* e_type: ET_EXEC, ET_DYN, ET_REL, ET_CORE, ... */
    unsigned machine;      /* e_machine */
    uint64_t entry;        /* e_entry, 0 when the file has no entry point */
    int has_interp;        /* a PT_INTERP header exists, even when its string is unreadable */
    int has_dynamic;       /* a PT_DYNAMIC header exists */
    char *interp;          /* the PT_INTERP path, or NULL */
    size_t needed_entries; /* DT_NEEDED entries, counting those whose names are unreadable */
    char **needed;         /* readable DT_NEEDED names in file order */
    size_t needed_count;
    char *soname;     /* DT_SONAME, or NULL */
    char *runpath;    /* DT_RUNPATH, or NULL */
    char *rpath;      /* DT_RPATH, or NULL */
    int has_flags_1;  /* a DT_FLAGS_1 entry exists */
    uint64_t flags_1; /* DT_FLAGS_1 (DF_1_PIE, ...), 0 when absent */
    unsigned defects; /* WH_ELF_DEFECT_* bits */
} wh_elf_info;

/* Returns nonzero when data starts with the four ELF magic bytes. */
int wh_elf_has_magic(const unsigned char *data, size_t size);

/*
 * Parses the ELF file in data[0..size). The buffer is only read, never kept.
 * Returns WH_OK with out filled, WH_ERR_FORMAT when data is not ELF or its
 * file header is truncated or of an unknown class or byte order, or
 * WH_ERR_NOMEM. On failure out is left zeroed. On success the caller owns
 * out and frees it with wh_elf_info_free.
 */
wh_status wh_elf_parse(const unsigned char *data, size_t size, wh_elf_info *out, wh_error *err);

/* Frees the members of info (not info itself) and zeroes it. Accepts NULL. */
void wh_elf_info_free(wh_elf_info *info);

#endif
