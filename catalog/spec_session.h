/*
 * A spec resolved over the catalog: the catalog loaded into a graph, the
 * spec's local files added, the spec applied and resolved, and the policy
 * context made from its accounts and writable paths. `whittle build`,
 * `resolve`, `why`, `check` and `lock` all start here, so they see the same
 * composition and the same findings.
 */
#ifndef WHC_SPEC_SESSION_H
#define WHC_SPEC_SESSION_H

#include "../core/compose.h"
#include "../core/digest.h"
#include "../core/graph.h"
#include "../core/policy.h"
#include "../core/spec.h"
#include "catalog.h"

/* Largest local file a session reads into memory to classify and hash it, in bytes. */
#define WHC_SPEC_LOCAL_FILE_MAX ((size_t)1 << 30)

/* A spec's local file as the session read it: resolved source path and digest. */
typedef struct whc_spec_local_file {
    char *source;                       /* the spec's source, resolved against the spec's folder */
    char sha256[WH_SHA256_HEX_LEN + 1];
    uint64_t size;
} whc_spec_local_file;

/* The spec resolved over the catalog; every pointer is owned by the session unless marked. */
typedef struct whc_spec_session {
    whc_catalog *catalog;               /* borrowed */
    const wh_spec *spec;                /* borrowed */
    const wh_spec_view *view;
    wh_graph *graph;
    wh_composition *composition;
    uint32_t local_component;           /* graph id of "local-files", or WH_NONE */
    whc_spec_local_file *local_files;   /* view->file_count items */
    wh_policy_user *users;
    const char **writable_paths;
    wh_policy_context context;
} whc_spec_session;

/*
 * Loads the catalog into a graph, adds the spec's local files (each read
 * once, classified and hashed), applies the spec and resolves. The caller
 * frees *out with whc_spec_session_close, which also accepts a session
 * left half-made by a failure.
 */
wh_status whc_spec_session_open(whc_catalog *catalog, const wh_spec *spec,
                                whc_spec_session **out, wh_error *err);
void whc_spec_session_close(whc_spec_session *session);

/*
 * Compares the spec's lock, when it has entries, with the resolution: the
 * same components with the same version, origin and content digests.
 * Fails with WH_ERR_INVALID naming the first difference.
 */
wh_status whc_spec_session_check_lock(whc_spec_session *session, wh_error *err);

/*
 * Loads override (a profile name or policy file) or else the spec's policy,
 * with the spec's allow-executables and size-budget added, as `whittle
 * check` does. The caller frees *out with wh_policy_free.
 */
wh_status whc_spec_session_policy(const whc_spec_session *session, const char *override,
                                  wh_policy **out, wh_error *err);

#endif
