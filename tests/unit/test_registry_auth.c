/* Registry credentials: auth files, challenges and base64, with no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/auth.h"

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/whittle-auth-test.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void base64_known_values(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "alice:s3cret", "YWxpY2U6czNjcmV0" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *encoded = wh_base64_encode(cases[i].in, strlen(cases[i].in));
        assert_string_equal(encoded, cases[i].out);
        free(encoded);
    }
}

static void challenge_bearer(void **state)
{
    (void)state;
    wh_auth_challenge c;
    assert_int_equal(wh_auth_parse_challenge(
                         "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
                         "scope=\"repository:a/b:pull,push\"", &c, NULL), WH_OK);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "https://auth.example/token");
    assert_string_equal(c.service, "registry.example");
    assert_string_equal(c.scope, "repository:a/b:pull,push");
    wh_auth_challenge_clear(&c);
}

static void challenge_basic(void **state)
{
    (void)state;
    wh_auth_challenge c;
    assert_int_equal(wh_auth_parse_challenge("Basic realm=\"whittle-test\"", &c, NULL), WH_OK);
    assert_string_equal(c.scheme, "basic");
    assert_string_equal(c.realm, "whittle-test");
    assert_null(c.scope);
    wh_auth_challenge_clear(&c);
}

static void lookup_most_specific_key(void **state)
{
    (void)state;
    /* alice:one for the host, bob:two for one repository below it. */
    char *path = write_temp("{\"auths\": {"
                            "\"127.0.0.1:5000\": {\"auth\": \"YWxpY2U6b25l\"},"
                            "\"127.0.0.1:5000/team/app\": {\"auth\": \"Ym9iOnR3bw==\"}}}");
    char *user = NULL, *password = NULL;

    assert_int_equal(wh_auth_lookup("127.0.0.1:5000", "team/app", path, &user, &password, NULL),
                     WH_OK);
    assert_string_equal(user, "bob");
    assert_string_equal(password, "two");
    free(user);
    wh_auth_free_secret(password);

    assert_int_equal(wh_auth_lookup("127.0.0.1:5000", "other", path, &user, &password, NULL),
                     WH_OK);
    assert_string_equal(user, "alice");
    assert_string_equal(password, "one");
    free(user);
    wh_auth_free_secret(password);

    assert_int_equal(wh_auth_lookup("127.0.0.1:6000", "other", path, &user, &password, NULL),
                     WH_ERR_NOT_FOUND);
    unlink(path);
    free(path);
}

static void lookup_url_key_and_docker_hub(void **state)
{
    (void)state;
    char *path = write_temp("{\"auths\": {"
                            "\"https://registry.example\": {\"auth\": \"YWxpY2U6b25l\"},"
                            "\"https://index.docker.io/v1/\": {\"auth\": \"Ym9iOnR3bw==\"}}}");
    char *user = NULL, *password = NULL;
    assert_int_equal(wh_auth_lookup("registry.example", "x", path, &user, &password, NULL), WH_OK);
    assert_string_equal(user, "alice");
    free(user);
    wh_auth_free_secret(password);
    assert_int_equal(wh_auth_lookup("docker.io", "library/debian", path, &user, &password, NULL),
                     WH_OK);
    assert_string_equal(user, "bob");
    free(user);
    wh_auth_free_secret(password);
    unlink(path);
    free(path);
}

static void lookup_environment_variable(void **state)
{
    (void)state;
    char *path = write_temp("{\"auths\": {\"host\": {\"auth\": \"YWxpY2U6b25l\"}}}");
    char *user = NULL, *password = NULL;
    setenv("REGISTRY_AUTH_FILE", path, 1);
    assert_int_equal(wh_auth_lookup("host", "x", NULL, &user, &password, NULL), WH_OK);
    assert_string_equal(user, "alice");
    unsetenv("REGISTRY_AUTH_FILE");
    free(user);
    wh_auth_free_secret(password);
    unlink(path);
    free(path);
}

static void malformed_file_hides_secret(void **state)
{
    (void)state;
    char *path = write_temp("{\"auths\": {\"host\": {\"auth\": \"bm9jb2xvbg==\"}}}");
    char *user = NULL, *password = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_auth_lookup("host", "x", path, &user, &password, &err), WH_ERR_FORMAT);
    assert_null(strstr(err.message, "nocolon"));
    assert_non_null(strstr(err.message, path));
    unlink(path);
    free(path);

    path = write_temp("not json, secret=hunter2");
    assert_int_equal(wh_auth_lookup("host", "x", path, &user, &password, &err), WH_ERR_FORMAT);
    assert_null(strstr(err.message, "hunter2"));
    unlink(path);
    free(path);
}

static void split_credentials(void **state)
{
    (void)state;
    char *user = NULL, *password = NULL;
    wh_error err = { 0 };
    assert_int_equal(wh_auth_split("alice:pa:ss", &user, &password, NULL), WH_OK);
    assert_string_equal(user, "alice");
    assert_string_equal(password, "pa:ss");
    free(user);
    wh_auth_free_secret(password);
    assert_int_equal(wh_auth_split("hunter2", &user, &password, &err), WH_ERR_INVALID);
    assert_null(strstr(err.message, "hunter2"));
}

int main(void)
{
    /* Keep the user's own auth files out of the lookups. */
    setenv("HOME", "/nonexistent", 1);
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("DOCKER_CONFIG");
    unsetenv("REGISTRY_AUTH_FILE");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_known_values),
        cmocka_unit_test(challenge_bearer),
        cmocka_unit_test(challenge_basic),
        cmocka_unit_test(lookup_most_specific_key),
        cmocka_unit_test(lookup_url_key_and_docker_hub),
        cmocka_unit_test(lookup_environment_variable),
        cmocka_unit_test(malformed_file_hides_secret),
        cmocka_unit_test(split_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
