/*
 * Debian package reader. A .deb is an ar archive holding debian-binary
 * ("2.0\n"), control.tar[.gz|.xz|.zst] and data.tar[.gz|.xz|.zst|.bz2|.lzma],
 * in that order. As deb(5) prescribes, members named '_*' between them and
 * any member after data.tar are ignored. The inner tars are read straight
 * from the ar stream, so data.tar is never held in memory whole.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive_entries.h"
#include "internal.h"

#define MEMBER_BUFFER_SIZE (64 * 1024)
#define COPYRIGHT_MAX_SIZE (1024 * 1024)

typedef struct member_stream {
    struct archive *outer;
    unsigned char buffer[MEMBER_BUFFER_SIZE];
} member_stream;

typedef struct deb_reader {
    const char *path;
    struct archive *outer;
    whc_control_file control;
    int have_control;
    int have_data;
    int64_t file_size;
    int64_t members_end;  /* offset just after the last member read, padding included */
    char *copyright_path; /* "/usr/share/doc/PACKAGE/copyright" */
    char *copyright;      /* its content when found, NUL-terminated */
    size_t copyright_size;
} deb_reader;

/* Feeds the current ar member to an inner archive, passing on the outer error. */
static la_ssize_t read_member(struct archive *inner, void *context, const void **buffer)
{
    member_stream *stream = context;
    la_ssize_t got = archive_read_data(stream->outer, stream->buffer, sizeof(stream->buffer));
    if (got < 0) {
        const char *message = archive_error_string(stream->outer);
        archive_set_error(inner, EIO, "%s",
                          message ? message : "the ar member is truncated");
        return -1;
    }
    *buffer = stream->buffer;
    return got;
}

/*
 * Opens the current ar member as a tar stream. read_concatenated_archives
 * makes the tar reader go on past the end-of-archive blocks to the end of
 * the member, so the decompressor reaches and checks its trailer (CRC,
 * stream footer) and corruption there is reported too.
 */
static wh_status open_member(member_stream *stream, const whc_archive_source *source,
                             struct archive **out, wh_error *err)
{
    struct archive *inner = archive_read_new();
    if (inner == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", source->member);
    archive_read_support_filter_all(inner);
    archive_read_support_format_tar(inner);
    if (archive_read_set_format_option(inner, "tar", "read_concatenated_archives", "1") !=
            ARCHIVE_OK ||
        archive_read_open(inner, stream, NULL, read_member, NULL) != ARCHIVE_OK) {
        wh_status status = whc_archive_error(inner, source, err);
        archive_read_free(inner);
        return status;
    }
    *out = inner;
    return WH_OK;
}

/* Checks the member name: "control.tar" or "data.tar" with a known compression suffix. */
static int member_is(const char *name, const char *stem)
{
    static const char *const suffixes[] = { "", ".gz", ".xz", ".zst", ".bz2", ".lzma" };
    size_t stem_length = strlen(stem);
    if (strncmp(name, stem, stem_length) != 0)
        return 0;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strcmp(name + stem_length, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

static wh_status read_debian_binary(deb_reader *reader, wh_error *err)
{
    char text[16] = "";
    la_ssize_t got = archive_read_data(reader->outer, text, sizeof(text) - 1);
    if (got < 0) {
        whc_archive_source source = { reader->path, "debian-binary", NULL, NULL, NULL };
        return whc_archive_error(reader->outer, &source, err);
    }
    if (strncmp(text, "2.", 2) != 0)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: unsupported Debian package format version '%.*s' "
                            "(expected 2.x)",
                            reader->path, (int)strcspn(text, "\n"), text);
    return WH_OK;
}

/* Reads ./control out of control.tar and parses it. */
static wh_status read_control(deb_reader *reader, const char *member, wh_error *err)
{
    wh_status result = WH_OK;
    whc_archive_source source = { reader->path, member, NULL, NULL, NULL };
    member_stream *stream = malloc(sizeof(*stream));
    struct archive *inner = NULL;
    char *text = NULL;
    size_t size = 0;
    struct archive_entry *entry;

    if (stream == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", member);
        goto out;
    }
    stream->outer = reader->outer;
    result = open_member(stream, &source, &inner, err);
    if (result != WH_OK)
        goto out;
    int64_t max_ratio;
    result = whc_max_expansion(&max_ratio, err);
    if (result != WH_OK)
        goto out;

    for (;;) {
        int status = archive_read_next_header(inner, &entry);
        if (status == ARCHIVE_EOF)
            break;
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN) { /* RETRY: a damaged header */
            result = whc_archive_error(inner, &source, err);
            goto out;
        }
        const char *name = archive_entry_pathname(entry);
        result = whc_archive_check_expansion(inner, 0, max_ratio, &source,
                                             name ? name : "an entry", err);
        if (result != WH_OK)
            goto out;
        if (name == NULL || text != NULL ||
            (strcmp(name, "./control") != 0 && strcmp(name, "control") != 0))
            continue;

        int64_t declared = archive_entry_size(entry);
        if (declared < 0 || declared > WHC_CONTROL_MAX_SIZE) {
            result = wh_error_set(err, WH_ERR_LIMIT, "%s: %s: the control file is %lld bytes; "
                                  "the limit is %u", reader->path, member, (long long)declared,
                                  WHC_CONTROL_MAX_SIZE);
            goto out;
        }
        text = malloc((size_t)declared + 1);
        if (text == NULL) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", member);
            goto out;
        }
        la_ssize_t got = archive_read_data(inner, text, (size_t)declared);
        if (got < 0 || got != declared) {
            result = whc_archive_error(inner, &source, err);
            goto out;
        }
        size = (size_t)got;
        text[size] = '\0';
    }

    if (text == NULL) {
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: %s has no control file", reader->path,
                              member);
        goto out;
    }
    char label[512];
    snprintf(label, sizeof(label), "%s: %s: control", reader->path, member);
    result = whc_control_parse(text, size, label, &reader->control, err);
    if (result == WH_OK && reader->control.count == 0)
        result = wh_error_set(err, WH_ERR_FORMAT, "%s: the control file is empty", label);

out:
    if (inner)
        archive_read_free(inner);
    free(stream);
    free(text);
    return result;
}

static void capture_copyright(const char *path, const unsigned char *data, size_t size,
                              void *context)
{
    deb_reader *reader = context;
    if (reader->copyright_path == NULL || strcmp(path, reader->copyright_path) != 0 ||
        size > COPYRIGHT_MAX_SIZE || reader->copyright != NULL)
        return;
    reader->copyright = malloc(size + 1);
    if (reader->copyright == NULL)
        return; /* the license stays unknown, which is allowed */
    if (size > 0)
        memcpy(reader->copyright, data, size);
    reader->copyright[size] = '\0';
    reader->copyright_size = size;
}

static wh_status read_data(deb_reader *reader, whc_import *import, const char *member,
                           whc_file_list *files, wh_error *err)
{
    whc_archive_source source = { reader->path, member, NULL, capture_copyright, reader };
    struct archive *inner = NULL;
    member_stream *stream = malloc(sizeof(*stream));
    if (stream == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", member);
    stream->outer = reader->outer;

    wh_status result = open_member(stream, &source, &inner, err);
    if (result == WH_OK)
        result = whc_archive_collect(import, inner, &source, files, err);
    if (inner)
        archive_read_free(inner);
    free(stream);
    return result;
}

/* Returns the first line of a field value, copied, or NULL when absent. */
static char *first_line(const char *value)
{
    return value ? strndup(value, strcspn(value, "\n")) : NULL;
}

/* True when a Files value contains the pattern "*" on its own, which matches every file. */
static int lists_every_file(const char *files)
{
    for (const char *p = files; *p; ) {
        p += strspn(p, " \t\n");
        size_t length = strcspn(p, " \t\n");
        if (length == 1 && *p == '*')
            return 1;
        p += length;
    }
    return 0;
}

/*
 * Returns the license of a machine-readable (DEP-5) copyright file: the
 * License of the "Files: *" paragraph, else the first License field; NULL
 * when the file is free-form text or has no License field.
 */
static char *copyright_license(const char *text, size_t size)
{
    whc_control_file file;
    char *license = NULL;

    if (whc_control_parse(text, size, "copyright", &file, NULL) != WH_OK)
        return NULL;
    const char *format = file.count ? whc_control_get(&file.paragraphs[0], "Format") : NULL;
    if (format == NULL || strstr(format, "copyright-format") == NULL)
        goto out;

    const char *fallback = NULL;
    for (size_t i = 0; i < file.count; i++) {
        const whc_control_paragraph *paragraph = &file.paragraphs[i];
        const char *value = whc_control_get(paragraph, "License");
        const char *files = whc_control_get(paragraph, "Files");
        if (value == NULL)
            continue;
        if (fallback == NULL)
            fallback = value;
        if (files != NULL && lists_every_file(files)) {
            license = first_line(value);
            goto out;
        }
    }
    if (fallback)
        license = first_line(fallback);

out:
    whc_control_free(&file);
    return license;
}

static const struct {
    const char *field;
    whc_relation_kind kind;
} relation_fields[] = {
    { "Depends", WHC_REL_DEPENDS },       { "Pre-Depends", WHC_REL_PRE_DEPENDS },
    { "Recommends", WHC_REL_RECOMMENDS }, { "Provides", WHC_REL_PROVIDES },
    { "Conflicts", WHC_REL_CONFLICTS },   { "Breaks", WHC_REL_BREAKS },
    { "Replaces", WHC_REL_REPLACES },
};

static int valid_identifier(const char *value)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    for (const char *p = value; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;
    }
    return 1;
}

/* Copies the package fields of the control paragraph into out. */
static wh_status fill_metadata(deb_reader *reader, whc_artifact *out, wh_error *err)
{
    const whc_control_paragraph *control = &reader->control.paragraphs[0];
    const char *name = whc_control_get(control, "Package");
    const char *version = whc_control_get(control, "Version");

    if (!valid_identifier(name))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: the control file has %s Package field",
                            reader->path, name ? "an invalid" : "no");
    if (!valid_identifier(version))
        return wh_error_set(err, WH_ERR_FORMAT, "%s: the control file has %s Version field",
                            reader->path, version ? "an invalid" : "no");

    const char *architecture = whc_control_get(control, "Architecture");
    const char *section = whc_control_get(control, "Section");
    out->name = strdup(name);
    out->version = strdup(version);
    out->architecture = strdup(architecture ? architecture : "");
    out->summary = first_line(whc_control_get(control, "Description"));
    out->section = section ? strdup(section) : NULL;
    if (asprintf(&reader->copyright_path, "/usr/share/doc/%s/copyright", name) < 0)
        reader->copyright_path = NULL;
    if (out->name == NULL || out->version == NULL || out->architecture == NULL ||
        reader->copyright_path == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading %s", reader->path);

    for (size_t i = 0; i < sizeof(relation_fields) / sizeof(relation_fields[0]); i++) {
        const char *value = whc_control_get(control, relation_fields[i].field);
        if (value == NULL)
            continue;
        char label[512];
        snprintf(label, sizeof(label), "%s: %s", reader->path, relation_fields[i].field);
        wh_status status = whc_relations_parse_debian(value, relation_fields[i].kind, label,
                                                      &out->relations, err);
        if (status != WH_OK)
            return status;
    }
    return WH_OK;
}

static wh_status read_members(deb_reader *reader, whc_import *import, whc_artifact *out,
                              wh_error *err)
{
    struct archive_entry *entry;
    whc_archive_source outer_source = { reader->path, "ar archive", NULL, NULL, NULL };

    for (int index = 0;; index++) {
        int status = archive_read_next_header(reader->outer, &entry);
        if (status == ARCHIVE_EOF)
            break;
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN) /* RETRY: a damaged header */
            return whc_archive_error(reader->outer, &outer_source, err);
        int64_t member_size = archive_entry_size(entry);
        reader->members_end = archive_read_header_position(reader->outer) + 60 + member_size +
                              (member_size & 1);

        const char *name = archive_entry_pathname(entry);
        wh_status result = WH_OK;
        if (name == NULL)
            name = "";

        if (index == 0) {
            if (strcmp(name, "debian-binary") != 0)
                return wh_error_set(err, WH_ERR_FORMAT,
                                    "%s: not a Debian package: the first member is '%s', "
                                    "not debian-binary", reader->path, name);
            result = read_debian_binary(reader, err);
        } else if (member_is(name, "control.tar") && !reader->have_control) {
            result = read_control(reader, name, err);
            if (result == WH_OK)
                result = fill_metadata(reader, out, err);
            reader->have_control = 1;
        } else if (member_is(name, "data.tar") && reader->have_control && !reader->have_data) {
            result = read_data(reader, import, name, &out->files, err);
            reader->have_data = 1;
        } else if (name[0] != '_' && !reader->have_data) {
            return wh_error_set(err, WH_ERR_FORMAT,
                                "%s: unexpected member '%s' in a Debian package (expected "
                                "debian-binary, control.tar.*, data.tar.* in that order)",
                                reader->path, name);
        }
        if (result != WH_OK)
            return result;
    }

    /*
     * libarchive reports a partial member header at the end as a clean end
     * of archive, so check that the last member reached the end of the file.
     */
    if (reader->file_size > reader->members_end)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: truncated or corrupt ar archive: %lld bytes after the last "
                            "complete member", reader->path,
                            (long long)(reader->file_size - reader->members_end));
    if (!reader->have_control || !reader->have_data)
        return wh_error_set(err, WH_ERR_FORMAT,
                            "%s: not a complete Debian package: it has no %s member",
                            reader->path, reader->have_control ? "data.tar" : "control.tar");
    return WH_OK;
}

wh_status whc_read_deb(whc_import *import, const char *path, whc_artifact *out,
                       wh_error *err)
{
    wh_status result = WH_OK;
    deb_reader reader = { .path = path };

    out->format = "deb";
    struct stat st;
    if (stat(path, &st) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    reader.file_size = st.st_size;
    reader.outer = archive_read_new();
    if (reader.outer == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory opening %s", path);
        goto out;
    }
    archive_read_support_format_ar(reader.outer);
    if (archive_read_open_filename(reader.outer, path, MEMBER_BUFFER_SIZE) != ARCHIVE_OK) {
        result = wh_error_set(err, WH_ERR_IO, "%s: %s", path,
                              archive_error_string(reader.outer));
        goto out;
    }

    result = read_members(&reader, import, out, err);
    if (result != WH_OK)
        goto out;

    if (reader.copyright != NULL)
        out->license = copyright_license(reader.copyright, reader.copyright_size);

out:
    if (reader.outer)
        archive_read_free(reader.outer);
    whc_control_free(&reader.control);
    free(reader.copyright_path);
    free(reader.copyright);
    return result;
}

int whc_probe_deb(const char *path)
{
    char magic[8];
    FILE *file = fopen(path, "rb");
    int is_ar = file != NULL && fread(magic, 1, 8, file) == 8 &&
                memcmp(magic, "!<arch>\n", 8) == 0;
    if (file)
        fclose(file);
    if (!is_ar)
        return 0;

    struct archive *archive = archive_read_new();
    struct archive_entry *entry;
    int result = -1;
    if (archive == NULL)
        return 0;
    archive_read_support_format_ar(archive);
    if (archive_read_open_filename(archive, path, 4096) == ARCHIVE_OK &&
        archive_read_next_header(archive, &entry) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(entry);
        result = name != NULL && strcmp(name, "debian-binary") == 0;
    }
    archive_read_free(archive);
    return result;
}
