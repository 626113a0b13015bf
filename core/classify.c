#include "classify.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf.h"
#include "shebang.h"

/*
 * Shell names, matched against a file's basename after any "-static" suffix
 * is removed, so "bash-static" and "zsh-static" count too. Restricted
 * variants are shells as well: they only limit what an interactive user can
 * type.
 */
static const char *const shell_names[] = {
    "sh",   "ash",   "bash", "rbash", "dash",  "zsh",  "zsh5",  "rzsh",
    "ksh",  "ksh93", "rksh", "mksh",  "rmksh", "lksh", "rlksh", "pdksh",
    "oksh", "sash",  "fish", "csh",   "tcsh",  "yash", "posh",  "hush",
};

/*
 * Package managers, matched against a file's basename. Language package
 * managers (pip, gem, npm, ...) are included: like apt, they download and
 * install code into a running container, which is what the "no package
 * manager" policy exists to prevent. Compilers and build tools that can also
 * fetch code (go, cargo) are not package managers and are left out.
 */
static const char *const package_manager_names[] = {
    "dpkg",     "dpkg-deb", "dpkg-query",   "dpkg-divert", "apt",    "apt-get", "apt-cache",
    "apt-key",  "apt-mark", "apt-config",   "aptitude",    "apk",    "rpm",     "rpmdb",
    "yum",      "dnf",      "dnf5",         "microdnf",    "tdnf",   "zypper",  "pacman",
    "opkg",     "ipkg",     "xbps-install", "xbps-remove", "emerge", "nix-env", "snap",
    "flatpak",  "pip",      "easy_install", "gem",         "npm",    "yarn",    "pnpm",
    "composer", "cpan",     "cpanm",
};

/*
 * Version strings compiled into ELF shells, found by content so a renamed
 * shell is still caught. Checked against Debian 12's bash 5.2, mksh and
 * lksh R59 and zsh-static 5.9. dash has no such string and is found by name only.
 */
static const char *const shell_markers[] = {
    "@(#)Bash version ",
    "@(#)MIRBSD KSH R",
    "@(#)LEGACY KSH R",
    "ZSH_EXECUTION_STRING",
};

/* The start of BusyBox's version banner, as in "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)". */
static const char busybox_marker[] = "BusyBox v";

/*
 * Strings from toybox's own help and usage text, present in toybox 0.8.9
 * as shipped by Debian 12.
 * NOTE: a toybox built without CONFIG_TOYBOX_HELP may contain none of them.
 */
static const char *const toybox_markers[] = {
    "Toybox %s multicall binary",
    "usage: toybox [",
    "landley.net/toybox",
};

/* BusyBox applets that are command shells. */
static const char *const busybox_shell_applets[] = {"ash", "hush", "sh"};

#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

static int contains(const unsigned char *data, size_t size, const char *marker)
{
    return memmem(data, size, marker, strlen(marker)) != NULL;
}

static int name_in(const char *name, size_t length, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strlen(names[i]) == length && memcmp(names[i], name, length) == 0)
            return 1;
    }
    return 0;
}

/* Returns the last component of path, ignoring trailing slashes, and its length. */
static const char *path_basename(const char *path, size_t *length)
{
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;

    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;

    *length = end - start;
    return path + start;
}

static int is_shell_name(const char *name, size_t length)
{
    static const char suffix[] = "-static";
    size_t suffix_length = sizeof(suffix) - 1;
    if (length > suffix_length && memcmp(name + length - suffix_length, suffix, suffix_length) == 0)
        length -= suffix_length;
    return name_in(name, length, shell_names, ARRAY_LENGTH(shell_names));
}

static int is_package_manager_name(const char *name, size_t length)
{
    if (name_in(name, length, package_manager_names, ARRAY_LENGTH(package_manager_names)))
        return 1;

    /* Versioned pip entry points: pip3, pip3.11. */
    if (length <= 3 || memcmp(name, "pip", 3) != 0)
        return 0;
    for (size_t i = 3; i < length; i++) {
        if ((name[i] < '0' || name[i] > '9') && name[i] != '.')
            return 0;
    }
    return 1;
}

/* A regular file (or a hard link to one) with an execute bit, or a symbolic link. */
static int is_executable_entry(const wh_file_meta *meta)
{
    if (meta->type == WH_FILE_SYMLINK)
        return 1;
    if (meta->type == WH_FILE_REGULAR || meta->type == WH_FILE_HARDLINK)
        return (meta->mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
    return 0;
}

static unsigned classify_mode(const wh_file_meta *meta)
{
    unsigned flags = 0;

    /* A hard link is another name for a regular file and carries its mode. */
    if (meta->type == WH_FILE_REGULAR || meta->type == WH_FILE_HARDLINK) {
        if (meta->mode & S_ISUID)
            flags |= WH_FLAG_SETUID;
        if (meta->mode & S_ISGID)
            flags |= WH_FLAG_SETGID;
    }
    if (meta->type != WH_FILE_SYMLINK && (meta->mode & S_IWOTH))
        flags |= WH_FLAG_WORLD_WRITABLE;
    if (meta->has_capabilities)
        flags |= WH_FLAG_CAPABILITIES;
    return flags;
}

/* Returns 1 when name is a plausible BusyBox applet name of 1 to 32 characters. */
static int is_applet_name(const unsigned char *name, size_t length)
{
    if (length == 0 || length > 32)
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = name[i];
        int allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                      c == '.' || c == '[';
        if (!allowed)
            return 0;
    }
    return 1;
}

static int compare_names(const unsigned char *a, size_t a_length, const unsigned char *b,
                         size_t b_length)
{
    size_t common = a_length < b_length ? a_length : b_length;
    int order = memcmp(a, b, common);
    if (order != 0)
        return order;
    return (a_length > b_length) - (a_length < b_length);
}

/*
 * Counts how many names around data[start..start+length) continue a sorted,
 * NUL-separated list of applet names, looking at most 3 names each way.
 */
static int count_sorted_neighbours(const unsigned char *data, size_t size, size_t start,
                                   size_t length)
{
    int count = 0;

    /* Walk backwards: each earlier name must sort before the one after it. */
    size_t current = start, current_length = length;
    for (int step = 0; step < 3 && current >= 2; step++) {
        size_t end = current - 1; /* the NUL that ends the previous name */
        size_t begin = end;
        while (begin > 0 && data[begin - 1] != '\0' && end - begin <= 32)
            begin--;
        if (!is_applet_name(data + begin, end - begin) ||
            compare_names(data + begin, end - begin, data + current, current_length) >= 0)
            break;
        current = begin;
        current_length = end - begin;
        count++;
    }

    /* Walk forwards: each later name must sort after the one before it. */
    current = start;
    current_length = length;
    for (int step = 0; step < 3; step++) {
        size_t begin = current + current_length + 1;
        if (begin >= size)
            break;
        const unsigned char *nul = memchr(data + begin, '\0', size - begin);
        if (nul == NULL)
            break;
        size_t next_length = (size_t)(nul - (data + begin));
        if (!is_applet_name(data + begin, next_length) ||
            compare_names(data + current, current_length, data + begin, next_length) >= 0)
            break;
        current = begin;
        current_length = next_length;
        count++;
    }
    return count;
}

/*
 * Looks for applet in BusyBox's applet table: a single sorted, NUL-separated
 * list of names. An occurrence counts when at least 3 neighbouring names
 * continue the sorted order, which rules out stray strings such as "sh" in
 * an error message.
 */
static int has_busybox_applet(const unsigned char *data, size_t size, const char *applet)
{
    char needle[40];
    size_t applet_length = strlen(applet);
    needle[0] = '\0';
    memcpy(needle + 1, applet, applet_length);
    needle[applet_length + 1] = '\0';
    size_t needle_length = applet_length + 2;

    const unsigned char *cursor = data;
    size_t remaining = size;
    for (;;) {
        const unsigned char *hit = memmem(cursor, remaining, needle, needle_length);
        if (hit == NULL)
            return 0;

        size_t start = (size_t)(hit - data) + 1;
        if (count_sorted_neighbours(data, size, start, applet_length) >= 3)
            return 1;

        size_t advance = (size_t)(hit - cursor) + 1;
        cursor += advance;
        remaining -= advance;
    }
}

/* Detects BusyBox and toybox by content and whether they include a shell. */
static wh_status classify_multicall(const unsigned char *data, size_t size, wh_classification *out)
{
    const char *name = NULL;
    int has_shell = 0;

    if (contains(data, size, busybox_marker)) {
        name = "busybox";
        for (size_t i = 0; i < ARRAY_LENGTH(busybox_shell_applets) && !has_shell; i++)
            has_shell = has_busybox_applet(data, size, busybox_shell_applets[i]);
    } else {
        for (size_t i = 0; i < ARRAY_LENGTH(toybox_markers) && name == NULL; i++) {
            if (contains(data, size, toybox_markers[i]))
                name = "toybox";
        }
        /* toysh registers the applet names "sh" and "toysh", and only toysh uses the latter. */
        if (name != NULL)
            has_shell =
                memmem(data, size, "\0toysh\0", 7) != NULL || contains(data, size, "usage: sh [");
    }
    if (name == NULL)
        return WH_OK;

    out->multicall = strdup(name);
    if (out->multicall == NULL)
        return WH_ERR_NOMEM;
    out->flags |= WH_FLAG_MULTICALL;
    if (has_shell)
        out->flags |= WH_FLAG_SHELL;
    return WH_OK;
}

/*
 * Decides whether an ELF file is a program rather than a library.
 *
 * Linkers that write DT_FLAGS_1 set DF_1_PIE in it for position-independent
 * executables, so with DT_FLAGS_1 present an ET_DYN file without that bit
 * is a shared object. This makes glibc's libc.so.6 and PAM modules such as
 * pam_cap.so libraries although they have PT_INTERP and can be run: they
 * are classified shared-library plus dynamic, with the interpreter
 * recorded. Without DT_FLAGS_1, an ET_DYN file with no DT_SONAME is a
 * program when it has an interpreter, or an entry point and no DT_NEEDED.
 * NOTE: a PIE from a linker that writes DT_FLAGS_1 but not DF_1_PIE
 * (GNU ld before it learned the flag) is taken for a shared library.
 */
static int is_program(const wh_elf_info *elf)
{
    if (elf->type == ET_EXEC)
        return 1;
    if (elf->type != ET_DYN)
        return 0;

    if (elf->flags_1 & DF_1_PIE)
        return 1;
    if (elf->has_flags_1 || elf->soname != NULL)
        return 0;
    return elf->has_interp || (elf->entry != 0 && elf->needed_entries == 0);
}

/*
 * Sets the linking flags from the parsed ELF file.
 *
 * A file with unreadable program headers, dynamic section or string table
 * is never called static, because the missing part could have named an
 * interpreter or a needed library. Neither is a truncated file whose
 * PT_LOAD segments end past its last byte: it cannot run as it is.
 */
static unsigned linking_flags(const wh_elf_info *elf)
{
    int linked = elf->has_interp || elf->needed_entries > 0;
    int program = is_program(elf);

    unsigned flags = 0;
    if (elf->type == ET_DYN && !program)
        flags |= WH_FLAG_SHARED_LIBRARY;
    if (linked && (program || elf->type == ET_DYN))
        flags |= WH_FLAG_DYNAMIC;

    int complete = (elf->defects & (WH_ELF_DEFECT_PROGRAM_HEADERS | WH_ELF_DEFECT_DYNAMIC |
                                    WH_ELF_DEFECT_STRINGS | WH_ELF_DEFECT_LOAD)) == 0;
    if (program && !linked && complete)
        flags |= elf->type == ET_EXEC ? WH_FLAG_STATIC : WH_FLAG_STATIC_PIE;
    return flags;
}

static wh_status classify_elf(const unsigned char *data, size_t size, wh_classification *out)
{
    wh_elf_info elf;
    wh_status result = wh_elf_parse(data, size, &elf, NULL);
    if (result == WH_ERR_FORMAT)
        return WH_OK;
    if (result != WH_OK)
        return result;

    out->flags |= linking_flags(&elf);

    /* Move the strings into out instead of copying them. */
    out->interpreter = elf.interp;
    out->needed = elf.needed;
    out->needed_count = elf.needed_count;
    out->soname = elf.soname;
    out->runpath = elf.runpath;
    out->rpath = elf.rpath;
    elf.interp = elf.soname = elf.runpath = elf.rpath = NULL;
    elf.needed = NULL;
    elf.needed_count = 0;

    /* Content markers count in programs only: a library may carry a program's strings. */
    if (is_program(&elf)) {
        result = classify_multicall(data, size, out);
        for (size_t i = 0; i < ARRAY_LENGTH(shell_markers) && result == WH_OK; i++) {
            if (contains(data, size, shell_markers[i]))
                out->flags |= WH_FLAG_SHELL;
        }
    }

    wh_elf_info_free(&elf);
    return result;
}

static void classify_name(const wh_file_meta *meta, wh_classification *out)
{
    if (meta->path == NULL || !is_executable_entry(meta))
        return;

    size_t length;
    const char *name = path_basename(meta->path, &length);
    if (is_shell_name(name, length))
        out->flags |= WH_FLAG_SHELL;
    if (is_package_manager_name(name, length))
        out->flags |= WH_FLAG_PACKAGE_MANAGER;
}

wh_status wh_classify(const wh_file_meta *meta, const unsigned char *data, size_t size,
                      wh_classification *out, wh_error *err)
{
    wh_status result = WH_OK;
    memset(out, 0, sizeof(*out));

    if (meta == NULL) {
        result = wh_error_set(err, WH_ERR_INVALID, "cannot classify a file without metadata");
        goto out;
    }

    out->flags |= classify_mode(meta);

    int has_content = data != NULL && size > 0 &&
                      (meta->type == WH_FILE_REGULAR || meta->type == WH_FILE_HARDLINK);
    if (has_content && wh_elf_has_magic(data, size))
        result = classify_elf(data, size, out);
    else if (has_content && wh_shebang_present(data, size))
        result = wh_shebang_classify(data, size, out);
    if (result != WH_OK)
        goto out;

    classify_name(meta, out);

out:
    if (result == WH_ERR_NOMEM)
        wh_error_set(err, result, "out of memory while classifying %s",
                     meta != NULL && meta->path != NULL ? meta->path : "a file");
    if (result != WH_OK)
        wh_classification_free(out);
    return result;
}

void wh_classification_free(wh_classification *c)
{
    if (c == NULL)
        return;

    free(c->interpreter);
    free(c->interpreter_arg);
    for (size_t i = 0; i < c->needed_count; i++)
        free(c->needed[i]);
    free(c->needed);
    free(c->soname);
    free(c->runpath);
    free(c->rpath);
    free(c->multicall);
    memset(c, 0, sizeof(*c));
}
