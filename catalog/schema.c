/*
 * The catalog schema as a list of migration steps. Step i takes a database
 * at PRAGMA user_version i to version i + 1; db.c runs the missing steps in
 * one transaction. To change the schema, append a step and raise
 * WHC_SCHEMA_VERSION in catalog.h; never edit a step that has shipped.
 * docs/catalog.md describes every table.
 */
#include "internal.h"

static const char schema_version_1[] =
    "CREATE TABLE components ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (name <> ''),"
    "  version TEXT NOT NULL,"
    "  architecture TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL"
    "    CHECK (kind IN ('utility', 'library', 'data', 'base', 'application')),"
    "  license TEXT,"
    "  summary TEXT,"
    "  origin_path TEXT NOT NULL,"
    "  origin_sha256 TEXT NOT NULL,"
    "  origin_format TEXT NOT NULL,"
    "  UNIQUE (origin_sha256),"
    "  UNIQUE (name, version, architecture)"
    ");"

    "CREATE TABLE files ("
    "  component_id INTEGER NOT NULL REFERENCES components (id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL CHECK (substr(path, 1, 1) = '/' AND path <> '/'),"
    "  type TEXT NOT NULL"
    "    CHECK (type IN ('regular', 'directory', 'symlink', 'hardlink', 'device', 'fifo')),"
    "  mode INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL,"
    "  gid INTEGER NOT NULL,"
    "  size INTEGER NOT NULL DEFAULT 0,"
    "  sha256 TEXT,"
    "  target TEXT,"
    "  rdev INTEGER NOT NULL DEFAULT 0,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  interpreter TEXT,"
    "  interpreter_arg TEXT,"
    "  soname TEXT,"
    "  runpath TEXT,"
    "  rpath TEXT,"
    "  multicall TEXT,"
    "  PRIMARY KEY (component_id, path)"
    ") WITHOUT ROWID;"
    "CREATE INDEX files_by_path ON files (path);"
    "CREATE INDEX files_by_soname ON files (soname) WHERE soname IS NOT NULL;"
    "CREATE INDEX files_by_sha256 ON files (sha256) WHERE sha256 IS NOT NULL;"

    "CREATE TABLE needed ("
    "  component_id INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  soname TEXT NOT NULL,"
    "  PRIMARY KEY (component_id, path, position),"
    "  FOREIGN KEY (component_id, path) REFERENCES files (component_id, path)"
    "    ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    "CREATE INDEX needed_by_soname ON needed (soname);"

    "CREATE TABLE xattrs ("
    "  component_id INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  value BLOB NOT NULL,"
    "  PRIMARY KEY (component_id, path, name),"
    "  FOREIGN KEY (component_id, path) REFERENCES files (component_id, path)"
    "    ON DELETE CASCADE"
    ") WITHOUT ROWID;"

    "CREATE TABLE relations ("
    "  component_id INTEGER NOT NULL REFERENCES components (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  group_index INTEGER NOT NULL,"
    "  alternative INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  op TEXT,"
    "  version TEXT,"
    "  arch_qualifier TEXT,"
    "  PRIMARY KEY (component_id, kind, group_index, alternative)"
    ") WITHOUT ROWID;"
    "CREATE INDEX relations_by_name ON relations (name);";

/*
 * Version 2: the metadata of imported images. A base image's component keeps
 * the digest of a JSON record in the content store (reference, manifest and
 * config digests, per-layer digests and sizes). The row keeps that blob
 * referenced, so no clean-up of unreferenced blobs removes it.
 */
static const char schema_version_2[] =
    "CREATE TABLE images ("
    "  component_id INTEGER PRIMARY KEY REFERENCES components (id) ON DELETE CASCADE,"
    "  reference TEXT NOT NULL,"
    "  manifest_digest TEXT,"
    "  config_digest TEXT,"
    "  record_sha256 TEXT NOT NULL"
    ");"
    "CREATE INDEX images_by_record ON images (record_sha256);";

const char *const whc_schema_steps[] = {
    schema_version_1,
    schema_version_2,
};

const int whc_schema_step_count = (int)(sizeof(whc_schema_steps) / sizeof(whc_schema_steps[0]));

_Static_assert(sizeof(whc_schema_steps) / sizeof(whc_schema_steps[0]) == WHC_SCHEMA_VERSION,
               "one migration step per schema version");
