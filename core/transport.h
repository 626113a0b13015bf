/*
 * Image references in the containers/image transport syntax, shared by the
 * image writer, image import and registry push:
 *
 *   oci:DIR[:TAG]                      OCI image layout directory
 *   oci-archive:FILE[:TAG]             tar of an OCI image layout
 *   docker-archive:FILE[:NAME[:TAG]]   `docker save` tarball
 *   docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX]   registry
 *   rootfs:DIR                         unpacked tree
 *   rootfs-archive:FILE                tar of an unpacked tree
 *
 * As in containers/image, the first ':' after the transport name ends the
 * path, so a path cannot contain ':'.
 */
#ifndef WH_TRANSPORT_H
#define WH_TRANSPORT_H

#include "error.h"

typedef enum wh_transport_kind {
    WH_TRANSPORT_OCI = 0,
    WH_TRANSPORT_OCI_ARCHIVE,
    WH_TRANSPORT_DOCKER_ARCHIVE,
    WH_TRANSPORT_DOCKER,
    WH_TRANSPORT_ROOTFS,
    WH_TRANSPORT_ROOTFS_ARCHIVE,
    WH_TRANSPORT_COUNT
} wh_transport_kind;

typedef struct wh_transport {
    wh_transport_kind kind;
    char *path;       /* DIR or FILE; NULL for docker:// */
    char *tag;        /* OCI ref name, docker-archive or registry tag; NULL if absent */
    char *repository; /* docker-archive NAME or registry REPO; NULL if absent */
    char *host;       /* registry host name or address, without the port */
    unsigned port;    /* registry port, 0 when not given */
    char *digest;     /* registry "sha256:<64 hex>", NULL if absent */
} wh_transport;

/*
 * Parses text into out. A docker-archive NAME without a TAG gets the tag
 * "latest"; a registry reference with neither tag nor digest gets "latest".
 * On success the caller frees out with wh_transport_free; on failure out is
 * left empty and err names the malformed part and the expected syntax.
 */
wh_status wh_transport_parse(const char *text, wh_transport *out, wh_error *err);

/* Frees the strings inside transport and clears it. Accepts NULL. */
void wh_transport_free(wh_transport *transport);

/* Returns "oci", "oci-archive", ... or NULL for an out-of-range value. */
const char *wh_transport_kind_name(wh_transport_kind kind);

/*
 * True when text is a valid org.opencontainers.image.ref.name value:
 * components of letters and digits joined by one of "-._:@+" or "--",
 * separated by '/'.
 */
int wh_transport_ref_name_valid(const char *text);

#endif
