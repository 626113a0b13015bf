/*
 * whc_build and its plan: generated /etc/passwd and /etc/group, writable
 * paths, ownership normalisation, which component wins a shared path,
 * layering, the image config, the epoch and SPDX license names, over a
 * small catalog each test imports into a temporary folder.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../catalog/build_internal.h"
#include "../../core/fs.h"

typedef struct fixture {
    char dir[64];
    char db_path[128];
    whc_catalog *catalog;
    wh_spec *spec;
    whc_spec_session *session;
    whc_build_plan *plan;
    char notes[4096];
} fixture;

static const char base_passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
static const char alpha_binary[] = "\177ELF not really an executable";
static const char shared_alpha[] = "shared from alpha\n";
static const char shared_beta[] = "shared from beta\n";
static const char local_text[] = "a local file\n";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void store_blob(fixture *f, whc_import *import, const char *data, char hex[65])
{
    wh_error err = { 0 };
    whc_blob_writer *writer = NULL;
    assert_int_equal(whc_blob_begin(f->catalog, import, &writer, &err), WH_OK);
    assert_int_equal(whc_blob_write(writer, data, strlen(data), &err), WH_OK);
    if (whc_blob_commit(writer, hex, &err) != WH_OK)
        fail_msg("whc_blob_commit failed: %s", err.message);
}

static void begin_component(whc_import *import, const char *name)
{
    wh_error err = { 0 };
    char origin[65];
    wh_sha256_buffer_hex(name, strlen(name), origin);
    whc_component_info info = { .name = name, .version = "1.0", .architecture = "all",
                                .kind = WH_KIND_UTILITY, .license = "GPL-2+ or Expat",
                                .summary = "test component", .origin_path = "/srv/test.deb",
                                .origin_sha256 = origin, .origin_format = "deb" };
    if (whc_import_component(import, &info, &err) != WH_OK)
        fail_msg("whc_import_component %s failed: %s", name, err.message);
}

/* security.capability of cap_net_bind_service+ep, as setcap writes it. */
static const unsigned char capability[] = { 1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0 };

static void add_file(fixture *f, whc_import *import, const char *path, wh_file_type type,
                     unsigned mode, int64_t uid, const char *content, const char *target)
{
    wh_error err = { 0 };
    char hex[65];
    whc_xattr xattr = { "security.capability", capability, sizeof(capability) };
    whc_file_record record = { .path = path, .type = type, .mode = mode, .uid = uid, .gid = uid,
                               .target = target };
    if (strcmp(path, "/usr/bin/alpha") == 0) {
        record.xattrs = &xattr;
        record.xattr_count = 1;
    }
    if (content != NULL) {
        store_blob(f, import, content, hex);
        record.sha256 = hex;
        record.size = (int64_t)strlen(content);
    }
    if (whc_import_file(import, &record, &err) != WH_OK)
        fail_msg("whc_import_file %s failed: %s", path, err.message);
}

/*
 * alpha ships /etc/passwd, a setuid binary owned by 1000, a private /tmp
 * and /usr/bin/shared; beta ships another /usr/bin/shared and a symlink.
 */
static void import_components(fixture *f)
{
    wh_error err = { 0 };
    whc_import *import = NULL;
    assert_int_equal(whc_import_begin(f->catalog, &import, &err), WH_OK);

    begin_component(import, "alpha");
    add_file(f, import, "/etc", WH_FILE_DIRECTORY, S_IFDIR | 0755, 5, NULL, NULL);
    add_file(f, import, "/etc/passwd", WH_FILE_REGULAR, S_IFREG | 0644, 0, base_passwd, NULL);
    add_file(f, import, "/tmp", WH_FILE_DIRECTORY, S_IFDIR | 0700, 7, NULL, NULL);
    add_file(f, import, "/usr", WH_FILE_DIRECTORY, S_IFDIR | 0755, 0, NULL, NULL);
    add_file(f, import, "/usr/bin", WH_FILE_DIRECTORY, S_IFDIR | 0755, 0, NULL, NULL);
    add_file(f, import, "/usr/bin/alpha", WH_FILE_REGULAR, S_IFREG | 04755, 1000, alpha_binary,
             NULL);
    add_file(f, import, "/usr/bin/alpha-again", WH_FILE_HARDLINK, S_IFREG | 04755, 1000, NULL,
             "/usr/bin/alpha");
    add_file(f, import, "/usr/bin/shared", WH_FILE_REGULAR, S_IFREG | 0644, 0, shared_alpha,
             NULL);

    begin_component(import, "beta");
    add_file(f, import, "/usr", WH_FILE_DIRECTORY, S_IFDIR | 0755, 0, NULL, NULL);
    add_file(f, import, "/usr/bin", WH_FILE_DIRECTORY, S_IFDIR | 0755, 0, NULL, NULL);
    add_file(f, import, "/usr/bin/beta-link", WH_FILE_SYMLINK, S_IFLNK | 0777, 0, NULL,
             "shared");
    add_file(f, import, "/usr/bin/shared", WH_FILE_REGULAR, S_IFREG | 0644, 0, shared_beta, NULL);

    assert_int_equal(whc_import_commit(import, &err), WH_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    strcpy(f->dir, "/tmp/whittle-build-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db_path, sizeof(f->db_path), "%s/catalog/catalog.db", f->dir);

    wh_error err = { 0 };
    if (whc_open(f->db_path, &f->catalog, &err) != WH_OK)
        fail_msg("whc_open failed: %s", err.message);
    import_components(f);

    char path[128];
    snprintf(path, sizeof(path), "%s/local.txt", f->dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(local_text, out);
    fclose(out);
    unsetenv("SOURCE_DATE_EPOCH");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    whc_build_plan_free(f->plan);
    whc_spec_session_close(f->session);
    wh_spec_free(f->spec);
    whc_close(f->catalog);
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static const char default_spec[] =
    "{\"platform\": \"linux/arm64/v8\", \"source-date-epoch\": 1234,"
    " \"components\": [\"beta\", \"alpha\"],"
    " \"files\": [{\"source\": \"local.txt\", \"path\": \"/opt/local.txt\", \"mode\": \"0600\","
    "             \"owner\": \"app\"},"
    "            {\"source\": \"local.txt\", \"path\": \"/opt/a-copy.txt\"}],"
    " \"accounts\": {\"groups\": [{\"name\": \"staff\", \"gid\": 50}, {\"name\": \"app\", \"gid\": 100}],"
    "   \"users\": [{\"name\": \"zed\", \"uid\": 2000, \"gid\": 100},"
    "             {\"name\": \"app\", \"uid\": 1000, \"gid\": 100, \"home\": \"/home/app\","
    "              \"shell\": \"/bin/false\"}],"
    "   \"run-as\": \"app\"},"
    " \"paths\": [{\"path\": \"/tmp\", \"mode\": \"1777\"},"
    "           {\"path\": \"/var/lib/app\", \"owner\": \"app:staff\", \"mode\": \"0750\"}],"
    " \"config\": {\"entrypoint\": [\"/usr/bin/alpha\"], \"env\": {\"B\": \"2\", \"A\": \"1\"}},"
    " \"policy\": \"none\"}";

static void note_collect(void *context, const char *message)
{
    fixture *f = context;
    size_t used = strlen(f->notes);
    snprintf(f->notes + used, sizeof(f->notes) - used, "%s\n", message);
}

static void load_spec(fixture *f, const char *text)
{
    wh_error err = { 0 };
    char source[128];
    snprintf(source, sizeof(source), "%s/spec.json", f->dir);
    if (wh_spec_parse(text, strlen(text), source, &f->spec, &err) != WH_OK)
        fail_msg("wh_spec_parse failed: %s", err.message);
}

static void make_plan(fixture *f, const char *text, whc_layering layering)
{
    wh_error err = { 0 };
    load_spec(f, text);
    if (whc_spec_session_open(f->catalog, f->spec, &f->session, &err) != WH_OK)
        fail_msg("whc_spec_session_open failed: %s", err.message);
    if (whc_build_plan_new(f->session, layering, 1234, note_collect, f, &f->plan, &err) != WH_OK)
        fail_msg("whc_build_plan_new failed: %s", err.message);
}

/* Returns the only entry at path in the plan, failing when there are several. */
static const wh_layer_entry *find_entry(const whc_build_plan *plan, const char *path)
{
    const wh_layer_entry *found = NULL;
    for (size_t i = 0; i < plan->layer_count; i++) {
        for (size_t j = 0; j < plan->inputs[i].count; j++) {
            if (strcmp(plan->inputs[i].entries[j].path, path) != 0)
                continue;
            if (found != NULL)
                fail_msg("%s is planned twice", path);
            found = &plan->inputs[i].entries[j];
        }
    }
    return found;
}

static char *read_content(const wh_layer_entry *entry)
{
    wh_error err = { 0 };
    char *data = NULL;
    size_t size = 0;
    assert_non_null(entry->content_path);
    if (wh_read_file(entry->content_path, 1 << 20, &data, &size, &err) != WH_OK)
        fail_msg("cannot read %s: %s", entry->content_path, err.message);
    return data;
}

static void test_passwd_lists_spec_users(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *passwd = find_entry(f->plan, "/etc/passwd");
    assert_non_null(passwd);
    char *text = read_content(passwd);
    assert_string_equal(text, "app:x:1000:100::/home/app:/bin/false\n"
                              "zed:x:2000:100::/:/usr/sbin/nologin\n");
    char hex[65];
    wh_sha256_buffer_hex(text, strlen(text), hex);
    assert_string_equal(passwd->sha256, hex);
    assert_int_equal(passwd->size, strlen(text));
    free(text);

    assert_int_equal(passwd->mode, S_IFREG | 0644);
    assert_int_equal(passwd->uid, 0);
    assert_int_equal(passwd->gid, 0);
    assert_non_null(strstr(f->notes, "/etc/passwd from alpha is replaced"));
}

static void test_group_lists_spec_groups(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *group = find_entry(f->plan, "/etc/group");
    assert_non_null(group);
    char *text = read_content(group);
    assert_string_equal(text, "staff:x:50:\napp:x:100:\n");
    free(text);
}

static void test_no_accounts_no_files(void **state)
{
    fixture *f = *state;
    make_plan(f, "{\"components\": [\"alpha\"], \"policy\": \"none\"}", WHC_LAYERS_SINGLE);

    /* Without accounts, alpha's own /etc/passwd stays and nothing is generated. */
    const wh_layer_entry *passwd = find_entry(f->plan, "/etc/passwd");
    assert_non_null(passwd);
    char *text = read_content(passwd);
    assert_string_equal(text, base_passwd);
    free(text);
    assert_null(find_entry(f->plan, "/etc/group"));
    assert_null(f->plan->generated_dir);
}

static void test_writable_paths_owner_mode(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *tmp = find_entry(f->plan, "/tmp");
    assert_non_null(tmp);
    assert_int_equal(tmp->type, WH_FILE_DIRECTORY);
    assert_int_equal(tmp->mode, S_IFDIR | 01777);
    assert_int_equal(tmp->uid, 0);
    assert_int_equal(tmp->gid, 0);
    assert_non_null(strstr(f->notes, "/tmp from alpha is replaced"));

    const wh_layer_entry *app = find_entry(f->plan, "/var/lib/app");
    assert_non_null(app);
    assert_int_equal(app->mode, S_IFDIR | 0750);
    assert_int_equal(app->uid, 1000);
    assert_int_equal(app->gid, 50);
}

static void test_ownership_normalised(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *binary = find_entry(f->plan, "/usr/bin/alpha");
    assert_non_null(binary);
    assert_int_equal(binary->uid, 0);
    assert_int_equal(binary->gid, 0);
    assert_null(binary->uname);
    assert_int_equal(binary->mode, S_IFREG | 04755);
    char hex[65];
    wh_sha256_buffer_hex(alpha_binary, strlen(alpha_binary), hex);
    assert_string_equal(binary->sha256, hex);
    char *blob = whc_blob_path(f->catalog, hex);
    assert_string_equal(binary->content_path, blob);
    free(blob);

    /* File capabilities are carried over byte for byte. */
    assert_int_equal(binary->xattr_count, 1);
    assert_string_equal(binary->xattrs[0].name, "security.capability");
    assert_int_equal(binary->xattrs[0].size, sizeof(capability));
    assert_memory_equal(binary->xattrs[0].value, capability, sizeof(capability));

    const wh_layer_entry *etc = find_entry(f->plan, "/etc");
    assert_non_null(etc);
    assert_int_equal(etc->uid, 0);

    /* A hardlink stays a hardlink to its first name. */
    const wh_layer_entry *again = find_entry(f->plan, "/usr/bin/alpha-again");
    assert_non_null(again);
    assert_int_equal(again->type, WH_FILE_HARDLINK);
    assert_string_equal(again->link_target, "/usr/bin/alpha");
    assert_int_equal(again->uid, 0);
}

static void test_local_file_owner_digest(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *local = find_entry(f->plan, "/opt/local.txt");
    assert_non_null(local);
    assert_int_equal(local->mode, S_IFREG | 0600);
    assert_int_equal(local->uid, 1000);
    assert_int_equal(local->gid, 100);
    char hex[65];
    wh_sha256_buffer_hex(local_text, strlen(local_text), hex);
    assert_string_equal(local->sha256, hex);
    char expected[160];
    snprintf(expected, sizeof(expected), "%s/local.txt", f->dir);
    assert_string_equal(local->content_path, expected);

    /* The second local file sorts first by path and keeps the default owner and mode. */
    const wh_layer_entry *copy = find_entry(f->plan, "/opt/a-copy.txt");
    assert_non_null(copy);
    assert_int_equal(copy->mode, S_IFREG | 0644);
    assert_int_equal(copy->uid, 0);
    assert_string_equal(copy->sha256, hex);
}

static void test_shared_path_last_component(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_layer_entry *shared = find_entry(f->plan, "/usr/bin/shared");
    assert_non_null(shared);
    char *text = read_content(shared);
    assert_string_equal(text, shared_beta);
    free(text);
    assert_non_null(strstr(f->notes, "/usr/bin/shared from alpha is replaced by the one from beta"));
    assert_non_null(find_entry(f->plan, "/usr/bin"));
}

static void test_per_component_layers(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_PER_COMPONENT);

    /* alpha, beta, local-files in name order, then the generated files. */
    assert_int_equal(f->plan->layer_count, 4);
    assert_int_equal(f->plan->layers[0].component, wh_graph_find(f->session->graph, "alpha"));
    assert_int_equal(f->plan->layers[1].component, wh_graph_find(f->session->graph, "beta"));
    assert_int_equal(f->plan->layers[3].component, WH_NONE);
    assert_string_equal(f->plan->inputs[1].comment, "whittle build: beta 1.0");

    /* Each layer lists its own /usr/bin, and the shared file is only in beta's layer. */
    int shared_in_alpha = 0, usr_bin = 0;
    for (size_t i = 0; i < f->plan->layer_count; i++) {
        for (size_t j = 0; j < f->plan->inputs[i].count; j++) {
            const char *path = f->plan->inputs[i].entries[j].path;
            usr_bin += strcmp(path, "/usr/bin") == 0;
            shared_in_alpha += i == 0 && strcmp(path, "/usr/bin/shared") == 0;
        }
    }
    assert_int_equal(usr_bin, 2);
    assert_int_equal(shared_in_alpha, 0);
}

static void test_config_from_spec(void **state)
{
    fixture *f = *state;
    make_plan(f, default_spec, WHC_LAYERS_SINGLE);

    const wh_image_config *config = &f->plan->config;
    assert_string_equal(config->os, "linux");
    assert_string_equal(config->architecture, "arm64");
    assert_string_equal(config->variant, "v8");
    assert_string_equal(config->user, "1000:100");
    assert_int_equal(config->entrypoint_count, 1);
    assert_string_equal(config->entrypoint[0], "/usr/bin/alpha");
    assert_int_equal(config->env_count, 2);
    assert_string_equal(config->env[0], "A=1");
    assert_string_equal(config->env[1], "B=2");
    assert_int_equal(config->created, 1234);
}

static void test_owner_unknown_user(void **state)
{
    fixture *f = *state;
    load_spec(f, default_spec);
    const wh_spec_view *view = wh_spec_get(f->spec);
    wh_error err = { 0 };
    uid_t uid;
    gid_t gid;

    assert_int_equal(whc_build_owner(view, "nobody", "$.paths[0].owner", &uid, &gid, &err),
                     WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown user 'nobody'"));
    assert_int_equal(whc_build_owner(view, "app:wheel", "here", &uid, &gid, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "unknown group 'wheel'"));

    assert_int_equal(whc_build_owner(view, "12:34", "here", &uid, &gid, &err), WH_OK);
    assert_int_equal(uid, 12);
    assert_int_equal(gid, 34);
    assert_int_equal(whc_build_owner(view, "zed", "here", &uid, &gid, &err), WH_OK);
    assert_int_equal(uid, 2000);
    assert_int_equal(gid, 100);
    assert_int_equal(whc_build_owner(view, NULL, "here", &uid, &gid, &err), WH_OK);
    assert_int_equal(uid, 0);
}

static void test_epoch_precedence(void **state)
{
    fixture *f = *state;
    load_spec(f, default_spec);
    wh_error err = { 0 };
    int64_t epoch = -1;

    assert_int_equal(whc_build_epoch(f->spec, &epoch, &err), WH_OK);
    assert_int_equal(epoch, 1234);
    setenv("SOURCE_DATE_EPOCH", "99", 1);
    assert_int_equal(whc_build_epoch(f->spec, &epoch, &err), WH_OK);
    assert_int_equal(epoch, 99);
    setenv("SOURCE_DATE_EPOCH", "-5", 1);
    assert_int_equal(whc_build_epoch(f->spec, &epoch, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "invalid SOURCE_DATE_EPOCH '-5'"));
    unsetenv("SOURCE_DATE_EPOCH");
}

static void test_spdx_license_names(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(whc_build_spdx_license("GPL-2+ or Expat", out, sizeof(out)), 1);
    assert_string_equal(out, "GPL-2.0-or-later OR MIT");
    assert_int_equal(whc_build_spdx_license("BSD-3-clause and Zlib", out, sizeof(out)), 1);
    assert_string_equal(out, "BSD-3-Clause AND Zlib");
    assert_int_equal(whc_build_spdx_license("public-domain", out, sizeof(out)), 0);
    assert_int_equal(whc_build_spdx_license("GPL-2, LGPL-2", out, sizeof(out)), 0);
    assert_int_equal(whc_build_spdx_license("", out, sizeof(out)), 0);
    assert_int_equal(whc_build_spdx_license(NULL, out, sizeof(out)), 0);
}

static void test_build_policy_refusal(void **state)
{
    fixture *f = *state;
    load_spec(f, "{\"components\": [\"alpha\"], \"policy\": \"baseline\"}");
    whc_build_result result = { 0 };
    wh_error err = { 0 };
    char destination[160];
    snprintf(destination, sizeof(destination), "oci:%s/refused", f->dir);

    /* alpha's setuid binary breaks no-setuid and root breaks non-root-user. */
    assert_int_equal(whc_build(f->catalog, f->spec, destination, NULL, &result, &err),
                     WH_ERR_POLICY);
    assert_true(result.findings.errors >= 2);
    assert_string_equal(result.policy_name, "baseline");
    assert_string_equal(result.manifest_digest, "");
    assert_int_equal(access(destination + 4, F_OK), -1);
    whc_build_result_free(&result);

    whc_build_options options = { .allow_violations = 1, .threads = 2 };
    assert_int_equal(whc_build(f->catalog, f->spec, destination, &options, &result, &err), WH_OK);
    assert_int_equal(strncmp(result.manifest_digest, "sha256:", 7), 0);
    assert_int_equal(result.layer_count, 1);
    assert_true(result.findings.errors >= 2);
    assert_int_equal(access(destination + 4, F_OK), 0);
    whc_build_result_free(&result);
    whc_build_result_free(NULL);
}

static void test_spec_layers_key(void **state)
{
    fixture *f = *state;
    load_spec(f, "{\"components\": [\"alpha\", \"beta\"], \"layers\": \"per-component\","
                 " \"policy\": \"none\"}");
    whc_build_result result = { 0 };
    wh_error err = { 0 };
    char destination[160];

    /* The spec's "layers" applies when the options leave the layering open. */
    snprintf(destination, sizeof(destination), "oci:%s/from-spec", f->dir);
    assert_int_equal(whc_build(f->catalog, f->spec, destination, NULL, &result, &err), WH_OK);
    assert_int_equal(result.layer_count, 2);
    whc_build_result_free(&result);

    /* An explicit option overrides it. */
    whc_build_options options = { .layering = WHC_LAYERS_SINGLE };
    snprintf(destination, sizeof(destination), "oci:%s/single", f->dir);
    assert_int_equal(whc_build(f->catalog, f->spec, destination, &options, &result, &err), WH_OK);
    assert_int_equal(result.layer_count, 1);
    whc_build_result_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_passwd_lists_spec_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_lists_spec_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_accounts_no_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writable_paths_owner_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ownership_normalised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_file_owner_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_path_last_component, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_component_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_from_spec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_unknown_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_precedence, setup, teardown),
        cmocka_unit_test(test_spdx_license_names),
        cmocka_unit_test_setup_teardown(test_build_policy_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spec_layers_key, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
