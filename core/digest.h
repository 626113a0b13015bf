/*
 * SHA-256 through OpenSSL's libcrypto, with lowercase hex output as used in
 * OCI digests and the content store ("sha256:" prefix added by callers).
 */
#ifndef WH_DIGEST_H
#define WH_DIGEST_H

#include <stddef.h>

#include "error.h"

#define WH_SHA256_HEX_LEN 64

typedef struct wh_sha256 wh_sha256;

/* Creates a hashing context; free it with wh_sha256_free. NULL on no memory. */
wh_sha256 *wh_sha256_new(void);
void wh_sha256_update(wh_sha256 *ctx, const void *data, size_t size);
/* Writes the 64 hex digits and a NUL into hex; the context can then be freed. */
void wh_sha256_final_hex(wh_sha256 *ctx, char hex[WH_SHA256_HEX_LEN + 1]);
/* Frees ctx; accepts NULL. */
void wh_sha256_free(wh_sha256 *ctx);

/* Hashes one buffer. */
void wh_sha256_buffer_hex(const void *data, size_t size, char hex[WH_SHA256_HEX_LEN + 1]);

/* Hashes a whole file; names the file in err on failure. */
wh_status wh_sha256_file_hex(const char *path, char hex[WH_SHA256_HEX_LEN + 1], wh_error *err);

/* True when text is exactly 64 lowercase hex digits. */
int wh_sha256_hex_valid(const char *text);

#endif
