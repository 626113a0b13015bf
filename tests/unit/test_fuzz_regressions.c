/*
 * Replays every input under tests/fuzz/regressions/NAME/ (crashes the
 * fuzzers found, kept after the fix) and the committed seeds under
 * tests/fuzz/corpus/NAME/ through the entry point of fuzz target NAME.
 * A test passes when no input crashes; under `make SANITIZE=1` the
 * sanitizers also catch the memory errors the fuzzers reported.
 */
#define FUZZ_REPLAY 1

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Each target is one translation unit in `make fuzz`; here they share one. */
#include "../fuzz/fuzz_apk.c"
#include "../fuzz/fuzz_catalog.c"
#include "../fuzz/fuzz_common.c"
#include "../fuzz/fuzz_control.c"
#include "../fuzz/fuzz_deb.c"
#include "../fuzz/fuzz_elf.c"
#include "../fuzz/fuzz_pkgdb.c"
#include "../fuzz/fuzz_pkgdb_apk.c"
#include "../fuzz/fuzz_pkgdb_dpkg.c"
#include "../fuzz/fuzz_policy.c"
#include "../fuzz/fuzz_spec.c"
#include "../fuzz/fuzz_tar.c"

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

static unsigned char *read_input(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long length = ftell(file);
    assert_true(length >= 0);
    rewind(file);

    /* An exact-size buffer, so reading past the input is caught as libFuzzer would. */
    unsigned char *data = malloc(length > 0 ? (size_t)length : 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)length, file), (size_t)length);
    fclose(file);
    *size = (size_t)length;
    return data;
}

/* Feeds every file of folder to entry; returns how many there were. */
static size_t replay_folder(const char *folder, fuzz_entry entry)
{
    DIR *dir = opendir(folder);
    if (dir == NULL)
        return 0;

    size_t count = 0;
    struct dirent *item;
    while ((item = readdir(dir)) != NULL) {
        if (item->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", folder, item->d_name);
        size_t size;
        unsigned char *data = read_input(path, &size);
        entry(data, size);
        free(data);
        count++;
    }
    closedir(dir);
    return count;
}

static void replay(const char *name, fuzz_entry entry)
{
    char folder[256];
    snprintf(folder, sizeof(folder), "tests/fuzz/regressions/%s", name);
    size_t regressions = replay_folder(folder, entry);
    snprintf(folder, sizeof(folder), "tests/fuzz/corpus/%s", name);
    size_t seeds = replay_folder(folder, entry);
    print_message("fuzz %s: %zu regression inputs, %zu seeds\n", name, regressions, seeds);
}

static void replay_elf(void **state) { (void)state; replay("elf", fuzz_one_elf); }
static void replay_control(void **state) { (void)state; replay("control", fuzz_one_control); }
static void replay_deb(void **state) { (void)state; replay("deb", fuzz_one_deb); }
static void replay_apk(void **state) { (void)state; replay("apk", fuzz_one_apk); }
static void replay_tar(void **state) { (void)state; replay("tar", fuzz_one_tar); }
static void replay_spec(void **state) { (void)state; replay("spec", fuzz_one_spec); }
static void replay_policy(void **state) { (void)state; replay("policy", fuzz_one_policy); }

static void replay_pkgdb_dpkg(void **state)
{
    (void)state;
    replay("pkgdb_dpkg", fuzz_one_pkgdb_dpkg);
}

static void replay_pkgdb_apk(void **state)
{
    (void)state;
    replay("pkgdb_apk", fuzz_one_pkgdb_apk);
}

/* The relation parser once offset a NULL record array on rollback (UBSan). */
static void relation_rollback_on_empty_list(void **state)
{
    (void)state;
    whc_relation_list list = { 0 };
    wh_error err = { 0 };
    assert_int_equal(whc_relations_parse_debian("a (>= 1", WHC_REL_DEPENDS, "test", &list, &err),
                     WH_ERR_FORMAT);
    assert_int_equal(list.count, 0);
    assert_null(list.records);
    whc_relation_list_free(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_elf),
        cmocka_unit_test(replay_control),
        cmocka_unit_test(replay_deb),
        cmocka_unit_test(replay_apk),
        cmocka_unit_test(replay_tar),
        cmocka_unit_test(replay_pkgdb_dpkg),
        cmocka_unit_test(replay_pkgdb_apk),
        cmocka_unit_test(replay_spec),
        cmocka_unit_test(replay_policy),
        cmocka_unit_test(relation_rollback_on_empty_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
