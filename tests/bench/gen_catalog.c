/*
 * Writes a synthetic catalog for the toggle benchmark: whc_open creates the
 * schema, then rows go in with bulk SQL in one transaction (the import API
 * would want every file's content in the blob store). One libc component, LIBRARIES library components and the rest
 * utilities, FILES_PER_COMPONENT entries each. Libraries need libc and up
 * to three lower-numbered libraries. Each utility has five dynamic
 * executables needing one to four libraries, plus documentation, man pages,
 * scripts and symlinks. A few files are setuid, world-writable, shells or
 * multi-call binaries, so the strict policy has something to report.
 *
 * Usage: gen_catalog DB_PATH [COMPONENTS [FILES_PER_COMPONENT]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "../../catalog/catalog.h"
#include "bench_common.h"

#define LIBRARIES 500
#define LIB_DIR "/usr/lib/x86_64-linux-gnu"

typedef struct generator {
    sqlite3 *db;
    sqlite3_stmt *component, *file, *needed;
    int64_t component_id;
    uint64_t random;
    int files_per_component;
} generator;

static void check_sql(generator *g, int rc, const char *doing)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "gen_catalog: %s failed: %s\n", doing, sqlite3_errmsg(g->db));
        exit(2);
    }
}

static void run(generator *g, sqlite3_stmt *statement, const char *doing)
{
    check_sql(g, sqlite3_step(statement), doing);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
}

static void fake_digest(generator *g, char hex[65])
{
    for (int i = 0; i < 4; i++)
        snprintf(hex + 16 * i, 17, "%016llx", (unsigned long long)bench_random(&g->random));
}

static void bind_text(sqlite3_stmt *statement, int index, const char *text)
{
    if (text != NULL)
        sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

static void add_file(generator *g, const char *path, wh_file_type type, unsigned mode, int64_t size,
                     const char *target, const wh_classification *c)
{
    char hex[65];
    fake_digest(g, hex);
    sqlite3_stmt *s = g->file;
    sqlite3_bind_int64(s, 1, g->component_id);
    bind_text(s, 2, path);
    bind_text(s, 3, wh_file_type_name(type));
    sqlite3_bind_int64(s, 4, mode);
    sqlite3_bind_int64(s, 5, 0);
    sqlite3_bind_int64(s, 6, 0);
    sqlite3_bind_int64(s, 7, type == WH_FILE_REGULAR ? size : 0);
    bind_text(s, 8, type == WH_FILE_REGULAR ? hex : NULL);
    bind_text(s, 9, target);
    sqlite3_bind_int64(s, 10, c ? c->flags : 0);
    bind_text(s, 11, c ? c->interpreter : NULL);
    bind_text(s, 12, c ? c->interpreter_arg : NULL);
    bind_text(s, 13, c ? c->soname : NULL);
    bind_text(s, 14, c ? c->multicall : NULL);
    run(g, s, "inserting a file");

    for (size_t i = 0; c != NULL && i < c->needed_count; i++) {
        sqlite3_bind_int64(g->needed, 1, g->component_id);
        bind_text(g->needed, 2, path);
        sqlite3_bind_int64(g->needed, 3, (int64_t)i);
        bind_text(g->needed, 4, c->needed[i]);
        run(g, g->needed, "inserting a DT_NEEDED entry");
    }
}

static void begin_component(generator *g, const char *name, wh_kind kind)
{
    char origin[65];
    fake_digest(g, origin);
    sqlite3_stmt *s = g->component;
    bind_text(s, 1, name);
    bind_text(s, 2, wh_kind_name(kind));
    bind_text(s, 3, origin);
    run(g, s, "inserting a component");
    g->component_id = sqlite3_last_insert_rowid(g->db);
}

/* Documentation, man pages and data files up to the component's file count. */
static void add_filler(generator *g, const char *name, int first)
{
    char path[256];
    for (int i = first; i < g->files_per_component; i++) {
        int kind = i % 4;
        if (kind == 0)
            snprintf(path, sizeof(path), "/usr/share/doc/%s/file%03d.txt", name, i);
        else if (kind == 1)
            snprintf(path, sizeof(path), "/usr/share/man/man1/%s-%03d.1.gz", name, i);
        else
            snprintf(path, sizeof(path), "/usr/share/%s/data%03d.dat", name, i);
        add_file(g, path, WH_FILE_REGULAR, S_IFREG | 0644, 500 + bench_below(&g->random, 20000),
                 NULL, NULL);
    }
}

static void add_libc(generator *g)
{
    begin_component(g, "libc6", WH_KIND_LIBRARY);
    wh_classification libc = { .flags = WH_FLAG_SHARED_LIBRARY, .soname = "libc.so.6" };
    add_file(g, LIB_DIR "/libc.so.6", WH_FILE_REGULAR, S_IFREG | 0755, 2000000, NULL, &libc);
    wh_classification ld = { .flags = WH_FLAG_SHARED_LIBRARY, .soname = "ld-linux-x86-64.so.2" };
    add_file(g, LIB_DIR "/ld-linux-x86-64.so.2", WH_FILE_REGULAR, S_IFREG | 0755, 200000, NULL, &ld);
    add_file(g, "/lib64/ld-linux-x86-64.so.2", WH_FILE_SYMLINK, S_IFLNK | 0777, 0,
             LIB_DIR "/ld-linux-x86-64.so.2", NULL);
    add_filler(g, "libc6", 3);
}

static void add_library(generator *g, int index)
{
    char name[64], path[256], soname[64];
    char needed_names[4][64];
    char *needed[4];
    size_t needed_count = 0;

    snprintf(name, sizeof(name), "lib%04d", index);
    begin_component(g, name, WH_KIND_LIBRARY);

    needed[needed_count++] = "libc.so.6";
    for (int i = 0; i < 3 && index > 0; i++) {
        if (bench_below(&g->random, 2) == 0)
            continue;
        snprintf(needed_names[i], sizeof(needed_names[i]), "libgen%04u.so.1",
                 bench_below(&g->random, (uint32_t)index));
        needed[needed_count++] = needed_names[i];
    }

    snprintf(soname, sizeof(soname), "libgen%04d.so.1", index);
    snprintf(path, sizeof(path), LIB_DIR "/%s", soname);
    wh_classification c = { .flags = WH_FLAG_DYNAMIC | WH_FLAG_SHARED_LIBRARY, .needed = needed,
                            .needed_count = needed_count, .soname = soname };
    add_file(g, path, WH_FILE_REGULAR, S_IFREG | 0644, 50000 + bench_below(&g->random, 500000),
             NULL, &c);
    snprintf(path, sizeof(path), LIB_DIR "/libgen%04d.so", index);
    add_file(g, path, WH_FILE_SYMLINK, S_IFLNK | 0777, 0, soname, NULL);
    add_filler(g, name, 2);
}

static void add_utility(generator *g, int index)
{
    char name[64], path[256];
    snprintf(name, sizeof(name), "tool%04d", index);
    begin_component(g, name, WH_KIND_UTILITY);

    for (int e = 0; e < 5; e++) {
        char needed_names[4][64];
        char *needed[5];
        size_t needed_count = 0;
        needed[needed_count++] = "libc.so.6";
        uint32_t extra = 1 + bench_below(&g->random, 4);
        for (uint32_t i = 0; i < extra; i++) {
            snprintf(needed_names[i], sizeof(needed_names[i]), "libgen%04u.so.1",
                     bench_below(&g->random, LIBRARIES));
            needed[needed_count++] = needed_names[i];
        }

        unsigned flags = WH_FLAG_DYNAMIC;
        unsigned mode = S_IFREG | 0755;
        uint32_t roll = bench_below(&g->random, 100);
        if (roll == 0)
            mode |= S_ISUID;
        else if (roll == 1)
            flags |= WH_FLAG_SHELL;
        else if (roll == 2)
            flags |= WH_FLAG_MULTICALL | WH_FLAG_SHELL;
        wh_classification c = { .flags = flags, .interpreter = "/lib64/ld-linux-x86-64.so.2",
                                .needed = needed, .needed_count = needed_count,
                                .multicall = (flags & WH_FLAG_MULTICALL) ? "busybox" : NULL };
        snprintf(path, sizeof(path), "/usr/bin/%s-%d", name, e);
        add_file(g, path, WH_FILE_REGULAR, mode, 20000 + bench_below(&g->random, 2000000), NULL, &c);
    }

    wh_classification script = { .flags = WH_FLAG_SCRIPT, .interpreter = "/usr/bin/env",
                                  .interpreter_arg = "tool0000-0" };
    snprintf(path, sizeof(path), "/usr/libexec/%s/helper", name);
    add_file(g, path, WH_FILE_REGULAR, S_IFREG | 0755, 2000, NULL, &script);
    snprintf(path, sizeof(path), "/usr/bin/%s", name);
    char target[80];
    snprintf(target, sizeof(target), "%s-0", name);
    add_file(g, path, WH_FILE_SYMLINK, S_IFLNK | 0777, 0, target, NULL);
    snprintf(path, sizeof(path), "/var/lib/%s", name);
    unsigned dir_mode = bench_below(&g->random, 50) == 0 ? 0777 : 0755;
    add_file(g, path, WH_FILE_DIRECTORY, S_IFDIR | dir_mode, 0, NULL, NULL);
    add_filler(g, name, 8);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "Usage: gen_catalog DB_PATH [COMPONENTS [FILES_PER_COMPONENT]]\n");
        return 2;
    }
    int components = argc > 2 ? atoi(argv[2]) : 5000;
    generator g = { .random = 0x5eed5eed5eedull, .files_per_component = argc > 3 ? atoi(argv[3]) : 100 };
    if (components <= LIBRARIES + 1 || g.files_per_component < 10) {
        fprintf(stderr, "gen_catalog: use more than %d components and at least 10 files each\n",
                LIBRARIES + 1);
        return 2;
    }

    /* whc_open creates the schema; the rows then go in through plain SQL. */
    whc_catalog *catalog = NULL;
    wh_error err = { 0 };
    if (whc_open(argv[1], &catalog, &err) != WH_OK) {
        fprintf(stderr, "gen_catalog: %s\n", err.message);
        return 2;
    }
    whc_close(catalog);

    check_sql(&g, sqlite3_open(argv[1], &g.db), "opening the catalog");
    check_sql(&g, sqlite3_exec(g.db, "PRAGMA foreign_keys = ON; BEGIN", NULL, NULL, NULL),
              "starting a transaction");
    check_sql(&g, sqlite3_prepare_v2(g.db,
                                     "INSERT INTO components (name, version, architecture, kind,"
                                     " license, summary, origin_path, origin_sha256, origin_format)"
                                     " VALUES (?1, '1.0-1', 'amd64', ?2, 'MIT',"
                                     " 'generated for the benchmark', '/dev/null', ?3, 'generated')",
                                     -1, &g.component, NULL),
              "preparing the component insert");
    check_sql(&g, sqlite3_prepare_v2(g.db,
                                     "INSERT INTO files (component_id, path, type, mode, uid, gid,"
                                     " size, sha256, target, flags, interpreter, interpreter_arg,"
                                     " soname, multicall)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                                     " ?13, ?14)",
                                     -1, &g.file, NULL),
              "preparing the file insert");
    check_sql(&g, sqlite3_prepare_v2(g.db,
                                     "INSERT INTO needed (component_id, path, position, soname)"
                                     " VALUES (?1, ?2, ?3, ?4)",
                                     -1, &g.needed, NULL),
              "preparing the DT_NEEDED insert");

    add_libc(&g);
    for (int i = 0; i < LIBRARIES; i++)
        add_library(&g, i);
    for (int i = 0; i < components - LIBRARIES - 1; i++)
        add_utility(&g, i);

    sqlite3_finalize(g.component);
    sqlite3_finalize(g.file);
    sqlite3_finalize(g.needed);
    check_sql(&g, sqlite3_exec(g.db, "COMMIT", NULL, NULL, NULL), "committing");
    sqlite3_close(g.db);

    printf("generated %d components, %lld files in %s\n", components,
           (long long)components * g.files_per_component, argv[1]);
    return 0;
}
