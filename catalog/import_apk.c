/*
 * Alpine package reader. An .apk is two or three gzip members written one
 * after the other: an optional signature tar (.SIGN.*), a control tar
 * (.PKGINFO and install scripts) and the data tar. The first two are cut
 * before their end-of-archive blocks, so one tar reader that goes on past
 * end-of-archive markers reads the whole package as a single stream.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "archive_entries.h"
#include "internal.h"

#define PKGINFO_MAX_SIZE (1024 * 1024)
#define READ_BLOCK_SIZE (64 * 1024)

typedef struct apk_reader {
    const char *path;
    char *pkginfo; /* content of .PKGINFO, NUL-terminated */
    size_t pkginfo_size;
} apk_reader;

/* Opens the package as one tar stream; on failure err names the libarchive error. */
static wh_status open_package(const whc_archive_source *source, struct archive **out,
                              wh_error *err)
{
    struct archive *archive = archive_read_new();
    *out = NULL;
    if (archive == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", source->artifact);
    archive_read_support_filter_gzip(archive);
    archive_read_support_format_tar(archive);
    if (archive_read_set_format_option(archive, "tar", "read_concatenated_archives", "1") !=
            ARCHIVE_OK ||
        archive_read_open_filename(archive, source->artifact, READ_BLOCK_SIZE) != ARCHIVE_OK) {
        wh_status status = whc_archive_error(archive, source, err);
        archive_read_free(archive);
        return status;
    }
    *out = archive;
    return WH_OK;
}

/* True for top-level names starting with '.': .PKGINFO, .SIGN.*, .pre-install, .trigger ... */
static int is_metadata_path(const char *path)
{
    return path[0] == '/' && path[1] == '.' && strchr(path + 1, '/') == NULL;
}

/* Takes .PKGINFO and the other metadata entries out of the file list. */
static int claim_metadata(const char *path, struct archive *archive, void *context,
                          wh_error *err)
{
    apk_reader *reader = context;
    if (!is_metadata_path(path))
        return WHC_ENTRY_KEEP;
    if (strcmp(path, "/.PKGINFO") != 0)
        return WHC_ENTRY_CLAIMED;

    if (reader->pkginfo != NULL) {
        wh_error_set(err, WH_ERR_FORMAT, "%s: the package has two .PKGINFO entries",
                     reader->path);
        return -1;
    }
    reader->pkginfo = malloc(PKGINFO_MAX_SIZE + 1);
    if (reader->pkginfo == NULL) {
        wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->path);
        return -1;
    }
    size_t used = 0;
    for (;;) {
        la_ssize_t got = archive_read_data(archive, reader->pkginfo + used,
                                           PKGINFO_MAX_SIZE + 1 - used);
        if (got < 0) {
            whc_archive_source source = { reader->path, ".PKGINFO", NULL, NULL, NULL };
            whc_archive_error(archive, &source, err);
            return -1;
        }
        if (got == 0)
            break;
        used += (size_t)got;
        if (used > PKGINFO_MAX_SIZE) {
            wh_error_set(err, WH_ERR_LIMIT, "%s: .PKGINFO is larger than the limit of %d bytes",
                         reader->path, PKGINFO_MAX_SIZE);
            return -1;
        }
    }
    reader->pkginfo[used] = '\0';
    reader->pkginfo_size = used;
    return WHC_ENTRY_CLAIMED;
}

/* apk comparison operators, longest first so "<=" wins over "<". */
static const char *const apk_ops[] = { "<=", ">=", "~=", "=~", "><", "<", ">", "=", "~" };

/*
 * Parses one apk dependency: "name", "!name", "name>=1.2", "so:libc.musl-x86_64.so.1",
 * "cmd:sh", "/bin/sh". The conflict form "!name" becomes a conflicts record.
 */
static wh_status parse_apk_dependency(const char *token, whc_relation_kind kind, int group,
                                      const char *source, whc_relation_list *list,
                                      wh_error *err)
{
    whc_relation_record record = { .kind = kind, .group = group };
    char name[256];
    char op[3] = "";

    if (token[0] == '!') {
        if (kind != WHC_REL_DEPENDS)
            return wh_error_set(err, WH_ERR_FORMAT, "%s: '%s': '!' is only valid in depend",
                                source, token);
        record.kind = WHC_REL_CONFLICTS;
        token++;
    }

    size_t name_length = strcspn(token, "<>=~");
    if (name_length == 0 || name_length >= sizeof(name))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: invalid dependency '%s'", source, token);
    memcpy(name, token, name_length);
    name[name_length] = '\0';
    record.name = name;

    const char *rest = token + name_length;
    if (*rest != '\0') {
        size_t i;
        for (i = 0; i < sizeof(apk_ops) / sizeof(apk_ops[0]); i++) {
            if (strncmp(rest, apk_ops[i], strlen(apk_ops[i])) == 0)
                break;
        }
        if (i == sizeof(apk_ops) / sizeof(apk_ops[0]))
            return wh_error_set(err, WH_ERR_FORMAT, "%s: invalid operator in '%s'", source,
                                token);
        /* "~=" and "=~" are the fuzzy match that the catalog spells "~". */
        strcpy(op, strchr(apk_ops[i], '~') && strlen(apk_ops[i]) == 2 ? "~" : apk_ops[i]);
        rest += strlen(apk_ops[i]);
        if (*rest == '\0' || strpbrk(rest, "<>=~") != NULL)
            return wh_error_set(err, WH_ERR_FORMAT, "%s: invalid version in '%s'", source,
                                token);
        record.op = op;
        record.version = rest;
    }
    return whc_relation_list_add(list, &record, err);
}

static wh_status set_string(char **field, const char *value, const char *key, int line,
                            const apk_reader *reader, wh_error *err)
{
    if (*field != NULL)
        return wh_error_set(err, WH_ERR_FORMAT, "%s: .PKGINFO line %d: duplicate '%s'",
                            reader->path, line, key);
    *field = strdup(value);
    return *field ? WH_OK : wh_error_set(err, WH_ERR_NOMEM, "out of memory");
}

/* Handles one "key = value" line of .PKGINFO. group_counters count records per kind. */
static wh_status apply_pkginfo_line(const apk_reader *reader, const char *key, char *value,
                                    int line, whc_artifact *out, int group_counters[],
                                    wh_error *err)
{
    if (strcmp(key, "pkgname") == 0)
        return set_string(&out->name, value, key, line, reader, err);
    if (strcmp(key, "pkgver") == 0)
        return set_string(&out->version, value, key, line, reader, err);
    if (strcmp(key, "arch") == 0)
        return set_string(&out->architecture, value, key, line, reader, err);
    if (strcmp(key, "pkgdesc") == 0)
        return set_string(&out->summary, value, key, line, reader, err);
    if (strcmp(key, "license") == 0)
        return set_string(&out->license, value, key, line, reader, err);

    whc_relation_kind kind;
    if (strcmp(key, "depend") == 0)
        kind = WHC_REL_DEPENDS;
    else if (strcmp(key, "provides") == 0)
        kind = WHC_REL_PROVIDES;
    else if (strcmp(key, "replaces") == 0)
        kind = WHC_REL_REPLACES;
    else if (strcmp(key, "install_if") == 0)
        kind = WHC_REL_KIND_COUNT; /* NOTE: validated, then dropped: no catalog kind fits */
    else
        return WH_OK; /* url, builddate, size, origin, commit, datahash ... */

    char source[512];
    snprintf(source, sizeof(source), "%s: .PKGINFO line %d", reader->path, line);
    whc_relation_list scratch = { 0 };
    wh_status result = WH_OK;
    char *save = NULL;

    /* A value may hold several space-separated dependencies. */
    for (char *token = strtok_r(value, " \t", &save); token != NULL;
         token = strtok_r(NULL, " \t", &save)) {
        if (kind == WHC_REL_KIND_COUNT) {
            result = parse_apk_dependency(token, WHC_REL_DEPENDS, 0, source, &scratch, err);
        } else {
            /* Each dependency is its own group; "!name" counts among the conflicts. */
            size_t before = out->relations.count;
            result = parse_apk_dependency(token, kind, 0, source, &out->relations, err);
            if (result == WH_OK) {
                whc_relation_record *added = &out->relations.records[before];
                added->group = group_counters[added->kind]++;
            }
        }
        if (result != WH_OK)
            break;
    }
    whc_relation_list_free(&scratch);
    return result;
}

/* Parses .PKGINFO: "key = value" lines, '#' comments, repeated keys for lists. */
static wh_status parse_pkginfo(apk_reader *reader, whc_artifact *out, wh_error *err)
{
    int group_counters[WHC_REL_KIND_COUNT] = { 0 };
    int line = 0;

    if (memchr(reader->pkginfo, '\0', reader->pkginfo_size) != NULL)
        return wh_error_set(err, WH_ERR_FORMAT, "%s: .PKGINFO contains a NUL byte",
                            reader->path);

    char *text = reader->pkginfo;
    while (text != NULL && *text != '\0') {
        char *end = strchr(text, '\n');
        if (end)
            *end = '\0';
        line++;

        char *entry = text;
        text = end ? end + 1 : NULL;
        while (isspace((unsigned char)*entry))
            entry++;
        if (*entry == '\0' || *entry == '#')
            continue;

        char *equals = strstr(entry, " = ");
        if (equals == NULL)
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s: .PKGINFO line %d: expected 'key = value', found '%.60s'",
                                reader->path, line, entry);
        *equals = '\0';
        char *value = equals + 3;
        size_t value_length = strlen(value);
        while (value_length > 0 && isspace((unsigned char)value[value_length - 1]))
            value[--value_length] = '\0';

        wh_status status = apply_pkginfo_line(reader, entry, value, line, out, group_counters,
                                              err);
        if (status != WH_OK)
            return status;
    }

    if (out->name == NULL || out->name[0] == '\0' || out->version == NULL ||
        out->version[0] == '\0')
        return wh_error_set(err, WH_ERR_FORMAT, "%s: .PKGINFO has no %s", reader->path,
                            out->name == NULL || out->name[0] == '\0' ? "pkgname" : "pkgver");
    if (out->architecture == NULL && (out->architecture = strdup("")) == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory");
    return WH_OK;
}

wh_status whc_read_apk(whc_import *import, const char *path, whc_artifact *out,
                       wh_error *err)
{
    wh_status result = WH_OK;
    apk_reader reader = { .path = path };
    whc_archive_source source = { path, "package contents", claim_metadata, NULL, &reader };

    struct archive *archive = NULL;

    out->format = "apk";
    result = open_package(&source, &archive, err);
    if (result != WH_OK)
        goto out;

    result = whc_archive_collect(import, archive, &source, &out->files, err);
    if (result != WH_OK)
        goto out;
    if (reader.pkginfo == NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: not an Alpine package: no .PKGINFO",
                              path);
        goto out;
    }
    result = parse_pkginfo(&reader, out, err);

out:
    if (archive)
        archive_read_free(archive);
    free(reader.pkginfo);
    return result;
}

int whc_probe_apk(const char *path)
{
    unsigned char head[4096];
    FILE *file = fopen(path, "rb");
    size_t size = file ? fread(head, 1, sizeof(head), file) : 0;
    if (file)
        fclose(file);
    if (size < 2 || head[0] != 0x1f || head[1] != 0x8b)
        return 0;

    /*
     * Inflate just the name field that starts the first tar header, so a
     * truncated package is still recognised and then reported as truncated
     * by the reader instead of being taken for a plain file.
     */
    unsigned char name[16] = "";
    z_stream stream = { 0 };
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        return 0;
    stream.next_in = head;
    stream.avail_in = (uInt)size;
    stream.next_out = name;
    stream.avail_out = sizeof(name) - 1;
    inflate(&stream, Z_SYNC_FLUSH);
    size_t got = sizeof(name) - 1 - stream.avail_out;
    inflateEnd(&stream);

    if (got < 9)
        return 0;
    return memcmp(name, ".PKGINFO", 9) == 0 || memcmp(name, ".SIGN.", 6) == 0;
}
