/* Owners named in the spec, and /etc/passwd and /etc/group generated from its accounts. */
#include "build_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a decimal id of at most 4294967294 that fills the whole text. Returns 1 on success. */
static int parse_id(const char *text, size_t length, int64_t *out)
{
    if (length == 0 || length > 10)
        return 0;
    int64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        value = value * 10 + (text[i] - '0');
    }
    if (value > 4294967294LL)
        return 0;
    *out = value;
    return 1;
}

static const wh_spec_user *find_user(const wh_spec_view *view, const char *name, size_t length)
{
    for (size_t i = 0; i < view->user_count; i++) {
        if (strlen(view->users[i].name) == length && memcmp(view->users[i].name, name, length) == 0)
            return &view->users[i];
    }
    return NULL;
}

static const wh_spec_group *find_group(const wh_spec_view *view, const char *name, size_t length)
{
    for (size_t i = 0; i < view->group_count; i++) {
        if (strlen(view->groups[i].name) == length
            && memcmp(view->groups[i].name, name, length) == 0)
            return &view->groups[i];
    }
    return NULL;
}

wh_status whc_build_owner(const wh_spec_view *view, const char *owner, const char *where,
                          uid_t *uid, gid_t *gid, wh_error *err)
{
    *uid = 0;
    *gid = 0;
    if (owner == NULL)
        return WH_OK;

    size_t user_length = strcspn(owner, ":");
    const char *group = owner[user_length] == ':' ? owner + user_length + 1 : NULL;
    int64_t user_id = 0, group_id = 0;

    if (!parse_id(owner, user_length, &user_id)) {
        const wh_spec_user *user = find_user(view, owner, user_length);
        if (user == NULL)
            return wh_error_set(err, WH_ERR_INVALID,
                                "%s: unknown user '%.*s' in owner '%s': add it to "
                                "accounts.users or give a numeric uid",
                                where, (int)user_length, owner, owner);
        user_id = user->uid;
        group_id = user->gid;
    } else {
        group_id = user_id;
    }

    if (group != NULL && !parse_id(group, strlen(group), &group_id)) {
        const wh_spec_group *found = find_group(view, group, strlen(group));
        if (found == NULL)
            return wh_error_set(err, WH_ERR_INVALID,
                                "%s: unknown group '%s' in owner '%s': add it to "
                                "accounts.groups or give a numeric gid",
                                where, group, owner);
        group_id = found->gid;
    }
    *uid = (uid_t)user_id;
    *gid = (gid_t)group_id;
    return WH_OK;
}

static int compare_users(const void *a, const void *b)
{
    const wh_spec_user *x = *(const wh_spec_user *const *)a;
    const wh_spec_user *y = *(const wh_spec_user *const *)b;
    if (x->uid != y->uid)
        return x->uid < y->uid ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int compare_groups(const void *a, const void *b)
{
    const wh_spec_group *x = *(const wh_spec_group *const *)a;
    const wh_spec_group *y = *(const wh_spec_group *const *)b;
    if (x->gid != y->gid)
        return x->gid < y->gid ? -1 : 1;
    return strcmp(x->name, y->name);
}

static wh_status write_passwd(const wh_spec_view *view, FILE *out)
{
    const wh_spec_user **users = calloc(view->user_count + 1, sizeof(*users));
    if (users == NULL)
        return WH_ERR_NOMEM;
    for (size_t i = 0; i < view->user_count; i++)
        users[i] = &view->users[i];
    qsort(users, view->user_count, sizeof(*users), compare_users);

    /* name:password:uid:gid:comment:home:shell, with the password in /etc/shadow ("x"). */
    for (size_t i = 0; i < view->user_count; i++) {
        const wh_spec_user *user = users[i];
        fprintf(out, "%s:x:%" PRId64 ":%" PRId64 "::%s:%s\n", user->name, user->uid, user->gid,
                user->home ? user->home : "/", user->shell ? user->shell : WHC_BUILD_DEFAULT_SHELL);
    }
    free(users);
    return WH_OK;
}

static wh_status write_group(const wh_spec_view *view, FILE *out)
{
    const wh_spec_group **groups = calloc(view->group_count + 1, sizeof(*groups));
    if (groups == NULL)
        return WH_ERR_NOMEM;
    for (size_t i = 0; i < view->group_count; i++)
        groups[i] = &view->groups[i];
    qsort(groups, view->group_count, sizeof(*groups), compare_groups);

    /* name:password:gid:members, leaving members empty because /etc/passwd gives primary groups. */
    for (size_t i = 0; i < view->group_count; i++)
        fprintf(out, "%s:x:%" PRId64 ":\n", groups[i]->name, groups[i]->gid);
    free(groups);
    return WH_OK;
}

static wh_status write_text(const wh_spec_view *view, wh_status (*writer)(const wh_spec_view *,
                                                                         FILE *),
                            char **text)
{
    size_t size = 0;
    FILE *out = open_memstream(text, &size);
    if (out == NULL)
        return WH_ERR_NOMEM;
    wh_status result = writer(view, out);
    if (fclose(out) != 0 && result == WH_OK)
        result = WH_ERR_NOMEM;
    if (result != WH_OK) {
        free(*text);
        *text = NULL;
    }
    return result;
}

wh_status whc_build_account_files(const wh_spec_view *view, char **passwd, char **group,
                                  wh_error *err)
{
    *passwd = NULL;
    *group = NULL;
    if (write_text(view, write_passwd, passwd) != WH_OK
        || write_text(view, write_group, group) != WH_OK) {
        free(*passwd);
        *passwd = NULL;
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing /etc/passwd and /etc/group");
    }
    return WH_OK;
}
