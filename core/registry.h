/*
 * Registry client over libcurl, following the OCI distribution
 * specification: pulling an image into an OCI layout folder and pushing an
 * OCI layout folder to a registry.
 *
 * Authentication: anonymous first; on a 401 the WWW-Authenticate challenge
 * decides between Basic and a Bearer token fetched from the realm it names.
 * Credentials come from options->credentials (--creds), else the auth file
 * (see core/auth.h). Credentials never appear in messages or logs.
 *
 * TLS is verified unless options->tls_verify is 0, which also allows plain
 * HTTP. Requests that fail with a 5xx status or a dropped connection are
 * retried WH_REGISTRY_RETRIES times with exponential backoff. A blob upload
 * that fails that way is started again as a whole, within the same bound.
 */
#ifndef WH_REGISTRY_H
#define WH_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "transport.h"

/* Attempts after the first for a request that failed with 5xx or a dropped connection. */
#define WH_REGISTRY_RETRIES 4
/* Delay before the first retry, doubled for each further one, in milliseconds. */
#define WH_REGISTRY_BACKOFF_MS 200
/*
 * Blobs below this size are uploaded in one PUT, larger ones in PATCH
 * chunks of this size, in bytes. Each request streams from the blob's file.
 * Chunks keep each request under the body size limits of proxies in front
 * of some registries. Pushing the 189 MiB image of tests/bench/bench_push.sh
 * to a loopback docker-registry 2.8.2, 8 MiB chunks took about 0.3 s longer
 * than one request, and 64 MiB chunks no measurable time.
 */
#define WH_REGISTRY_CHUNK_SIZE (64u * 1024 * 1024)
/* Blob uploads that run at once, each on its own connection. */
#define WH_REGISTRY_UPLOAD_WORKERS 2

typedef struct wh_registry_options {
    const char *credentials; /* "USER:PASSWORD" from --creds, or NULL */
    const char *auth_file;   /* auth file to use instead of the standard lookup, or NULL */
    int tls_verify;          /* 1 verifies TLS; 0 also allows plain HTTP */
    const char *os;          /* platform chosen from an index: NULL means "linux" */
    const char *architecture;/* NULL means the host's, as GOARCH names it ("amd64") */
    size_t chunk_size;       /* 0: WH_REGISTRY_CHUNK_SIZE; a blob this large or larger is chunked */
    const char *mount_from;  /* push: repository on the same registry to mount blobs from */
    void (*log)(void *context, const char *message); /* progress lines, or NULL */
    void *log_context;
} wh_registry_options;

/*
 * Pulls the image named by reference (a docker:// transport) into layout_dir,
 * which must exist and be empty, as an OCI layout whose index.json lists
 * the manifest under reference->tag. An index is resolved to the manifest
 * of the requested platform. Every blob is checked against its digest while
 * it is written. On success *manifest_digest (may be NULL) receives a copy
 * of the manifest's "sha256:<hex>", which the caller frees.
 */
wh_status wh_registry_pull(const wh_transport *reference, const char *layout_dir,
                           const wh_registry_options *options, char **manifest_digest,
                           wh_error *err);

/*
 * Pushes the image in the OCI layout layout_dir (the manifest named tag, or
 * its only manifest when tag is NULL) to reference, a docker:// transport:
 * blobs first, on up to WH_REGISTRY_UPLOAD_WORKERS connections and each
 * skipped when a HEAD shows the registry has it, then the manifest under
 * reference->tag. options->log may be called from several threads, one
 * call at a time. With options->mount_from, a missing blob
 * is first mounted from that repository of the same registry; when the
 * registry declines, the upload session it opens instead is used. On success *manifest_digest (may be NULL) receives a
 * copy of the pushed manifest's digest, which the caller frees.
 */
wh_status wh_registry_push_layout(const char *layout_dir, const char *tag,
                                  const wh_transport *reference,
                                  const wh_registry_options *options, char **manifest_digest,
                                  wh_error *err);

/* Returns the GOARCH name of the architecture this program was built for. */
const char *wh_registry_host_architecture(void);

#endif
