/*
 * The sweep of temporary blob files at open: files that a killed writer
 * left in DIR/blobs go, while those of a live writer, in this process or
 * another, stay.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../catalog/catalog.h"

typedef struct sweep_fixture {
    char dir[64];
    char db_path[128];
    char blob_dir[128];
} sweep_fixture;

static int setup(void **state)
{
    sweep_fixture *fixture = calloc(1, sizeof(*fixture));
    assert_non_null(fixture);
    strcpy(fixture->dir, "/tmp/whittle-sweep.XXXXXX");
    assert_non_null(mkdtemp(fixture->dir));
    snprintf(fixture->db_path, sizeof(fixture->db_path), "%s/catalog.db", fixture->dir);
    snprintf(fixture->blob_dir, sizeof(fixture->blob_dir), "%s/blobs", fixture->dir);
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    sweep_fixture *fixture = *state;
    char command[160];
    snprintf(command, sizeof(command), "rm -rf '%s'", fixture->dir);
    assert_int_equal(system(command), 0);
    free(fixture);
    return 0;
}

/* Creates DIR/blobs/NAME, as a writer killed before its rename leaves it. */
static void leave_temporary(const sweep_fixture *fixture, const char *name)
{
    char path[200];
    snprintf(path, sizeof(path), "%s/%s", fixture->blob_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "partial", 7), 7);
    close(fd);
}

/* Returns how many tmp-* files DIR/blobs contains. */
static int count_temporary(const sweep_fixture *fixture)
{
    char command[200];
    snprintf(command, sizeof(command), "ls '%s' | grep -c '^tmp-'", fixture->blob_dir);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    int count = -1;
    assert_int_equal(fscanf(pipe, "%d", &count), 1);
    pclose(pipe);
    return count;
}

static void open_catalog(const sweep_fixture *fixture, whc_catalog **out)
{
    wh_error err = { 0 };
    assert_int_equal(whc_open(fixture->db_path, out, &err), WH_OK);
}

static void sweep_removes_leftovers(void **state)
{
    sweep_fixture *fixture = *state;
    whc_catalog *catalog;
    open_catalog(fixture, &catalog);
    whc_close(catalog);

    leave_temporary(fixture, "tmp-AAAAAA");
    leave_temporary(fixture, "tmp-BBBBBB");
    leave_temporary(fixture, "keep-me");
    assert_int_equal(count_temporary(fixture), 2);

    open_catalog(fixture, &catalog);
    assert_int_equal(count_temporary(fixture), 0);
    char kept[200];
    snprintf(kept, sizeof(kept), "%s/keep-me", fixture->blob_dir);
    assert_int_equal(access(kept, F_OK), 0);
    whc_close(catalog);
}

static void sweep_keeps_live_writer(void **state)
{
    sweep_fixture *fixture = *state;
    whc_catalog *writer_catalog;
    whc_blob_writer *writer;
    wh_error err = { 0 };
    open_catalog(fixture, &writer_catalog);
    assert_int_equal(whc_blob_begin(writer_catalog, NULL, &writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(writer, "live", 4, &err), WH_OK);
    leave_temporary(fixture, "tmp-KILLED");
    assert_int_equal(count_temporary(fixture), 2);

    /* A second open, here and in another process, must not touch the live file. */
    whc_catalog *other;
    open_catalog(fixture, &other);
    whc_close(other);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        whc_catalog *in_child = NULL;
        int status = whc_open(fixture->db_path, &in_child, &err) == WH_OK ? 0 : 1;
        whc_close(in_child);
        _exit(status);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(count_temporary(fixture), 2);

    /* The writer still finishes, and once it is gone the leftover goes too. */
    char sha256[65];
    assert_int_equal(whc_blob_commit(writer, sha256, &err), WH_OK);
    whc_close(writer_catalog);
    assert_int_equal(count_temporary(fixture), 1);
    open_catalog(fixture, &other);
    assert_int_equal(count_temporary(fixture), 0);
    whc_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sweep_removes_leftovers, setup, teardown),
        cmocka_unit_test_setup_teardown(sweep_keeps_live_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
