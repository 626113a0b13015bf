#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../core/sbom.h"
#include "support_binaries.h"
#include "support_image_tree.h"

#define IMAGE_DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
/* sha256 and sha1 of "hello\n". */
#define HELLO_SHA256 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define HELLO_SHA1 "f572d396fae9206628714fb2ce00f72e94f2258f"
#define OTHER_SHA256 "2222222222222222222222222222222222222222222222222222222222222222"

typedef struct fixture {
    char *dir;
    char *hello;
    wh_sbom_file tini_files[1];
    wh_sbom_file certs_files[2];
    wh_sbom_component components[2];
    wh_sbom_input input;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->dir = test_support_make_temp_dir();
    f->hello = test_write_text(f->dir, "hello", "hello\n");
    f->tini_files[0] = (wh_sbom_file){"/usr/bin/tini", HELLO_SHA256, f->hello};
    f->certs_files[0] = (wh_sbom_file){"/etc/ssl/certs/ca.pem", OTHER_SHA256, NULL};
    f->certs_files[1] = (wh_sbom_file){"/etc/ssl/a.pem", OTHER_SHA256, NULL};
    f->components[0] = (wh_sbom_component){"tini", "0.19.0", "MIT", HELLO_SHA256,
                                           f->tini_files, 1};
    f->components[1] = (wh_sbom_component){"ca-certificates", NULL, NULL, NULL,
                                           f->certs_files, 2};
    f->input = (wh_sbom_input){"example/app", IMAGE_DIGEST, 86400, f->components, 2};
    *state = f;
    return f->hello != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_support_remove_tree(f->dir);
    free(f->dir);
    free(f->hello);
    free(f);
    return 0;
}

static json_t *build(const wh_sbom_input *input, char **text_out)
{
    char *text = NULL;
    size_t size = 0;
    wh_error err = {0};
    if (wh_sbom_build(input, &text, &size, &err) != WH_OK)
        fail_msg("SBOM build failed: %s", err.message);
    assert_int_equal(strlen(text), size);
    json_t *document = json_loadb(text, size, 0, NULL);
    assert_non_null(document);
    if (text_out != NULL)
        *text_out = text;
    else
        free(text);
    return document;
}

static const char *get_text(json_t *object, const char *key)
{
    const char *value = json_string_value(json_object_get(object, key));
    if (value == NULL)
        fail_msg("missing string %s", key);
    return value;
}

static void test_document_header(void **state)
{
    fixture *f = *state;
    json_t *document = build(&f->input, NULL);
    assert_string_equal(get_text(document, "spdxVersion"), "SPDX-2.3");
    assert_string_equal(get_text(document, "dataLicense"), "CC0-1.0");
    assert_string_equal(get_text(document, "SPDXID"), "SPDXRef-DOCUMENT");
    assert_string_equal(get_text(document, "name"), "example/app");
    assert_non_null(strstr(get_text(document, "documentNamespace"), IMAGE_DIGEST + 7));
    json_t *creation = json_object_get(document, "creationInfo");
    assert_string_equal(get_text(creation, "created"), "1970-01-02T00:00:00Z");
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(creation,
                                                                             "creators"), 0)),
                           "Tool: whittle-"));
    json_decref(document);
}

static void test_packages_sorted_with_licenses(void **state)
{
    fixture *f = *state;
    json_t *document = build(&f->input, NULL);
    json_t *packages = json_object_get(document, "packages");
    assert_int_equal(json_array_size(packages), 3);

    json_t *image = json_array_get(packages, 0);
    assert_string_equal(get_text(image, "primaryPackagePurpose"), "CONTAINER");
    assert_string_equal(get_text(image, "versionInfo"), IMAGE_DIGEST);

    json_t *first = json_array_get(packages, 1);
    assert_string_equal(get_text(first, "name"), "ca-certificates");
    assert_string_equal(get_text(first, "versionInfo"), "NOASSERTION");
    assert_string_equal(get_text(first, "licenseDeclared"), "NOASSERTION");
    assert_null(json_object_get(first, "checksums"));

    json_t *second = json_array_get(packages, 2);
    assert_string_equal(get_text(second, "name"), "tini");
    assert_string_equal(get_text(second, "licenseDeclared"), "MIT");
    json_t *sum = json_array_get(json_object_get(second, "checksums"), 0);
    assert_string_equal(get_text(sum, "algorithm"), "SHA256");
    assert_string_equal(get_text(sum, "checksumValue"), HELLO_SHA256);
    json_decref(document);
}

static void test_files_and_relationships(void **state)
{
    fixture *f = *state;
    json_t *document = build(&f->input, NULL);
    json_t *files = json_object_get(document, "files");
    assert_int_equal(json_array_size(files), 3);
    assert_string_equal(get_text(json_array_get(files, 0), "fileName"), "./etc/ssl/a.pem");
    assert_string_equal(get_text(json_array_get(files, 1), "fileName"), "./etc/ssl/certs/ca.pem");

    json_t *tini = json_array_get(files, 2);
    assert_string_equal(get_text(tini, "fileName"), "./usr/bin/tini");
    json_t *sums = json_object_get(tini, "checksums");
    assert_int_equal(json_array_size(sums), 2);
    assert_string_equal(get_text(json_array_get(sums, 1), "algorithm"), "SHA1");
    assert_string_equal(get_text(json_array_get(sums, 1), "checksumValue"), HELLO_SHA1);

    /* DESCRIBES image, image CONTAINS 2 packages, packages CONTAIN 3 files. */
    json_t *relationships = json_object_get(document, "relationships");
    assert_int_equal(json_array_size(relationships), 6);
    json_t *describes = json_array_get(relationships, 0);
    assert_string_equal(get_text(describes, "relationshipType"), "DESCRIBES");
    assert_string_equal(get_text(describes, "relatedSpdxElement"), "SPDXRef-Image");
    json_t *last = json_array_get(relationships, 5);
    assert_string_equal(get_text(last, "spdxElementId"), "SPDXRef-Package-2");
    assert_string_equal(get_text(last, "relatedSpdxElement"), "SPDXRef-File-3");
    json_decref(document);
}

static void test_input_order_does_not_matter(void **state)
{
    fixture *f = *state;
    char *first = NULL;
    char *second = NULL;
    json_decref(build(&f->input, &first));

    wh_sbom_component swapped[2] = {f->components[1], f->components[0]};
    wh_sbom_file files[2] = {f->certs_files[1], f->certs_files[0]};
    swapped[0].files = files;
    wh_sbom_input input = f->input;
    input.components = swapped;
    json_decref(build(&input, &second));

    assert_string_equal(first, second);
    free(first);
    free(second);
}

static void test_content_mismatch_rejected(void **state)
{
    fixture *f = *state;
    free(test_write_text(f->dir, "hello", "HELLO\n"));
    char *text = NULL;
    size_t size = 0;
    wh_error err = {0};
    assert_int_equal(wh_sbom_build(&f->input, &text, &size, &err), WH_ERR_DIGEST);
    assert_non_null(strstr(err.message, "/usr/bin/tini"));
    assert_non_null(strstr(err.message, f->hello));
    assert_null(text);
}

static void test_invalid_input_rejected(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    size_t size = 0;
    wh_error err = {0};

    wh_sbom_input input = f->input;
    input.image_digest = "sha256:abc";
    assert_int_equal(wh_sbom_build(&input, &text, &size, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "invalid image digest \"sha256:abc\""));

    input = f->input;
    input.created = -5;
    assert_int_equal(wh_sbom_build(&input, &text, &size, &err), WH_ERR_INVALID);

    f->certs_files[0].path = "etc/relative";
    assert_int_equal(wh_sbom_build(&f->input, &text, &size, &err), WH_ERR_INVALID);
    assert_non_null(strstr(err.message, "ca-certificates"));
}

static void test_write_file_mode(void **state)
{
    fixture *f = *state;
    char *path = test_support_path(f->dir, "sbom.spdx.json");
    wh_error err = {0};
    mode_t old = umask(077);
    assert_int_equal(wh_sbom_write(&f->input, path, &err), WH_OK);
    umask(old);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0644);
    size_t size = 0;
    unsigned char *text = test_support_read_file(path, &size);
    assert_non_null(text);
    assert_int_equal(text[0], '{');
    free(text);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_document_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packages_sorted_with_licenses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_and_relationships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_order_does_not_matter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_mismatch_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_input_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_file_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
