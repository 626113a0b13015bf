/*
 * Tests for the ELF reader: hand-built files in all four class and byte
 * order combinations, binaries compiled by gcc at test time, and damaged
 * copies of both. Damaged files must yield partial results without reading
 * out of bounds, which the sanitizer build (make SANITIZE=1) checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/elf.h"
#include "support_binaries.h"

/* ---- hand-built ELF files ---------------------------------------------- */

#define IMAGE_SIZE 1024
#define PHDR_OFFSET 64
#define INTERP_OFFSET 256
#define DYNSTR_OFFSET 512
#define DYNAMIC_OFFSET 768
#define LOAD_ADDRESS 0x10000u

static const char image_dynstr[] =
    "\0libfoo.so.1\0libbar.so.2\0libself.so.9\0$ORIGIN/lib\0/opt/old";
enum { STR_FOO = 1, STR_BAR = 13, STR_SELF = 25, STR_RUNPATH = 38, STR_RPATH = 50 };

typedef struct image {
    unsigned char bytes[IMAGE_SIZE];
    int is64;
    int big_endian;
} image;

static void put(image *im, size_t offset, unsigned width, uint64_t value)
{
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = im->big_endian ? 8 * (width - 1 - i) : 8 * i;
        im->bytes[offset + i] = (unsigned char)(value >> shift);
    }
}

static void put_word(image *im, size_t offset, uint64_t value)
{
    put(im, offset, im->is64 ? 8 : 4, value);
}

static void put_segment(image *im, unsigned index, uint32_t type, uint64_t offset, uint64_t vaddr,
                        uint64_t filesz)
{
    size_t at = PHDR_OFFSET + index * (im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr));
    put(im, at, 4, type);
    if (im->is64) {
        put_word(im, at + offsetof(Elf64_Phdr, p_offset), offset);
        put_word(im, at + offsetof(Elf64_Phdr, p_vaddr), vaddr);
        put_word(im, at + offsetof(Elf64_Phdr, p_filesz), filesz);
        put_word(im, at + offsetof(Elf64_Phdr, p_memsz), filesz);
    } else {
        put_word(im, at + offsetof(Elf32_Phdr, p_offset), offset);
        put_word(im, at + offsetof(Elf32_Phdr, p_vaddr), vaddr);
        put_word(im, at + offsetof(Elf32_Phdr, p_filesz), filesz);
        put_word(im, at + offsetof(Elf32_Phdr, p_memsz), filesz);
    }
}

static size_t put_dynamic(image *im, size_t index, uint64_t tag, uint64_t value)
{
    size_t entry_size = im->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
    size_t at = DYNAMIC_OFFSET + index * entry_size;
    put_word(im, at, tag);
    put_word(im, at + entry_size / 2, value);
    return index + 1;
}

/*
 * Builds a PIE-flagged ET_DYN file with PT_INTERP, one PT_LOAD covering the
 * whole file, and a PT_DYNAMIC naming two libraries, a SONAME, RUNPATH and
 * RPATH. It has no section headers.
 */
static void build_image(image *im, int is64, int big_endian)
{
    memset(im, 0, sizeof(*im));
    im->is64 = is64;
    im->big_endian = big_endian;

    memcpy(im->bytes, ELFMAG, SELFMAG);
    im->bytes[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
    im->bytes[EI_DATA] = big_endian ? ELFDATA2MSB : ELFDATA2LSB;
    im->bytes[EI_VERSION] = EV_CURRENT;
    put(im, offsetof(Elf64_Ehdr, e_type), 2, ET_DYN);
    put(im, offsetof(Elf64_Ehdr, e_machine), 2, is64 ? EM_PPC64 : EM_MIPS);
    put(im, offsetof(Elf64_Ehdr, e_version), 4, EV_CURRENT);
    if (is64) {
        put_word(im, offsetof(Elf64_Ehdr, e_entry), LOAD_ADDRESS + 0x40);
        put_word(im, offsetof(Elf64_Ehdr, e_phoff), PHDR_OFFSET);
        put(im, offsetof(Elf64_Ehdr, e_ehsize), 2, sizeof(Elf64_Ehdr));
        put(im, offsetof(Elf64_Ehdr, e_phentsize), 2, sizeof(Elf64_Phdr));
        put(im, offsetof(Elf64_Ehdr, e_phnum), 2, 3);
    } else {
        put_word(im, offsetof(Elf32_Ehdr, e_entry), LOAD_ADDRESS + 0x40);
        put_word(im, offsetof(Elf32_Ehdr, e_phoff), PHDR_OFFSET);
        put(im, offsetof(Elf32_Ehdr, e_ehsize), 2, sizeof(Elf32_Ehdr));
        put(im, offsetof(Elf32_Ehdr, e_phentsize), 2, sizeof(Elf32_Phdr));
        put(im, offsetof(Elf32_Ehdr, e_phnum), 2, 3);
    }

    static const char interp[] = "/lib/ld-test.so.1";
    memcpy(im->bytes + INTERP_OFFSET, interp, sizeof(interp));
    memcpy(im->bytes + DYNSTR_OFFSET, image_dynstr, sizeof(image_dynstr));

    put_segment(im, 0, PT_INTERP, INTERP_OFFSET, LOAD_ADDRESS + INTERP_OFFSET, sizeof(interp));
    put_segment(im, 1, PT_LOAD, 0, LOAD_ADDRESS, IMAGE_SIZE);
    put_segment(im, 2, PT_DYNAMIC, DYNAMIC_OFFSET, LOAD_ADDRESS + DYNAMIC_OFFSET,
                IMAGE_SIZE - DYNAMIC_OFFSET);

    size_t n = 0;
    n = put_dynamic(im, n, DT_NEEDED, STR_FOO);
    n = put_dynamic(im, n, DT_NEEDED, STR_BAR);
    n = put_dynamic(im, n, DT_SONAME, STR_SELF);
    n = put_dynamic(im, n, DT_RUNPATH, STR_RUNPATH);
    n = put_dynamic(im, n, DT_RPATH, STR_RPATH);
    n = put_dynamic(im, n, DT_STRTAB, LOAD_ADDRESS + DYNSTR_OFFSET);
    n = put_dynamic(im, n, DT_STRSZ, sizeof(image_dynstr));
    n = put_dynamic(im, n, DT_FLAGS_1, DF_1_PIE);
    put_dynamic(im, n, DT_NULL, 0);
}

static void check_image(int is64, int big_endian)
{
    image im;
    build_image(&im, is64, big_endian);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_int_equal(info.elf_class, is64 ? ELFCLASS64 : ELFCLASS32);
    assert_int_equal(info.byte_order, big_endian ? ELFDATA2MSB : ELFDATA2LSB);
    assert_int_equal(info.type, ET_DYN);
    assert_int_equal(info.machine, is64 ? EM_PPC64 : EM_MIPS);
    assert_int_equal(info.entry, LOAD_ADDRESS + 0x40);
    assert_true(info.has_interp);
    assert_string_equal(info.interp, "/lib/ld-test.so.1");
    assert_int_equal(info.needed_entries, 2);
    assert_int_equal(info.needed_count, 2);
    assert_string_equal(info.needed[0], "libfoo.so.1");
    assert_string_equal(info.needed[1], "libbar.so.2");
    assert_string_equal(info.soname, "libself.so.9");
    assert_string_equal(info.runpath, "$ORIGIN/lib");
    assert_string_equal(info.rpath, "/opt/old");
    assert_true(info.has_flags_1);
    assert_int_equal(info.flags_1, DF_1_PIE);
    assert_int_equal(info.defects, 0);
    wh_elf_info_free(&info);
}

static void test_elf64_little_endian(void **state)
{
    (void)state;
    check_image(1, 0);
}

static void test_elf64_big_endian(void **state)
{
    (void)state;
    check_image(1, 1);
}

static void test_elf32_little_endian(void **state)
{
    (void)state;
    check_image(0, 0);
}

static void test_elf32_big_endian(void **state)
{
    (void)state;
    check_image(0, 1);
}

static void test_elf_not_elf(void **state)
{
    (void)state;
    static const unsigned char text[] = "#!/bin/sh\necho hello\n";
    wh_elf_info info;
    wh_error err = {0};

    assert_false(wh_elf_has_magic(text, sizeof(text)));
    assert_int_equal(wh_elf_parse(text, sizeof(text), &info, &err), WH_ERR_FORMAT);
    assert_int_equal(err.status, WH_ERR_FORMAT);
    assert_null(info.interp);
    assert_int_equal(wh_elf_parse(NULL, 0, &info, NULL), WH_ERR_FORMAT);
}

static void test_elf_unknown_class(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);
    im.bytes[EI_CLASS] = 7;

    wh_elf_info info;
    wh_error err = {0};
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, &err), WH_ERR_FORMAT);
    assert_non_null(strstr(err.message, "class 7"));
}

static void test_elf_truncated_header(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);

    /* Every length shorter than the 64-byte file header is a format error. */
    for (size_t size = 0; size < sizeof(Elf64_Ehdr); size++) {
        unsigned char *copy = malloc(size + 1);
        assert_non_null(copy);
        memcpy(copy, im.bytes, size);
        wh_elf_info info;
        assert_int_equal(wh_elf_parse(copy, size, &info, NULL), WH_ERR_FORMAT);
        free(copy);
    }
}

static void test_elf_every_truncation(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        image im;
        build_image(&im, variant & 1, variant >> 1);

        /* Copies into an exact-size heap buffer so ASan catches any overread. */
        for (size_t size = sizeof(Elf32_Ehdr); size < IMAGE_SIZE; size++) {
            unsigned char *copy = malloc(size);
            assert_non_null(copy);
            memcpy(copy, im.bytes, size);

            wh_elf_info info;
            wh_status status = wh_elf_parse(copy, size, &info, NULL);
            if (status == WH_OK) {
                assert_true(info.defects & (WH_ELF_DEFECT_LOAD | WH_ELF_DEFECT_PROGRAM_HEADERS));
                wh_elf_info_free(&info);
            } else {
                assert_int_equal(status, WH_ERR_FORMAT);
            }
            free(copy);
        }
    }
}

static void test_elf_program_headers_past_end(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);
    put_word(&im, offsetof(Elf64_Ehdr, e_phoff), IMAGE_SIZE - 10);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_PROGRAM_HEADERS);
    assert_false(info.has_interp);
    assert_false(info.has_dynamic);
    wh_elf_info_free(&info);

    /* A huge count keeps the entries that fit and reports the rest. */
    build_image(&im, 1, 0);
    put(&im, offsetof(Elf64_Ehdr, e_phnum), 2, 0xfffe);
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_PROGRAM_HEADERS);
    assert_string_equal(info.interp, "/lib/ld-test.so.1");
    wh_elf_info_free(&info);
}

static void test_elf_segments_past_end(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);
    put_segment(&im, 0, PT_INTERP, UINT64_MAX - 4, 0, 100);
    put_segment(&im, 2, PT_DYNAMIC, IMAGE_SIZE + 8, 0, UINT64_MAX);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.has_interp);
    assert_null(info.interp);
    assert_true(info.defects & WH_ELF_DEFECT_INTERP);
    assert_true(info.has_dynamic);
    assert_true(info.defects & WH_ELF_DEFECT_DYNAMIC);
    assert_int_equal(info.needed_entries, 0);
    wh_elf_info_free(&info);
}

static void test_elf_string_offsets_past_end(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);
    put_dynamic(&im, 0, DT_NEEDED, 0x7fffffff);
    put_dynamic(&im, 2, DT_SONAME, UINT64_MAX);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_STRINGS);
    assert_int_equal(info.needed_entries, 2);
    assert_int_equal(info.needed_count, 1);
    assert_string_equal(info.needed[0], "libbar.so.2");
    assert_null(info.soname);
    wh_elf_info_free(&info);
}

static void test_elf_unterminated_string(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);

    /* DT_STRSZ ends the table inside "libbar.so.2", so that name has no NUL inside it. */
    put_dynamic(&im, 6, DT_STRSZ, STR_BAR + 3);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_STRINGS);
    assert_int_equal(info.needed_count, 1);
    assert_string_equal(info.needed[0], "libfoo.so.1");
    assert_null(info.soname);
    wh_elf_info_free(&info);
}

static void test_elf_strtab_maps_nowhere(void **state)
{
    (void)state;
    image im;
    build_image(&im, 0, 1);
    put_dynamic(&im, 5, DT_STRTAB, 0xdead0000u);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_STRINGS);
    assert_int_equal(info.needed_entries, 2);
    assert_int_equal(info.needed_count, 0);
    assert_string_equal(info.interp, "/lib/ld-test.so.1");
    wh_elf_info_free(&info);
}

static void test_elf_dynamic_without_null(void **state)
{
    (void)state;
    image im;
    build_image(&im, 1, 0);

    /* Fill the rest of the segment with DT_NEEDED entries and no DT_NULL. */
    size_t capacity = (IMAGE_SIZE - DYNAMIC_OFFSET) / sizeof(Elf64_Dyn);
    for (size_t i = 8; i < capacity; i++)
        put_dynamic(&im, i, DT_NEEDED, STR_FOO);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(im.bytes, sizeof(im.bytes), &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_DYNAMIC);
    assert_int_equal(info.needed_entries, 2 + capacity - 8);
    assert_int_equal(info.needed_count, info.needed_entries);
    wh_elf_info_free(&info);
}

static void test_elf_random_corruption(void **state)
{
    (void)state;
    unsigned seed = 12345;

    /* Overwrites random bytes of the headers and tables. Parsing must still return normally. */
    for (int round = 0; round < 3000; round++) {
        image im;
        build_image(&im, round & 1, (round >> 1) & 1);
        for (int k = 0; k < 6; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (DYNAMIC_OFFSET + 128);
            seed = seed * 1103515245u + 12345u;
            im.bytes[at] = (unsigned char)(seed >> 16);
        }
        im.bytes[0] = ELFMAG0; /* keep the magic so the parser goes past it */

        unsigned char *copy = malloc(IMAGE_SIZE);
        assert_non_null(copy);
        memcpy(copy, im.bytes, IMAGE_SIZE);
        wh_elf_info info;
        wh_status status = wh_elf_parse(copy, IMAGE_SIZE, &info, NULL);
        assert_true(status == WH_OK || status == WH_ERR_FORMAT);
        wh_elf_info_free(&info);
        free(copy);
    }
}

/* ---- binaries built by gcc --------------------------------------------- */

static const char program_source[] =
    "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";

typedef struct built {
    char *dir;
    char *dynamic_path;
} built;

static int setup_built(void **state)
{
    built *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return -1;
    b->dir = test_support_make_temp_dir();
    if (b->dir != NULL)
        b->dynamic_path = test_support_compile(b->dir, "hello", program_source, "-O1");
    *state = b;
    return b->dynamic_path != NULL ? 0 : -1;
}

static int teardown_built(void **state)
{
    built *b = *state;
    if (b == NULL)
        return 0;
    test_support_remove_tree(b->dir);
    free(b->dir);
    free(b->dynamic_path);
    free(b);
    return 0;
}

static unsigned char *read_built(void **state, size_t *size)
{
    built *b = *state;
    unsigned char *data = test_support_read_file(b->dynamic_path, size);
    assert_non_null(data);
    return data;
}

/* Returns the file offset of the first dynamic entry with tag, or 0. */
static size_t find_dynamic_tag(const unsigned char *data, size_t size, uint64_t tag)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(data + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != PT_DYNAMIC)
            continue;
        for (size_t at = ph->p_offset; at + sizeof(Elf64_Dyn) <= size; at += sizeof(Elf64_Dyn)) {
            const Elf64_Dyn *d = (const Elf64_Dyn *)(data + at);
            if ((uint64_t)d->d_tag == tag)
                return at;
            if (d->d_tag == DT_NULL)
                break;
        }
    }
    return 0;
}

static void test_elf_gcc_dynamic(void **state)
{
    size_t size;
    unsigned char *data = read_built(state, &size);

    wh_elf_info info;
    assert_int_equal(wh_elf_parse(data, size, &info, NULL), WH_OK);
    assert_int_equal(info.elf_class, ELFCLASS64);
    assert_int_equal(info.type, ET_DYN);
    assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(info.needed_count, 1);
    assert_string_equal(info.needed[0], "libc.so.6");
    assert_true(info.flags_1 & DF_1_PIE);
    assert_null(info.soname);
    assert_int_equal(info.defects, 0);
    wh_elf_info_free(&info);
    free(data);
}

static void test_elf_gcc_strtab_falls_back_to_sections(void **state)
{
    size_t size;
    unsigned char *data = read_built(state, &size);
    size_t at = find_dynamic_tag(data, size, DT_STRTAB);
    assert_true(at != 0);

    /* With DT_STRTAB mapping nowhere, .dynstr is found through the section headers. */
    ((Elf64_Dyn *)(data + at))->d_un.d_ptr = 0x7fff00000000ull;
    wh_elf_info info;
    assert_int_equal(wh_elf_parse(data, size, &info, NULL), WH_OK);
    assert_int_equal(info.defects, 0);
    assert_int_equal(info.needed_count, 1);
    assert_string_equal(info.needed[0], "libc.so.6");
    wh_elf_info_free(&info);

    /* Without section headers as well, the names are lost but still counted. */
    ((Elf64_Ehdr *)data)->e_shoff = 0;
    assert_int_equal(wh_elf_parse(data, size, &info, NULL), WH_OK);
    assert_true(info.defects & WH_ELF_DEFECT_STRINGS);
    assert_int_equal(info.needed_entries, 1);
    assert_int_equal(info.needed_count, 0);
    wh_elf_info_free(&info);
    free(data);
}

static void test_elf_gcc_truncations(void **state)
{
    size_t size;
    unsigned char *data = read_built(state, &size);

    /* Every prefix must parse without an overread, so step through the whole file. */
    for (size_t length = 0; length < size; length += length < 4096 ? 1 : 61) {
        unsigned char *copy = malloc(length + 1);
        assert_non_null(copy);
        memcpy(copy, data, length);
        wh_elf_info info;
        wh_status status = wh_elf_parse(copy, length, &info, NULL);
        assert_true(status == WH_OK || status == WH_ERR_FORMAT);
        wh_elf_info_free(&info);
        free(copy);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest synthetic[] = {
        cmocka_unit_test(test_elf64_little_endian),
        cmocka_unit_test(test_elf64_big_endian),
        cmocka_unit_test(test_elf32_little_endian),
        cmocka_unit_test(test_elf32_big_endian),
        cmocka_unit_test(test_elf_not_elf),
        cmocka_unit_test(test_elf_unknown_class),
        cmocka_unit_test(test_elf_truncated_header),
        cmocka_unit_test(test_elf_every_truncation),
        cmocka_unit_test(test_elf_program_headers_past_end),
        cmocka_unit_test(test_elf_segments_past_end),
        cmocka_unit_test(test_elf_string_offsets_past_end),
        cmocka_unit_test(test_elf_unterminated_string),
        cmocka_unit_test(test_elf_strtab_maps_nowhere),
        cmocka_unit_test(test_elf_dynamic_without_null),
        cmocka_unit_test(test_elf_random_corruption),
    };
    const struct CMUnitTest compiled[] = {
        cmocka_unit_test(test_elf_gcc_dynamic),
        cmocka_unit_test(test_elf_gcc_strtab_falls_back_to_sections),
        cmocka_unit_test(test_elf_gcc_truncations),
    };

    int failures = cmocka_run_group_tests_name("elf: hand-built files", synthetic, NULL, NULL);
    failures +=
        cmocka_run_group_tests_name("elf: gcc-built files", compiled, setup_built, teardown_built);
    return failures;
}
