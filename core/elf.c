#include "elf.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every field is read through read_uint, which checks the range against the
 * buffer first, and every string lies in a range clip_range has checked.
 * Offsets and sizes from the file are untrusted 64-bit values, so they are
 * compared against the space left in the buffer and never added to each
 * other unchecked.
 */

typedef struct reader {
    const unsigned char *data;
    size_t size;
    int is64;
    int big_endian;
} reader;

/* File header fields, widened to 64 bits. */
typedef struct header {
    uint64_t phoff;
    uint64_t shoff;
    uint64_t phentsize;
    uint64_t phnum;
    uint64_t shentsize;
    uint64_t shnum;
    uint64_t shstrndx;
} header;

/* One program header, widened to 64 bits. */
typedef struct segment {
    uint32_t type;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
} segment;

/* A range of the buffer known to lie inside it. */
typedef struct span {
    uint64_t offset;
    uint64_t size;
} span;

/* String-table offsets collected from the dynamic section. */
typedef struct dynamic_refs {
    uint64_t *needed;
    size_t needed_count;
    int has_soname, has_runpath, has_rpath, has_strtab, has_strsz;
    uint64_t soname, runpath, rpath, strtab, strsz;
} dynamic_refs;

#define FIELD(r, kind, member)                                                                     \
    ((r)->is64 ? offsetof(Elf64_##kind, member) : offsetof(Elf32_##kind, member))
#define RECORD_SIZE(r, kind) ((r)->is64 ? sizeof(Elf64_##kind) : sizeof(Elf32_##kind))

static int in_bounds(const reader *r, uint64_t offset, uint64_t length)
{
    return offset <= r->size && length <= r->size - offset;
}

static int read_uint(const reader *r, uint64_t offset, unsigned width, uint64_t *out)
{
    if (!in_bounds(r, offset, width))
        return 0;

    const unsigned char *bytes = r->data + offset;
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned index = r->big_endian ? i : width - 1 - i;
        value = (value << 8) | bytes[index];
    }
    *out = value;
    return 1;
}

/* Reads an address, offset or size: 4 bytes in ELF32, 8 in ELF64. */
static int read_word(const reader *r, uint64_t offset, uint64_t *out)
{
    return read_uint(r, offset, r->is64 ? 8 : 4, out);
}

static int read_u32(const reader *r, uint64_t offset, uint32_t *out)
{
    uint64_t value;
    if (!read_uint(r, offset, 4, &value))
        return 0;
    *out = (uint32_t)value;
    return 1;
}

int wh_elf_has_magic(const unsigned char *data, size_t size)
{
    return data != NULL && size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static int read_header(const reader *r, wh_elf_info *info, header *h)
{
    uint64_t type, machine;
    if (!read_uint(r, offsetof(Elf32_Ehdr, e_type), 2, &type) ||
        !read_uint(r, offsetof(Elf32_Ehdr, e_machine), 2, &machine) ||
        !read_word(r, FIELD(r, Ehdr, e_entry), &info->entry) ||
        !read_word(r, FIELD(r, Ehdr, e_phoff), &h->phoff) ||
        !read_word(r, FIELD(r, Ehdr, e_shoff), &h->shoff) ||
        !read_uint(r, FIELD(r, Ehdr, e_phentsize), 2, &h->phentsize) ||
        !read_uint(r, FIELD(r, Ehdr, e_phnum), 2, &h->phnum) ||
        !read_uint(r, FIELD(r, Ehdr, e_shentsize), 2, &h->shentsize) ||
        !read_uint(r, FIELD(r, Ehdr, e_shnum), 2, &h->shnum) ||
        !read_uint(r, FIELD(r, Ehdr, e_shstrndx), 2, &h->shstrndx))
        return 0;

    info->type = (unsigned)type;
    info->machine = (unsigned)machine;
    return 1;
}

/* Returns the file offset of section header index, or 0 when it is outside the file. */
static uint64_t section_offset(const reader *r, const header *h, uint64_t index)
{
    if (h->shoff == 0 || h->shentsize < RECORD_SIZE(r, Shdr) || index >= h->shnum)
        return 0;
    if (index > (r->size / h->shentsize))
        return 0;

    uint64_t at = index * h->shentsize;
    if (at > r->size || h->shoff > r->size - at)
        return 0;
    if (!in_bounds(r, h->shoff + at, RECORD_SIZE(r, Shdr)))
        return 0;
    return h->shoff + at;
}

/*
 * Applies the extended numbering of the ELF gABI: with 0xffff or more
 * program headers, or 0xff00 or more sections, the real counts are stored
 * in section header 0.
 */
static void apply_extended_numbering(const reader *r, header *h)
{
    uint64_t section0 = 0;
    if (h->shoff != 0 && h->shentsize >= RECORD_SIZE(r, Shdr) &&
        in_bounds(r, h->shoff, RECORD_SIZE(r, Shdr)))
        section0 = h->shoff;
    if (section0 == 0)
        return;

    if (h->shnum == 0) {
        uint64_t count;
        if (read_word(r, section0 + FIELD(r, Shdr, sh_size), &count))
            h->shnum = count;
    }
    if (h->phnum == PN_XNUM) {
        uint32_t count;
        if (read_u32(r, section0 + FIELD(r, Shdr, sh_info), &count))
            h->phnum = count;
    }
    if (h->shstrndx == SHN_XINDEX) {
        uint32_t index;
        if (read_u32(r, section0 + FIELD(r, Shdr, sh_link), &index))
            h->shstrndx = index;
    }
}

/*
 * Reads the program header table into a new array (*out, owned by the
 * caller). Entries past the end of the file are dropped and reported as a
 * defect. Returns 0 only on allocation failure.
 */
static int read_segments(const reader *r, const header *h, wh_elf_info *info, segment **out,
                         size_t *count)
{
    *out = NULL;
    *count = 0;

    int needs_segments = info->type == ET_EXEC || info->type == ET_DYN;
    if (h->phoff == 0 || h->phnum == 0 || h->phentsize < RECORD_SIZE(r, Phdr) ||
        h->phoff >= r->size) {
        if (needs_segments)
            info->defects |= WH_ELF_DEFECT_PROGRAM_HEADERS;
        return 1;
    }

    uint64_t fitting = (r->size - h->phoff) / h->phentsize;
    uint64_t readable = h->phnum;
    if (readable > fitting) {
        info->defects |= WH_ELF_DEFECT_PROGRAM_HEADERS;
        readable = fitting;
    }
    if (readable == 0)
        return 1;

    segment *segments = calloc((size_t)readable, sizeof(*segments));
    if (segments == NULL)
        return 0;

    for (uint64_t i = 0; i < readable; i++) {
        uint64_t at = h->phoff + i * h->phentsize;
        segment *s = &segments[i];
        if (!read_u32(r, at + FIELD(r, Phdr, p_type), &s->type) ||
            !read_word(r, at + FIELD(r, Phdr, p_offset), &s->offset) ||
            !read_word(r, at + FIELD(r, Phdr, p_vaddr), &s->vaddr) ||
            !read_word(r, at + FIELD(r, Phdr, p_filesz), &s->filesz)) {
            info->defects |= WH_ELF_DEFECT_PROGRAM_HEADERS;
            break;
        }
        *count = (size_t)i + 1;
    }

    *out = segments;
    return 1;
}

/*
 * Clips [offset, offset + length) to the buffer and sets *clipped when the
 * range had to be shortened. Returns 0 when offset is outside the buffer.
 */
static int clip_range(const reader *r, uint64_t offset, uint64_t length, span *out, int *clipped)
{
    if (offset >= r->size)
        return 0;

    uint64_t available = r->size - offset;
    *clipped = length > available;
    out->offset = offset;
    out->size = *clipped ? available : length;
    return 1;
}

/* Copies the string at offset at of table. Returns NULL when it does not end inside table. */
static char *copy_string(const reader *r, span table, uint64_t at, int *out_of_range)
{
    *out_of_range = 0;
    if (at >= table.size) {
        *out_of_range = 1;
        return NULL;
    }

    const char *start = (const char *)r->data + table.offset + at;
    size_t limit = (size_t)(table.size - at);
    const char *end = memchr(start, '\0', limit);
    if (end == NULL) {
        *out_of_range = 1;
        return NULL;
    }
    return strndup(start, (size_t)(end - start));
}

/*
 * Copies the PT_INTERP path. An unreadable path is recorded as a defect, so
 * this returns 0 only on allocation failure.
 */
static int read_interp(const reader *r, const segment *s, wh_elf_info *info)
{
    span range;
    int clipped = 0;
    info->has_interp = 1;
    if (!clip_range(r, s->offset, s->filesz, &range, &clipped) || range.size == 0) {
        info->defects |= WH_ELF_DEFECT_INTERP;
        return 1;
    }

    /* PT_INTERP normally includes its NUL; accept a path that fills the segment exactly. */
    const char *start = (const char *)r->data + range.offset;
    const char *end = memchr(start, '\0', (size_t)range.size);
    size_t length = end != NULL ? (size_t)(end - start) : (size_t)range.size;
    if (length == 0 || (end == NULL && clipped)) {
        info->defects |= WH_ELF_DEFECT_INTERP;
        return 1;
    }
    if (clipped)
        info->defects |= WH_ELF_DEFECT_INTERP;

    info->interp = strndup(start, length);
    return info->interp != NULL;
}

/* Records one dynamic entry in refs or info. Returns 0 only on allocation failure. */
static int record_dynamic_entry(uint64_t tag, uint64_t value, dynamic_refs *refs,
                                size_t *needed_capacity, wh_elf_info *info)
{
    /* ELF32 tags are signed 32-bit values, but every tag handled here is positive. */
    switch (tag) {
    case DT_NEEDED:
        if (refs->needed_count == *needed_capacity) {
            size_t capacity = *needed_capacity == 0 ? 8 : *needed_capacity * 2;
            uint64_t *grown = realloc(refs->needed, capacity * sizeof(*grown));
            if (grown == NULL)
                return 0;
            refs->needed = grown;
            *needed_capacity = capacity;
        }
        refs->needed[refs->needed_count++] = value;
        break;
    case DT_SONAME:
        refs->has_soname = 1;
        refs->soname = value;
        break;
    case DT_RUNPATH:
        refs->has_runpath = 1;
        refs->runpath = value;
        break;
    case DT_RPATH:
        refs->has_rpath = 1;
        refs->rpath = value;
        break;
    case DT_STRTAB:
        refs->has_strtab = 1;
        refs->strtab = value;
        break;
    case DT_STRSZ:
        refs->has_strsz = 1;
        refs->strsz = value;
        break;
    case DT_FLAGS_1:
        info->has_flags_1 = 1;
        info->flags_1 = value;
        break;
    default:
        break;
    }
    return 1;
}

/* Collects the dynamic entries up to DT_NULL. Returns 0 only on allocation failure. */
static int read_dynamic(const reader *r, const segment *s, wh_elf_info *info, dynamic_refs *refs)
{
    span range;
    int clipped = 0;
    info->has_dynamic = 1;
    if (!clip_range(r, s->offset, s->filesz, &range, &clipped)) {
        info->defects |= WH_ELF_DEFECT_DYNAMIC;
        return 1;
    }

    uint64_t entry_size = RECORD_SIZE(r, Dyn);
    uint64_t entry_count = range.size / entry_size;
    size_t needed_capacity = 0;
    int terminated = 0;
    for (uint64_t i = 0; i < entry_count && !terminated; i++) {
        uint64_t at = range.offset + i * entry_size;
        uint64_t tag, value;
        if (!read_word(r, at + FIELD(r, Dyn, d_tag), &tag) ||
            !read_word(r, at + FIELD(r, Dyn, d_un), &value))
            break;

        if (tag == DT_NULL)
            terminated = 1;
        else if (!record_dynamic_entry(tag, value, refs, &needed_capacity, info))
            return 0;
    }

    info->needed_entries = refs->needed_count;
    if (!terminated || clipped)
        info->defects |= WH_ELF_DEFECT_DYNAMIC;
    return 1;
}

/* Maps the virtual address of DT_STRTAB to file bytes through the PT_LOAD segments. */
static int map_string_table(const reader *r, const segment *segments, size_t count,
                            const dynamic_refs *refs, span *out)
{
    for (size_t i = 0; i < count; i++) {
        const segment *s = &segments[i];
        if (s->type != PT_LOAD || refs->strtab < s->vaddr || refs->strtab - s->vaddr >= s->filesz)
            continue;

        uint64_t delta = refs->strtab - s->vaddr;
        if (s->offset >= r->size || delta >= r->size - s->offset)
            continue;

        uint64_t size = s->filesz - delta;
        if (refs->has_strsz && refs->strsz < size)
            size = refs->strsz;

        int clipped;
        return clip_range(r, s->offset + delta, size, out, &clipped);
    }
    return 0;
}

static int read_section_table(const reader *r, const header *h, uint64_t index, uint32_t type,
                              span *out)
{
    uint64_t at = section_offset(r, h, index);
    uint32_t actual_type;
    uint64_t offset, size;
    if (at == 0 || !read_u32(r, at + FIELD(r, Shdr, sh_type), &actual_type) ||
        actual_type != type || !read_word(r, at + FIELD(r, Shdr, sh_offset), &offset) ||
        !read_word(r, at + FIELD(r, Shdr, sh_size), &size))
        return 0;

    int clipped;
    return clip_range(r, offset, size, out, &clipped);
}

/*
 * Finds the dynamic string table through the section headers, for files
 * whose DT_STRTAB maps into no PT_LOAD segment: first the sh_link of the
 * SHT_DYNAMIC section, then a SHT_STRTAB section named ".dynstr".
 */
static int find_string_section(const reader *r, const header *h, span *out)
{
    span names;
    int have_names = read_section_table(r, h, h->shstrndx, SHT_STRTAB, &names);

    for (uint64_t i = 1; i < h->shnum; i++) {
        uint64_t at = section_offset(r, h, i);
        if (at == 0)
            break;

        uint32_t type, link;
        if (!read_u32(r, at + FIELD(r, Shdr, sh_type), &type) ||
            !read_u32(r, at + FIELD(r, Shdr, sh_link), &link))
            break;
        if (type == SHT_DYNAMIC && read_section_table(r, h, link, SHT_STRTAB, out))
            return 1;
    }

    if (!have_names)
        return 0;
    for (uint64_t i = 1; i < h->shnum; i++) {
        uint64_t at = section_offset(r, h, i);
        uint32_t name;
        if (at == 0 || !read_u32(r, at + FIELD(r, Shdr, sh_name), &name))
            break;

        static const char dynstr[] = ".dynstr";
        if (name < names.size && names.size - name >= sizeof(dynstr) &&
            memcmp(r->data + names.offset + name, dynstr, sizeof(dynstr)) == 0 &&
            read_section_table(r, h, i, SHT_STRTAB, out))
            return 1;
    }
    return 0;
}

/* Copies one optional name. Returns 0 only on allocation failure. */
static int resolve_name(const reader *r, span table, int present, uint64_t at, char **out,
                        wh_elf_info *info)
{
    if (!present)
        return 1;

    int out_of_range;
    *out = copy_string(r, table, at, &out_of_range);
    if (out_of_range) {
        info->defects |= WH_ELF_DEFECT_STRINGS;
        return 1;
    }
    return *out != NULL;
}

/* Turns string-table offsets into names. Returns 0 only on allocation failure. */
static int resolve_names(const reader *r, const header *h, const segment *segments,
                         size_t segment_count, const dynamic_refs *refs, wh_elf_info *info)
{
    int has_references =
        refs->needed_count > 0 || refs->has_soname || refs->has_runpath || refs->has_rpath;
    if (!has_references)
        return 1;

    span table;
    int found = refs->has_strtab && map_string_table(r, segments, segment_count, refs, &table);
    if (!found)
        found = find_string_section(r, h, &table);
    if (!found) {
        info->defects |= WH_ELF_DEFECT_STRINGS;
        return 1;
    }

    if (refs->needed_count > 0) {
        info->needed = calloc(refs->needed_count, sizeof(*info->needed));
        if (info->needed == NULL)
            return 0;
    }
    for (size_t i = 0; i < refs->needed_count; i++) {
        char *name = NULL;
        if (!resolve_name(r, table, 1, refs->needed[i], &name, info))
            return 0;
        if (name != NULL)
            info->needed[info->needed_count++] = name;
    }

    return resolve_name(r, table, refs->has_soname, refs->soname, &info->soname, info) &&
           resolve_name(r, table, refs->has_runpath, refs->runpath, &info->runpath, info) &&
           resolve_name(r, table, refs->has_rpath, refs->rpath, &info->rpath, info);
}

static wh_status out_of_memory(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory while reading an ELF file");
}

wh_status wh_elf_parse(const unsigned char *data, size_t size, wh_elf_info *out, wh_error *err)
{
    wh_status result = WH_OK;
    reader r = {.data = data, .size = size};
    header h = {0};
    segment *segments = NULL;
    size_t segment_count = 0;
    dynamic_refs refs = {0};
    memset(out, 0, sizeof(*out));

    if (!wh_elf_has_magic(data, size) || size <= EI_DATA) {
        result = wh_error_set(err, WH_ERR_FORMAT, "not an ELF file: missing ELF magic");
        goto out;
    }

    unsigned char elf_class = data[EI_CLASS];
    unsigned char byte_order = data[EI_DATA];
    if ((elf_class != ELFCLASS32 && elf_class != ELFCLASS64) ||
        (byte_order != ELFDATA2LSB && byte_order != ELFDATA2MSB)) {
        result = wh_error_set(err, WH_ERR_FORMAT, "unsupported ELF file: class %u, byte order %u",
                              elf_class, byte_order);
        goto out;
    }
    r.is64 = elf_class == ELFCLASS64;
    r.big_endian = byte_order == ELFDATA2MSB;
    out->elf_class = elf_class;
    out->byte_order = byte_order;

    if (size < RECORD_SIZE(&r, Ehdr) || !read_header(&r, out, &h)) {
        result = wh_error_set(err, WH_ERR_FORMAT,
                              "truncated ELF file: %zu bytes, shorter than its file header", size);
        goto out;
    }
    apply_extended_numbering(&r, &h);

    if (!read_segments(&r, &h, out, &segments, &segment_count)) {
        result = out_of_memory(err);
        goto out;
    }

    /* A valid file has at most one PT_INTERP and one PT_DYNAMIC. With more, the first is used. */
    for (size_t i = 0; i < segment_count && result == WH_OK; i++) {
        int ok = 1;
        if (segments[i].type == PT_LOAD && !in_bounds(&r, segments[i].offset, segments[i].filesz))
            out->defects |= WH_ELF_DEFECT_LOAD;
        if (segments[i].type == PT_INTERP && !out->has_interp)
            ok = read_interp(&r, &segments[i], out);
        else if (segments[i].type == PT_DYNAMIC && !out->has_dynamic)
            ok = read_dynamic(&r, &segments[i], out, &refs);
        if (!ok)
            result = out_of_memory(err);
    }
    if (result != WH_OK)
        goto out;

    if (!resolve_names(&r, &h, segments, segment_count, &refs, out))
        result = out_of_memory(err);

out:
    if (result != WH_OK)
        wh_elf_info_free(out);
    free(segments);
    free(refs.needed);
    return result;
}

void wh_elf_info_free(wh_elf_info *info)
{
    if (info == NULL)
        return;

    free(info->interp);
    for (size_t i = 0; i < info->needed_count; i++)
        free(info->needed[i]);
    free(info->needed);
    free(info->soname);
    free(info->runpath);
    free(info->rpath);
    memset(info, 0, sizeof(*info));
}
