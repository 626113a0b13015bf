/*
 * The declarative spec: a JSON file that names the base, the components,
 * trimming, local files, accounts, writable paths, image config, policy,
 * build settings and the lock. Reference in docs/spec.md, JSON Schema in
 * docs/spec.schema.json.
 *
 * Loading validates every key and value and reports the JSON path and the
 * offending value. Saving writes the canonical form (fixed key order,
 * 2-space indent, trailing newline) atomically, so loading and saving a
 * canonical spec reproduces it byte for byte.
 */
#ifndef WH_SPEC_H
#define WH_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct wh_spec wh_spec;

/* A component entry: a bare name, or an object with trimming options. */
typedef struct wh_spec_component {
    const char *name;
    const char *const *keep;          /* keep only these path globs; none: keep all */
    size_t keep_count;
    const char *const *exclude_paths; /* path globs dropped from this component */
    size_t exclude_path_count;
    int follow_declared;              /* -1 unset (use the global setting), 0 or 1 */
} wh_spec_component;

typedef struct wh_spec_file {
    const char *source; /* relative to the spec's folder unless absolute */
    const char *path;   /* absolute path in the image */
    unsigned mode;      /* permission bits */
    const char *owner;  /* "uid:gid" or "user[:group]"; NULL means 0:0 */
} wh_spec_file;

typedef struct wh_spec_user {
    const char *name;
    int64_t uid, gid;
    const char *home, *shell; /* may be NULL */
} wh_spec_user;

typedef struct wh_spec_group {
    const char *name;
    int64_t gid;
} wh_spec_group;

typedef struct wh_spec_path {
    const char *path;
    const char *owner; /* may be NULL */
    unsigned mode;
} wh_spec_path;

typedef struct wh_spec_lock_entry {
    const char *name, *version, *architecture;
    const char *origin;  /* hex sha256 of the artifact the component came from */
    const char *content; /* hex sha256 over the component's remaining files */
} wh_spec_lock_entry;

/* One entry of config.env or config.labels. */
typedef struct wh_spec_pair {
    const char *key, *value;
} wh_spec_pair;

/* The parsed spec. Every pointer is owned by the wh_spec and lives as long as it. */
typedef struct wh_spec_view {
    const char *base;            /* NULL: the empty image */
    const char *platform;        /* NULL: "linux/amd64" */
    int64_t source_date_epoch;   /* -1 when unset */
    int layers_per_component;    /* "layers": 1 for "per-component", 0 for "single" or unset */
    int compression_level;       /* gzip level of the layers, 1..9; 0 when unset */
    const wh_spec_component *components;
    size_t component_count;
    const char *const *exclude;  /* components of the base to leave out */
    size_t exclude_count;
    const char *const *exclude_paths;
    size_t exclude_path_count;
    int follow_declared;         /* 0 or 1 */
    const wh_spec_file *files;
    size_t file_count;
    const wh_spec_user *users;
    size_t user_count;
    const wh_spec_group *groups;
    size_t group_count;
    const char *run_as;          /* user name or "uid[:gid]"; NULL: root */
    const wh_spec_path *paths;
    size_t path_count;
    const char *policy_profile;  /* NULL when a policy file is named */
    const char *policy_file;
    const char *const *allow_executables;
    size_t allow_executable_count;
    int64_t size_budget;         /* bytes, -1 when unset */
    const wh_spec_lock_entry *lock;
    size_t lock_count;

    /* Image config; a NULL list means the key is absent, as opposed to an empty list. */
    const char *const *entrypoint;
    size_t entrypoint_count;
    const char *const *cmd;
    size_t cmd_count;
    const wh_spec_pair *env;     /* sorted by key */
    size_t env_count;
    const char *workdir;
    const wh_spec_pair *labels;  /* sorted by key */
    size_t label_count;
    const char *const *exposed_ports;
    size_t exposed_port_count;
    const char *stop_signal;
} wh_spec_view;

/*
 * Parses and validates spec text. source names the spec in messages (a
 * path, or "-"). On success the caller frees *out with wh_spec_free.
 */
wh_status wh_spec_parse(const char *text, size_t size, const char *source, wh_spec **out,
                        wh_error *err);

/* Reads and parses the spec file at path. */
wh_status wh_spec_load(const char *path, wh_spec **out, wh_error *err);

/* Frees the spec; accepts NULL. */
void wh_spec_free(wh_spec *spec);

const wh_spec_view *wh_spec_get(const wh_spec *spec);
const char *wh_spec_source(const wh_spec *spec);

/* Writes the canonical text into *out (NUL-terminated); the caller frees it. */
wh_status wh_spec_serialize(const wh_spec *spec, char **out, size_t *size, wh_error *err);

/*
 * Saves the canonical text to path atomically: a temporary file in the same
 * folder, fsync, rename. An existing file keeps its permission bits.
 */
wh_status wh_spec_save(const wh_spec *spec, const char *path, wh_error *err);

/* Replaces the lock with the given entries (copied), sorted by name. */
wh_status wh_spec_set_lock(wh_spec *spec, const wh_spec_lock_entry *entries, size_t count,
                           wh_error *err);

#endif
