/* Loading, viewing, changing and saving specs. */
#include "spec_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

#define SPEC_MAX_SIZE (16 * 1024 * 1024)

struct wh_spec {
    json_t *root;
    char *source;
    wh_spec_view view;
    /* Arrays behind the view; strings point into root. */
    wh_spec_component *components;
    const char **strings; /* every string list of the view, in one allocation */
    wh_spec_file *files;
    wh_spec_user *users;
    wh_spec_group *groups;
    wh_spec_path *paths;
    wh_spec_lock_entry *lock;
    wh_spec_pair *pairs; /* env, then labels */
};

static void release_view(wh_spec *spec)
{
    free(spec->components);
    free(spec->strings);
    free(spec->files);
    free(spec->users);
    free(spec->groups);
    free(spec->paths);
    free(spec->lock);
    free(spec->pairs);
    spec->pairs = NULL;
    spec->components = NULL;
    spec->strings = NULL;
    spec->files = NULL;
    spec->users = NULL;
    spec->groups = NULL;
    spec->paths = NULL;
    spec->lock = NULL;
    memset(&spec->view, 0, sizeof(spec->view));
}

void wh_spec_free(wh_spec *spec)
{
    if (spec == NULL)
        return;
    release_view(spec);
    json_decref(spec->root);
    free(spec->source);
    free(spec);
}

const wh_spec_view *wh_spec_get(const wh_spec *spec)
{
    return &spec->view;
}

const char *wh_spec_source(const wh_spec *spec)
{
    return spec->source;
}

/* ---- The view ----------------------------------------------------------- */

static const char *get_string(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static unsigned get_mode(const json_t *object, unsigned fallback)
{
    const char *text = get_string(object, "mode");
    return text ? (unsigned)strtoul(text, NULL, 8) : fallback;
}

/* Counts the strings of every list the view exposes, to size one allocation. */
static size_t count_strings(const json_t *root)
{
    size_t total = json_array_size(json_object_get(root, "exclude"))
                   + json_array_size(json_object_get(root, "exclude-paths"));
    json_t *policy = json_object_get(root, "policy");
    if (json_is_object(policy))
        total += json_array_size(json_object_get(policy, "allow-executables"));
    json_t *config = json_object_get(root, "config");
    total += json_array_size(json_object_get(config, "entrypoint"))
             + json_array_size(json_object_get(config, "cmd"))
             + json_array_size(json_object_get(config, "exposed-ports"));

    json_t *components = json_object_get(root, "components");
    for (size_t i = 0; i < json_array_size(components); i++) {
        json_t *item = json_array_get(components, i);
        if (json_is_object(item))
            total += json_array_size(json_object_get(item, "keep"))
                     + json_array_size(json_object_get(item, "exclude-paths"));
    }
    return total;
}

/*
 * Points *out at the next count slots of the string pool and fills them from
 * a JSON array. An absent array gives NULL and 0.
 */
static void take_strings(const json_t *array, const char **pool, size_t *used,
                         const char *const **out, size_t *count)
{
    *out = array ? pool + *used : NULL;
    *count = json_array_size(array);
    for (size_t i = 0; i < *count; i++)
        pool[(*used)++] = json_string_value(json_array_get(array, i));
}

static void *alloc_array(size_t count, size_t size)
{
    return calloc(count ? count : 1, size);
}

static wh_status view_components(wh_spec *spec, const char **pool, size_t *used, wh_error *err)
{
    json_t *components = json_object_get(spec->root, "components");
    size_t count = json_array_size(components);
    spec->components = alloc_array(count, sizeof(*spec->components));
    if (spec->components == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a spec");

    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(components, i);
        wh_spec_component *component = &spec->components[i];
        component->follow_declared = -1;
        if (json_is_string(item)) {
            component->name = json_string_value(item);
        } else {
            component->name = get_string(item, "name");
            take_strings(json_object_get(item, "keep"), pool, used, &component->keep,
                         &component->keep_count);
            take_strings(json_object_get(item, "exclude-paths"), pool, used,
                         &component->exclude_paths, &component->exclude_path_count);
            json_t *follow = json_object_get(item, "follow-declared");
            if (follow != NULL)
                component->follow_declared = json_is_true(follow);
        }

        for (size_t j = 0; j < i; j++) {
            if (strcmp(spec->components[j].name, component->name) == 0) {
                char path[64];
                snprintf(path, sizeof(path), "$.components[%zu]", i);
                return wh_spec_error(err, NULL, path,
                                     "component '%s' is listed twice, also at $.components[%zu]: "
                                     "keep one entry",
                                     component->name, j);
            }
        }
    }
    spec->view.components = spec->components;
    spec->view.component_count = count;
    return WH_OK;
}

static wh_status view_lists(wh_spec *spec, wh_error *err)
{
    const json_t *root = spec->root;
    json_t *files = json_object_get(root, "files");
    json_t *accounts = json_object_get(root, "accounts");
    json_t *users = json_object_get(accounts, "users");
    json_t *groups = json_object_get(accounts, "groups");
    json_t *paths = json_object_get(root, "paths");
    json_t *lock = json_object_get(json_object_get(root, "lock"), "components");

    spec->files = alloc_array(json_array_size(files), sizeof(*spec->files));
    spec->users = alloc_array(json_array_size(users), sizeof(*spec->users));
    spec->groups = alloc_array(json_array_size(groups), sizeof(*spec->groups));
    spec->paths = alloc_array(json_array_size(paths), sizeof(*spec->paths));
    spec->lock = alloc_array(json_array_size(lock), sizeof(*spec->lock));
    if (!spec->files || !spec->users || !spec->groups || !spec->paths || !spec->lock)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a spec");

    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *item = json_array_get(files, i);
        spec->files[i] = (wh_spec_file){ get_string(item, "source"), get_string(item, "path"),
                                         get_mode(item, 0644), get_string(item, "owner") };
    }
    for (size_t i = 0; i < json_array_size(users); i++) {
        json_t *item = json_array_get(users, i);
        spec->users[i] = (wh_spec_user){ get_string(item, "name"),
                                         json_integer_value(json_object_get(item, "uid")),
                                         json_integer_value(json_object_get(item, "gid")),
                                         get_string(item, "home"), get_string(item, "shell") };
    }
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *item = json_array_get(groups, i);
        spec->groups[i] = (wh_spec_group){ get_string(item, "name"),
                                           json_integer_value(json_object_get(item, "gid")) };
    }
    for (size_t i = 0; i < json_array_size(paths); i++) {
        json_t *item = json_array_get(paths, i);
        spec->paths[i] = (wh_spec_path){ get_string(item, "path"), get_string(item, "owner"),
                                         get_mode(item, 0755) };
    }
    for (size_t i = 0; i < json_array_size(lock); i++) {
        json_t *item = json_array_get(lock, i);
        spec->lock[i] = (wh_spec_lock_entry){ get_string(item, "name"), get_string(item, "version"),
                                              get_string(item, "architecture"),
                                              get_string(item, "origin"),
                                              get_string(item, "content") };
    }

    wh_spec_view *view = &spec->view;
    view->files = spec->files;
    view->file_count = json_array_size(files);
    view->users = spec->users;
    view->user_count = json_array_size(users);
    view->groups = spec->groups;
    view->group_count = json_array_size(groups);
    view->run_as = get_string(accounts, "run-as");
    view->paths = spec->paths;
    view->path_count = json_array_size(paths);
    view->lock = spec->lock;
    view->lock_count = json_array_size(lock);
    return WH_OK;
}

static int compare_pairs(const void *a, const void *b)
{
    return strcmp(((const wh_spec_pair *)a)->key, ((const wh_spec_pair *)b)->key);
}

/* Fills pairs from a JSON object of strings, sorted by key; returns the count. */
static size_t take_pairs(json_t *object, wh_spec_pair *pairs)
{
    size_t count = 0;
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) {
        pairs[count].key = key;
        pairs[count].value = json_string_value(value);
        count++;
    }
    qsort(pairs, count, sizeof(*pairs), compare_pairs);
    return count;
}

static wh_status view_config(wh_spec *spec, const char **pool, size_t *used, wh_error *err)
{
    json_t *config = json_object_get(spec->root, "config");
    json_t *env = json_object_get(config, "env");
    json_t *labels = json_object_get(config, "labels");
    wh_spec_view *view = &spec->view;

    spec->pairs = alloc_array(json_object_size(env) + json_object_size(labels), sizeof(*spec->pairs));
    if (spec->pairs == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a spec");

    take_strings(json_object_get(config, "entrypoint"), pool, used, &view->entrypoint,
                 &view->entrypoint_count);
    take_strings(json_object_get(config, "cmd"), pool, used, &view->cmd, &view->cmd_count);
    take_strings(json_object_get(config, "exposed-ports"), pool, used, &view->exposed_ports,
                 &view->exposed_port_count);
    view->env = spec->pairs;
    view->env_count = take_pairs(env, spec->pairs);
    view->labels = spec->pairs + view->env_count;
    view->label_count = take_pairs(labels, spec->pairs + view->env_count);
    view->workdir = get_string(config, "workdir");
    view->stop_signal = get_string(config, "stop-signal");
    return WH_OK;
}

/* Rebuilds the view from root; called after parsing and after every change. */
static wh_status build_view(wh_spec *spec, wh_error *err)
{
    wh_status result;
    const json_t *root = spec->root;
    wh_spec_view *view = &spec->view;

    release_view(spec);
    spec->strings = alloc_array(count_strings(root), sizeof(*spec->strings));
    if (spec->strings == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a spec");
    size_t used = 0;

    view->base = get_string(root, "base");
    view->platform = get_string(root, "platform");
    json_t *epoch = json_object_get(root, "source-date-epoch");
    view->source_date_epoch = epoch ? json_integer_value(epoch) : -1;
    take_strings(json_object_get(root, "exclude"), spec->strings, &used, &view->exclude,
                 &view->exclude_count);
    take_strings(json_object_get(root, "exclude-paths"), spec->strings, &used,
                 &view->exclude_paths, &view->exclude_path_count);
    view->follow_declared = json_is_true(json_object_get(root, "follow-declared"));
    const char *layers = get_string(root, "layers");
    view->layers_per_component = layers != NULL && strcmp(layers, "per-component") == 0;
    json_t *level = json_object_get(root, "compression-level");
    view->compression_level = level ? (int)json_integer_value(level) : 0;

    json_t *policy = json_object_get(root, "policy");
    view->size_budget = -1;
    if (policy == NULL) {
        view->policy_profile = "baseline";
    } else if (json_is_string(policy)) {
        const char *text = json_string_value(policy);
        int profile = strcmp(text, "strict") == 0 || strcmp(text, "baseline") == 0
                      || strcmp(text, "none") == 0;
        view->policy_profile = profile ? text : NULL;
        view->policy_file = profile ? NULL : text;
    } else {
        view->policy_profile = get_string(policy, "profile");
        view->policy_file = get_string(policy, "file");
        take_strings(json_object_get(policy, "allow-executables"), spec->strings, &used,
                     &view->allow_executables, &view->allow_executable_count);
        json_t *budget = json_object_get(policy, "size-budget");
        view->size_budget = budget ? json_integer_value(budget) : -1;
    }

    if ((result = view_components(spec, spec->strings, &used, err)) != WH_OK
        || (result = view_config(spec, spec->strings, &used, err)) != WH_OK)
        return result;
    return view_lists(spec, err);
}

/* ---- Parsing ------------------------------------------------------------ */

wh_status wh_spec_parse(const char *text, size_t size, const char *source, wh_spec **out,
                        wh_error *err)
{
    wh_status result = WH_OK;
    json_error_t json_error;
    wh_spec *spec = calloc(1, sizeof(*spec));

    *out = NULL;
    if (spec == NULL || (spec->source = strdup(source ? source : "-")) == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading a spec");
        goto out;
    }

    spec->root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &json_error);
    /* jansson 2.14 leaves the error text empty when its lexer cannot allocate. */
    if (spec->root == NULL
        && (json_error_code(&json_error) == json_error_out_of_memory || json_error.text[0] == '\0')) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory reading '%s'", spec->source);
        goto out;
    }
    if (spec->root == NULL) {
        result = wh_error_set(err, WH_ERR_INVALID, "%s:%d:%d: invalid JSON: %s", spec->source,
                              json_error.line, json_error.column, json_error.text);
        goto out;
    }

    result = wh_spec_validate(spec->root, &wh_spec_root_node, "$", err);
    if (result == WH_OK)
        result = build_view(spec, err);
    if (result != WH_OK) {
        wh_error_prefix(err, "%s", spec->source);
        goto out;
    }

    *out = spec;
    spec = NULL;

out:
    wh_spec_free(spec);
    return result;
}

wh_status wh_spec_load(const char *path, wh_spec **out, wh_error *err)
{
    char *text = NULL;
    size_t size = 0;
    *out = NULL;
    wh_status result = wh_read_file(path, SPEC_MAX_SIZE, &text, &size, err);
    if (result == WH_OK)
        result = wh_spec_parse(text, size, path, out, err);
    free(text);
    return result;
}

/* ---- Writing ------------------------------------------------------------ */

wh_status wh_spec_serialize(const wh_spec *spec, char **out, size_t *size, wh_error *err)
{
    json_t *canonical = wh_spec_canonical(spec->root, &wh_spec_root_node);
    char *text = canonical ? json_dumps(canonical, JSON_INDENT(2)) : NULL;
    json_decref(canonical);
    *out = NULL;
    if (text == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing a spec");

    size_t length = strlen(text);
    char *with_newline = realloc(text, length + 2);
    if (with_newline == NULL) {
        free(text);
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing a spec");
    }
    with_newline[length] = '\n';
    with_newline[length + 1] = '\0';
    *out = with_newline;
    if (size != NULL)
        *size = length + 1;
    return WH_OK;
}

wh_status wh_spec_save(const wh_spec *spec, const char *path, wh_error *err)
{
    wh_status result = WH_OK;
    char *text = NULL, *temporary = NULL, *folder_copy = NULL;
    size_t size = 0;
    int fd = -1;

    if ((result = wh_spec_serialize(spec, &text, &size, err)) != WH_OK)
        goto out;

    if (asprintf(&temporary, "%s.tmp.XXXXXX", path) < 0) {
        temporary = NULL;
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory saving '%s'", path);
        goto out;
    }
    fd = mkstemp(temporary);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create '%s': %s", temporary, strerror(errno));
        free(temporary);
        temporary = NULL;
        goto out;
    }

    /* Keep the permission bits of the file being replaced; new files get 0644 less the umask. */
    struct stat existing;
    mode_t mode;
    if (stat(path, &existing) == 0) {
        mode = existing.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0644 & ~mask;
    }

    if (fchmod(fd, mode) != 0 || wh_write_full(fd, text, size) != 0 || fsync(fd) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        result = wh_error_set(err, WH_ERR_IO, "cannot write '%s': %s", temporary, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(temporary, path) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot replace '%s': %s", path, strerror(errno));
        goto out;
    }
    free(temporary);
    temporary = NULL;

    /* Make the rename itself durable. */
    folder_copy = strdup(path);
    if (folder_copy != NULL) {
        int dir = open(dirname(folder_copy), O_RDONLY | O_DIRECTORY);
        if (dir >= 0) {
            fsync(dir);
            close(dir);
        }
    }

out:
    if (fd >= 0)
        close(fd);
    if (temporary != NULL) {
        unlink(temporary);
        free(temporary);
    }
    free(folder_copy);
    free(text);
    return result;
}

static int compare_lock(const void *a, const void *b)
{
    return strcmp(((const wh_spec_lock_entry *)a)->name, ((const wh_spec_lock_entry *)b)->name);
}

static json_t *lock_entry_json(const wh_spec_lock_entry *entry)
{
    json_t *object = json_object();
    if (object == NULL)
        return NULL;
    int failed = json_object_set_new(object, "name", json_string(entry->name))
                 || json_object_set_new(object, "version", json_string(entry->version))
                 || (entry->architecture && entry->architecture[0]
                     && json_object_set_new(object, "architecture", json_string(entry->architecture)))
                 || (entry->origin
                     && json_object_set_new(object, "origin", json_string(entry->origin)))
                 || json_object_set_new(object, "content", json_string(entry->content));
    if (failed) {
        json_decref(object);
        return NULL;
    }
    return object;
}

wh_status wh_spec_set_lock(wh_spec *spec, const wh_spec_lock_entry *entries, size_t count,
                           wh_error *err)
{
    wh_status result = WH_OK;
    wh_spec_lock_entry *sorted = alloc_array(count, sizeof(*sorted));
    json_t *lock = json_object();
    json_t *list = json_array();

    if (sorted == NULL || lock == NULL || list == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the lock");
        goto out;
    }
    memcpy(sorted, entries, count * sizeof(*sorted));
    qsort(sorted, count, sizeof(*sorted), compare_lock);

    for (size_t i = 0; i < count; i++) {
        json_t *entry = lock_entry_json(&sorted[i]);
        if (entry == NULL || json_array_append_new(list, entry) != 0) {
            result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the lock");
            goto out;
        }
    }

    if (json_object_set(lock, "components", list) != 0) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the lock");
        goto out;
    }
    for (const spec_field *field = wh_spec_root_node.fields; field->key != NULL; field++) {
        if (strcmp(field->key, "lock") == 0)
            result = wh_spec_validate(lock, field->node, "$.lock", err);
    }
    if (result != WH_OK)
        goto out;
    if (json_object_set(spec->root, "lock", lock) != 0) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the lock");
        goto out;
    }
    result = build_view(spec, err);

out:
    free(sorted);
    json_decref(list);
    json_decref(lock);
    return result;
}
