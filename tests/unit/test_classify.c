/*
 * Tests for wh_classify: binaries built by gcc at test time, real binaries
 * of this machine, BusyBox and toybox from Debian packages, scripts in
 * every "#!" form, names, modes and damaged ELF files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/classify.h"
#include "../../core/shebang.h"
#include "support_binaries.h"

#define LINK_FLAGS (WH_FLAG_STATIC | WH_FLAG_STATIC_PIE | WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY)

static const char program_source[] =
    "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";
static const char library_source[] = "#include <stdio.h>\nvoid x_hello(void) { puts(\"hi\"); }\n";
static const char bare_library_source[] = "int x_answer(void) { return 42; }\n";

/* Classifies data as a regular file at path with the given mode. */
static wh_classification classify_bytes(const char *path, unsigned mode, const void *data,
                                        size_t size)
{
    wh_file_meta meta = {.path = path, .type = WH_FILE_REGULAR, .mode = S_IFREG | mode};
    wh_classification c;
    wh_error err = {0};
    assert_int_equal(wh_classify(&meta, data, size, &c, &err), WH_OK);
    return c;
}

/* Reads file and classifies it under the name path as an executable. */
static wh_classification classify_file(const char *file, const char *path)
{
    size_t size;
    unsigned char *data = test_support_read_file(file, &size);
    if (data == NULL)
        fail_msg("cannot read %s", file);
    wh_classification c = classify_bytes(path, 0755, data, size);
    free(data);
    return c;
}

static wh_classification classify_entry(const char *path, wh_file_type type, unsigned mode)
{
    wh_file_meta meta = {.path = path, .type = type, .mode = mode};
    wh_classification c;
    assert_int_equal(wh_classify(&meta, NULL, 0, &c, NULL), WH_OK);
    return c;
}

static int has_needed(const wh_classification *c, const char *soname)
{
    for (size_t i = 0; i < c->needed_count; i++) {
        if (strcmp(c->needed[i], soname) == 0)
            return 1;
    }
    return 0;
}

/* ---- binaries built by gcc --------------------------------------------- */

static char *build_dir;

static int setup_build_dir(void **state)
{
    (void)state;
    build_dir = test_support_make_temp_dir();
    return build_dir != NULL ? 0 : -1;
}

static int teardown_build_dir(void **state)
{
    (void)state;
    test_support_remove_tree(build_dir);
    free(build_dir);
    build_dir = NULL;
    return 0;
}

/* Compiles source with flags and classifies the result as /usr/bin/NAME. */
static wh_classification classify_built(const char *name, const char *source, const char *flags)
{
    char *output = test_support_compile(build_dir, name, source, flags);
    if (output == NULL)
        fail_msg("gcc %s failed for %s", flags, name);

    char path[256];
    snprintf(path, sizeof(path), "/usr/bin/%s", name);
    wh_classification c = classify_file(output, path);
    free(output);
    return c;
}

static void test_classify_gcc_static(void **state)
{
    (void)state;
    wh_classification c = classify_built("static", program_source, "-static");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_STATIC);
    assert_null(c.interpreter);
    assert_int_equal(c.needed_count, 0);
    assert_null(c.multicall);
    wh_classification_free(&c);
}

static void test_classify_gcc_static_pie(void **state)
{
    (void)state;
    wh_classification c = classify_built("static-pie", program_source, "-static-pie");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_STATIC_PIE);
    assert_null(c.interpreter);
    assert_int_equal(c.needed_count, 0);
    wh_classification_free(&c);
}

static void test_classify_gcc_dynamic_pie(void **state)
{
    (void)state;
    wh_classification c = classify_built("dynamic", program_source, "-pie -fPIE");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_DYNAMIC);
    assert_string_equal(c.interpreter, "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(c.needed_count, 1);
    assert_string_equal(c.needed[0], "libc.so.6");
    assert_null(c.soname);
    wh_classification_free(&c);
}

static void test_classify_gcc_dynamic_no_pie(void **state)
{
    (void)state;
    wh_classification c = classify_built("dynamic-exec", program_source, "-no-pie");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_DYNAMIC);
    assert_string_equal(c.interpreter, "/lib64/ld-linux-x86-64.so.2");
    assert_true(has_needed(&c, "libc.so.6"));
    wh_classification_free(&c);
}

static void test_classify_gcc_library_runpath(void **state)
{
    (void)state;
    wh_classification c = classify_built(
        "libx.so.1", library_source,
        "-shared -fPIC -Wl,-soname,libx.so.1 -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_SHARED_LIBRARY | WH_FLAG_DYNAMIC);
    assert_string_equal(c.soname, "libx.so.1");
    assert_string_equal(c.runpath, "$ORIGIN/../lib");
    assert_null(c.rpath);
    assert_null(c.interpreter);
    assert_true(has_needed(&c, "libc.so.6"));
    wh_classification_free(&c);
}

static void test_classify_gcc_library_rpath(void **state)
{
    (void)state;
    wh_classification c = classify_built(
        "liby.so.1", library_source,
        "-shared -fPIC -Wl,-soname,liby.so.1 -Wl,-rpath,'$ORIGIN/../lib' -Wl,--disable-new-dtags");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_SHARED_LIBRARY | WH_FLAG_DYNAMIC);
    assert_string_equal(c.soname, "liby.so.1");
    assert_string_equal(c.rpath, "$ORIGIN/../lib");
    assert_null(c.runpath);
    wh_classification_free(&c);
}

static void test_classify_gcc_library_without_needed(void **state)
{
    (void)state;
    wh_classification c =
        classify_built("libbare.so", bare_library_source, "-shared -fPIC -nostdlib");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_SHARED_LIBRARY);
    assert_int_equal(c.needed_count, 0);
    assert_null(c.soname);
    wh_classification_free(&c);
}

static void test_classify_gcc_object_file(void **state)
{
    (void)state;
    wh_classification c = classify_built("object.o", bare_library_source, "-c");
    assert_int_equal(c.flags & LINK_FLAGS, 0);
    wh_classification_free(&c);
}

/* A program that embeds a BusyBox banner and an applet table with or without "sh". */
static const char fake_busybox_source[] =
    "#include <stdio.h>\n"
    "static const char banner[] = \"BusyBox v9.9 (test)\";\n"
    "static const char applets[] = APPLETS;\n"
    "int main(void) { puts(banner); fwrite(applets, 1, sizeof(applets), stdout); return 0; }\n";

static void test_classify_busybox_applet_table(void **state)
{
    (void)state;
    wh_classification c = classify_built("fake-busybox", fake_busybox_source,
                                         "-DAPPLETS='\"cat\\0cp\\0ls\\0mv\\0rm\\0\"'");
    assert_string_equal(c.multicall, "busybox");
    assert_false(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);

    c = classify_built("fake-busybox-sh", fake_busybox_source,
                       "-DAPPLETS='\"cat\\0cp\\0ls\\0sh\\0tar\\0vi\\0\"'");
    assert_string_equal(c.multicall, "busybox");
    assert_true(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);

    /* "sh" outside a sorted list of names is not an applet. */
    c = classify_built("fake-busybox-stray", fake_busybox_source,
                       "-DAPPLETS='\"zip\\0sh\\0ab\\0Error\\0\"'");
    assert_string_equal(c.multicall, "busybox");
    assert_false(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);
}

/* Returns the offset just past the last byte of the file that a PT_LOAD segment maps. */
static size_t loaded_end(const unsigned char *data)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    size_t end = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(data + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > end)
            end = ph->p_offset + ph->p_filesz;
    }
    return end;
}

/*
 * Truncates a real static binary at many lengths. A prefix that cuts into a
 * loaded segment cannot run, so it must not be called static. Cutting only
 * the unloaded tail (symbols, section headers) leaves a working binary.
 */
static void test_classify_truncated_static_never_static(void **state)
{
    (void)state;
    char *output = test_support_compile(build_dir, "static-cut", program_source, "-static");
    assert_non_null(output);
    size_t size;
    unsigned char *data = test_support_read_file(output, &size);
    assert_non_null(data);
    size_t end = loaded_end(data);
    assert_true(end > 8192 && end <= size);

    /* Every third length through the headers, then coarser steps up to the loaded end. */
    for (size_t length = 0; length < end; length += length < 8192 ? 3 : 4099) {
        unsigned char *copy = malloc(length + 1);
        assert_non_null(copy);
        memcpy(copy, data, length);
        wh_classification c = classify_bytes("/bin/cut", 0755, copy, length);
        unsigned flags = c.flags;
        wh_classification_free(&c);
        free(copy);
        if (flags & WH_FLAG_STATIC)
            fail_msg("a %zu-byte prefix of a static binary was classified static", length);
    }

    wh_classification c = classify_bytes("/bin/cut", 0755, data, end);
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_STATIC);
    wh_classification_free(&c);
    free(data);
    free(output);
}

/* Damaged dynamic binaries: classified dynamic or not at all, never static. */
static void test_classify_damaged_dynamic_never_static(void **state)
{
    (void)state;
    char *output = test_support_compile(build_dir, "damaged", program_source, "");
    assert_non_null(output);
    size_t size;
    unsigned char *data = test_support_read_file(output, &size);
    assert_non_null(data);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)data;

    /* Program headers pointing past the end of the file. */
    Elf64_Off phoff = eh->e_phoff;
    eh->e_phoff = size - 8;
    wh_classification c = classify_bytes("/bin/damaged", 0755, data, size);
    assert_int_equal(c.flags & LINK_FLAGS, 0);
    wh_classification_free(&c);
    eh->e_phoff = phoff;

    /* Every dynamic segment and interpreter moved past the end, sections gone. */
    eh->e_shoff = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(data + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type == PT_DYNAMIC || ph->p_type == PT_INTERP)
            ph->p_offset = size + 4096;
    }
    c = classify_bytes("/bin/damaged", 0755, data, size);
    assert_false(c.flags & (WH_FLAG_STATIC | WH_FLAG_STATIC_PIE));
    assert_true(c.flags & WH_FLAG_DYNAMIC);
    assert_null(c.interpreter);
    wh_classification_free(&c);

    free(data);
    free(output);
}

/* ---- binaries of this machine ------------------------------------------ */

static void test_classify_system_bash(void **state)
{
    (void)state;
    wh_classification c = classify_file("/bin/bash", "/bin/bash");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_DYNAMIC);
    assert_true(c.flags & WH_FLAG_SHELL);
    assert_string_equal(c.interpreter, "/lib64/ld-linux-x86-64.so.2");
    assert_true(has_needed(&c, "libc.so.6"));
    assert_true(c.needed_count >= 2);
    assert_null(c.multicall);
    wh_classification_free(&c);

    /* Renamed, bash is still found by its version string. */
    c = classify_file("/bin/bash", "/opt/app/launcher");
    assert_true(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);
}

static void test_classify_system_dpkg(void **state)
{
    (void)state;
    wh_classification c = classify_file("/usr/bin/dpkg", "/usr/bin/dpkg");
    assert_true(c.flags & WH_FLAG_PACKAGE_MANAGER);
    assert_true(c.flags & WH_FLAG_DYNAMIC);
    assert_false(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);
}

static void test_classify_system_libc(void **state)
{
    (void)state;
    const char *path = "/lib/x86_64-linux-gnu/libc.so.6";
    if (access(path, R_OK) != 0)
        skip();

    /* glibc's libc.so.6 can be run, but it is a library first. */
    wh_classification c = classify_file(path, path);
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_SHARED_LIBRARY | WH_FLAG_DYNAMIC);
    assert_string_equal(c.soname, "libc.so.6");
    assert_non_null(c.interpreter);
    wh_classification_free(&c);

    c = classify_file("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(c.flags & LINK_FLAGS, WH_FLAG_SHARED_LIBRARY);
    assert_string_equal(c.soname, "ld-linux-x86-64.so.2");
    wh_classification_free(&c);
}

/* ---- BusyBox and toybox ------------------------------------------------ */

static char *package_dir;
static char *busybox_path;
static char *toybox_path;

/* Returns a copy of the first of the paths that exists, or NULL. */
static char *first_existing(const char *a, const char *b)
{
    if (access(a, R_OK) == 0)
        return strdup(a);
    if (b != NULL && access(b, R_OK) == 0)
        return strdup(b);
    return NULL;
}

static int setup_multicall(void **state)
{
    (void)state;
    busybox_path = first_existing("/bin/busybox", "/usr/bin/busybox");
    toybox_path = first_existing("/usr/bin/toybox", "/bin/toybox");
    if (busybox_path != NULL && toybox_path != NULL)
        return 0;

    /* Not installed: fetch the Debian packages and unpack them without installing. */
    package_dir = test_support_make_temp_dir();
    if (package_dir == NULL)
        return 0;
    char command[1024];
    snprintf(command, sizeof(command),
             "cd '%s' && apt-get download busybox-static toybox >/dev/null 2>&1 && "
             "for deb in *.deb; do dpkg-deb -x \"$deb\" root || exit 1; done",
             package_dir);
    if (system(command) != 0)
        return 0;

    char *root = test_support_path(package_dir, "root");
    if (root == NULL)
        return 0;
    char bin_busybox[512], usr_busybox[512], bin_toybox[512], usr_toybox[512];
    snprintf(bin_busybox, sizeof(bin_busybox), "%s/bin/busybox", root);
    snprintf(usr_busybox, sizeof(usr_busybox), "%s/usr/bin/busybox", root);
    snprintf(bin_toybox, sizeof(bin_toybox), "%s/bin/toybox", root);
    snprintf(usr_toybox, sizeof(usr_toybox), "%s/usr/bin/toybox", root);
    free(root);
    if (busybox_path == NULL)
        busybox_path = first_existing(bin_busybox, usr_busybox);
    if (toybox_path == NULL)
        toybox_path = first_existing(bin_toybox, usr_toybox);
    return 0;
}

static int teardown_multicall(void **state)
{
    (void)state;
    test_support_remove_tree(package_dir);
    free(package_dir);
    free(busybox_path);
    free(toybox_path);
    package_dir = busybox_path = toybox_path = NULL;
    return 0;
}

static void test_classify_busybox(void **state)
{
    (void)state;
    if (busybox_path == NULL) {
        print_message("skipped: busybox is not installed and "
                      "'apt-get download busybox-static' failed\n");
        skip();
    }

    /* By content, whatever the name: an applet link named "ls" is still BusyBox. */
    wh_classification c = classify_file(busybox_path, "/bin/ls");
    assert_true(c.flags & WH_FLAG_MULTICALL);
    assert_string_equal(c.multicall, "busybox");
    assert_true(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);

    c = classify_file(busybox_path, "/bin/busybox");
    assert_string_equal(c.multicall, "busybox");
    assert_true(c.flags & (WH_FLAG_STATIC | WH_FLAG_DYNAMIC));
    wh_classification_free(&c);
}

static void test_classify_toybox(void **state)
{
    (void)state;
    if (toybox_path == NULL) {
        print_message("skipped: toybox is not installed and 'apt-get download toybox' failed\n");
        skip();
    }

    wh_classification c = classify_file(toybox_path, "/usr/bin/cat");
    assert_true(c.flags & WH_FLAG_MULTICALL);
    assert_string_equal(c.multicall, "toybox");
    wh_classification_free(&c);
}

/* ---- scripts ----------------------------------------------------------- */

typedef struct script_case {
    const char *content;
    const char *interpreter;
    const char *argument;
} script_case;

static void check_script(const char *content, size_t size, const char *interpreter,
                         const char *argument)
{
    wh_classification c = classify_bytes("/usr/local/bin/tool", 0755, content, size);
    if (!(c.flags & WH_FLAG_SCRIPT))
        fail_msg("not classified as a script: %.40s", content);
    if (interpreter == NULL)
        assert_null(c.interpreter);
    else
        assert_string_equal(c.interpreter, interpreter);
    if (argument == NULL)
        assert_null(c.interpreter_arg);
    else
        assert_string_equal(c.interpreter_arg, argument);
    assert_int_equal(c.flags & LINK_FLAGS, 0);
    wh_classification_free(&c);
}

static void test_classify_script_forms(void **state)
{
    (void)state;
    static const script_case cases[] = {
        {"#!/bin/sh\necho hi\n", "/bin/sh", NULL},
        {"#! /bin/sh -e\n", "/bin/sh", "-e"},
        {"#!\t/usr/bin/perl\t-w -T\n", "/usr/bin/perl", "-w -T"},
        {"#!/usr/bin/python3   \n", "/usr/bin/python3", NULL},
        {"#!/bin/bash\r\necho hi\r\n", "/bin/bash", NULL},
        {"#!/bin/sh -x\r\n", "/bin/sh", "-x"},
        {"#!/bin/sh", "/bin/sh", NULL},
        {"#!/usr/bin/env python3\n", "/usr/bin/env", "python3"},
        {"#!/usr/bin/env -S python3 -u\n", "/usr/bin/env", "python3"},
        {"#!/usr/bin/env -Spython3 -u\n", "/usr/bin/env", "python3"},
        {"#!/usr/bin/env --split-string=node --inspect\n", "/usr/bin/env", "node"},
        {"#!/usr/bin/env -S LANG=C.UTF-8 ruby -w\n", "/usr/bin/env", "ruby"},
        {"#!/usr/bin/env -i -u HOME perl\n", "/usr/bin/env", "perl"},
        {"#!/usr/bin/env\n", "/usr/bin/env", NULL},
        {"#!/usr/bin/env -i\n", "/usr/bin/env", NULL},
        {"#!\n", NULL, NULL},
        {"#!", NULL, NULL},
        {"#!   \r\n", NULL, NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_script(cases[i].content, strlen(cases[i].content), cases[i].interpreter,
                     cases[i].argument);
}

static void test_classify_script_long_line(void **state)
{
    (void)state;
    char content[600];

    /* The argument is cut where the kernel stops: before the last byte of its 256-byte buffer. */
    size_t prefix = strlen("#!/bin/sh ");
    memcpy(content, "#!/bin/sh ", prefix);
    memset(content + prefix, 'a', 300);
    content[prefix + 300] = '\n';
    wh_classification c = classify_bytes("/bin/tool", 0755, content, prefix + 301);
    assert_string_equal(c.interpreter, "/bin/sh");
    assert_int_equal(strlen(c.interpreter_arg), WH_SHEBANG_LINE_MAX - 1 - prefix);
    wh_classification_free(&c);

    /* An interpreter path cut off by that limit cannot run and is not recorded. */
    content[2] = '/';
    memset(content + 3, 'x', 400);
    content[403] = '\n';
    c = classify_bytes("/bin/tool", 0755, content, 404);
    assert_true(c.flags & WH_FLAG_SCRIPT);
    assert_null(c.interpreter);
    wh_classification_free(&c);

    /* A long path that ends inside the limit is kept whole. */
    memset(content + 3, 'y', 240);
    content[243] = ' ';
    memset(content + 244, 'z', 100);
    content[344] = '\n';
    c = classify_bytes("/bin/tool", 0755, content, 345);
    assert_int_equal(strlen(c.interpreter), 241);
    assert_int_equal(strlen(c.interpreter_arg), WH_SHEBANG_LINE_MAX - 1 - 244);
    wh_classification_free(&c);
}

static void test_classify_script_not_script(void **state)
{
    (void)state;
    static const char text[] = "# !/bin/sh\nhello\n";
    wh_classification c = classify_bytes("/etc/motd", 0644, text, strlen(text));
    assert_int_equal(c.flags, 0);
    assert_null(c.interpreter);
    wh_classification_free(&c);
}

/* ---- names and modes --------------------------------------------------- */

static void test_classify_shell_names(void **state)
{
    (void)state;
    static const char *const shells[] = {
        "/bin/sh",    "/bin/bash",        "/usr/bin/dash",
        "/bin/zsh",   "/bin/ksh",         "/bin/mksh",
        "/bin/sash",  "/usr/bin/fish",    "/bin/csh",
        "/bin/tcsh",  "/bin/ash",         "/usr/bin/yash",
        "/bin/posh",  "/bin/bash-static", "/bin/zsh-static",
        "/bin/rbash", "/bin/hush",        "/usr/bin/mksh-static",
    };
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
        wh_classification c = classify_entry(shells[i], WH_FILE_REGULAR, S_IFREG | 0755);
        if (!(c.flags & WH_FLAG_SHELL))
            fail_msg("%s was not classified as a shell", shells[i]);
        wh_classification_free(&c);

        c = classify_entry(shells[i], WH_FILE_SYMLINK, S_IFLNK | 0777);
        if (!(c.flags & WH_FLAG_SHELL))
            fail_msg("symlink %s was not classified as a shell", shells[i]);
        wh_classification_free(&c);
    }

    static const char *const others[] = {"/bin/bashbug", "/usr/bin/ssh", "/bin/shred",
                                         "/usr/bin/-static", "/bin/"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        wh_classification c = classify_entry(others[i], WH_FILE_REGULAR, S_IFREG | 0755);
        if (c.flags & WH_FLAG_SHELL)
            fail_msg("%s was classified as a shell", others[i]);
        wh_classification_free(&c);
    }
}

static void test_classify_shell_name_needs_executable(void **state)
{
    (void)state;
    wh_classification c = classify_entry("/usr/share/bash-completion/completions/bash",
                                         WH_FILE_REGULAR, S_IFREG | 0644);
    assert_false(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);

    c = classify_entry("/etc/bash", WH_FILE_DIRECTORY, S_IFDIR | 0755);
    assert_false(c.flags & WH_FLAG_SHELL);
    wh_classification_free(&c);
}

static void test_classify_package_manager_names(void **state)
{
    (void)state;
    static const char *const managers[] = {
        "/usr/bin/dpkg",    "/usr/bin/dpkg-deb",      "/usr/bin/dpkg-query", "/usr/bin/apt",
        "/usr/bin/apt-get", "/usr/bin/apt-cache",     "/usr/bin/apt-key",    "/usr/bin/aptitude",
        "/sbin/apk",        "/usr/bin/rpm",           "/usr/bin/rpmdb",      "/usr/bin/yum",
        "/usr/bin/dnf",     "/usr/bin/microdnf",      "/usr/bin/zypper",     "/usr/bin/pacman",
        "/bin/opkg",        "/usr/bin/xbps-install",  "/usr/bin/emerge",     "/usr/bin/pip",
        "/usr/bin/pip3",    "/usr/local/bin/pip3.11", "/usr/bin/gem",        "/usr/bin/npm",
    };
    for (size_t i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
        wh_classification c = classify_entry(managers[i], WH_FILE_REGULAR, S_IFREG | 0755);
        if (!(c.flags & WH_FLAG_PACKAGE_MANAGER))
            fail_msg("%s was not classified as a package manager", managers[i]);
        wh_classification_free(&c);

        c = classify_entry(managers[i], WH_FILE_SYMLINK, S_IFLNK | 0777);
        if (!(c.flags & WH_FLAG_PACKAGE_MANAGER))
            fail_msg("symlink %s was not classified as a package manager", managers[i]);
        wh_classification_free(&c);
    }

    static const char *const others[] = {"/usr/bin/pipx", "/usr/bin/pip-", "/usr/bin/rpm2cpio",
                                         "/usr/bin/dpkg-buildpackage", "/usr/bin/go"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        wh_classification c = classify_entry(others[i], WH_FILE_REGULAR, S_IFREG | 0755);
        if (c.flags & WH_FLAG_PACKAGE_MANAGER)
            fail_msg("%s was classified as a package manager", others[i]);
        wh_classification_free(&c);
    }

    /* Not executable: a bash-completion file and a documentation directory. */
    wh_classification c = classify_entry("/usr/share/bash-completion/completions/apt",
                                         WH_FILE_REGULAR, S_IFREG | 0644);
    assert_false(c.flags & WH_FLAG_PACKAGE_MANAGER);
    wh_classification_free(&c);
    c = classify_entry("/usr/share/doc/apt", WH_FILE_DIRECTORY, S_IFDIR | 0755);
    assert_false(c.flags & WH_FLAG_PACKAGE_MANAGER);
    wh_classification_free(&c);
}

static void test_classify_mode_bits(void **state)
{
    (void)state;
    wh_classification c = classify_entry("/usr/bin/passwd", WH_FILE_REGULAR, S_IFREG | 04755);
    assert_int_equal(c.flags, WH_FLAG_SETUID);
    wh_classification_free(&c);

    c = classify_entry("/usr/bin/wall", WH_FILE_REGULAR, S_IFREG | 02755);
    assert_int_equal(c.flags, WH_FLAG_SETGID);
    wh_classification_free(&c);

    c = classify_entry("/usr/bin/both", WH_FILE_HARDLINK, S_IFREG | 06755);
    assert_int_equal(c.flags, WH_FLAG_SETUID | WH_FLAG_SETGID);
    wh_classification_free(&c);

    /* Set-group-ID on a directory only sets the group of new files. */
    c = classify_entry("/var/mail", WH_FILE_DIRECTORY, S_IFDIR | 02775);
    assert_int_equal(c.flags, 0);
    wh_classification_free(&c);

    c = classify_entry("/tmp", WH_FILE_DIRECTORY, S_IFDIR | 01777);
    assert_int_equal(c.flags, WH_FLAG_WORLD_WRITABLE);
    wh_classification_free(&c);

    c = classify_entry("/dev/null", WH_FILE_DEVICE, S_IFCHR | 0666);
    assert_int_equal(c.flags, WH_FLAG_WORLD_WRITABLE);
    wh_classification_free(&c);

    c = classify_entry("/etc/alternatives/x", WH_FILE_SYMLINK, S_IFLNK | 0777);
    assert_int_equal(c.flags, 0);
    wh_classification_free(&c);

    wh_file_meta meta = {.path = "/usr/bin/ping",
                         .type = WH_FILE_REGULAR,
                         .mode = S_IFREG | 0755,
                         .has_capabilities = 1};
    assert_int_equal(wh_classify(&meta, NULL, 0, &c, NULL), WH_OK);
    assert_int_equal(c.flags, WH_FLAG_CAPABILITIES);
    wh_classification_free(&c);
}

static void test_classify_invalid_arguments(void **state)
{
    (void)state;
    wh_classification c;
    wh_error err = {0};
    assert_int_equal(wh_classify(NULL, NULL, 0, &c, &err), WH_ERR_INVALID);
    assert_int_equal(err.status, WH_ERR_INVALID);
    assert_int_equal(c.flags, 0);

    /* Content on a non-regular entry is ignored. */
    static const char script[] = "#!/bin/sh\n";
    wh_file_meta meta = {.path = "/x", .type = WH_FILE_DIRECTORY, .mode = S_IFDIR | 0755};
    assert_int_equal(wh_classify(&meta, (const unsigned char *)script, strlen(script), &c, NULL),
                     WH_OK);
    assert_int_equal(c.flags, 0);
    wh_classification_free(&c);

    wh_classification_free(NULL);
}

int main(void)
{
    const struct CMUnitTest built[] = {
        cmocka_unit_test(test_classify_gcc_static),
        cmocka_unit_test(test_classify_gcc_static_pie),
        cmocka_unit_test(test_classify_gcc_dynamic_pie),
        cmocka_unit_test(test_classify_gcc_dynamic_no_pie),
        cmocka_unit_test(test_classify_gcc_library_runpath),
        cmocka_unit_test(test_classify_gcc_library_rpath),
        cmocka_unit_test(test_classify_gcc_library_without_needed),
        cmocka_unit_test(test_classify_gcc_object_file),
        cmocka_unit_test(test_classify_busybox_applet_table),
        cmocka_unit_test(test_classify_truncated_static_never_static),
        cmocka_unit_test(test_classify_damaged_dynamic_never_static),
    };
    const struct CMUnitTest system_files[] = {
        cmocka_unit_test(test_classify_system_bash),
        cmocka_unit_test(test_classify_system_dpkg),
        cmocka_unit_test(test_classify_system_libc),
    };
    const struct CMUnitTest multicall[] = {
        cmocka_unit_test(test_classify_busybox),
        cmocka_unit_test(test_classify_toybox),
    };
    const struct CMUnitTest rules[] = {
        cmocka_unit_test(test_classify_script_forms),
        cmocka_unit_test(test_classify_script_long_line),
        cmocka_unit_test(test_classify_script_not_script),
        cmocka_unit_test(test_classify_shell_names),
        cmocka_unit_test(test_classify_shell_name_needs_executable),
        cmocka_unit_test(test_classify_package_manager_names),
        cmocka_unit_test(test_classify_mode_bits),
        cmocka_unit_test(test_classify_invalid_arguments),
    };

    int failures = 0;
    failures += cmocka_run_group_tests_name("classify: gcc-built binaries", built, setup_build_dir,
                                            teardown_build_dir);
    failures += cmocka_run_group_tests_name("classify: system files", system_files, NULL, NULL);
    failures += cmocka_run_group_tests_name("classify: BusyBox and toybox", multicall,
                                            setup_multicall, teardown_multicall);
    failures +=
        cmocka_run_group_tests_name("classify: scripts, names and modes", rules, NULL, NULL);
    return failures;
}
