#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wh_sha256 {
    EVP_MD_CTX *md;
};

wh_sha256 *wh_sha256_new(void)
{
    wh_sha256 *ctx = malloc(sizeof(*ctx));
    if (ctx == NULL)
        return NULL;

    ctx->md = EVP_MD_CTX_new();
    if (ctx->md == NULL || EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx->md);
        free(ctx);
        return NULL;
    }
    return ctx;
}

void wh_sha256_update(wh_sha256 *ctx, const void *data, size_t size)
{
    EVP_DigestUpdate(ctx->md, data, size);
}

static void to_hex(const unsigned char *bytes, size_t count, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < count; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    hex[2 * count] = '\0';
}

void wh_sha256_final_hex(wh_sha256 *ctx, char hex[WH_SHA256_HEX_LEN + 1])
{
    unsigned char bytes[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx->md, bytes, &length);
    to_hex(bytes, length, hex);
}

void wh_sha256_free(wh_sha256 *ctx)
{
    if (ctx == NULL)
        return;
    EVP_MD_CTX_free(ctx->md);
    free(ctx);
}

void wh_sha256_buffer_hex(const void *data, size_t size, char hex[WH_SHA256_HEX_LEN + 1])
{
    unsigned char bytes[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data, size, bytes, &length, EVP_sha256(), NULL);
    to_hex(bytes, length, hex);
}

wh_status wh_sha256_file_hex(const char *path, char hex[WH_SHA256_HEX_LEN + 1], wh_error *err)
{
    wh_status result = WH_OK;
    wh_sha256 *ctx = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return wh_error_set(err, WH_ERR_IO, "cannot open %s: %s", path, strerror(errno));

    ctx = wh_sha256_new();
    if (ctx == NULL) {
        result = wh_error_set(err, WH_ERR_NOMEM, "out of memory hashing %s", path);
        goto out;
    }

    unsigned char buffer[1 << 16];
    size_t count;
    while ((count = fread(buffer, 1, sizeof(buffer), file)) > 0)
        wh_sha256_update(ctx, buffer, count);
    if (ferror(file)) {
        result = wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    wh_sha256_final_hex(ctx, hex);

out:
    wh_sha256_free(ctx);
    fclose(file);
    return result;
}

int wh_sha256_hex_valid(const char *text)
{
    if (text == NULL || strlen(text) != WH_SHA256_HEX_LEN)
        return 0;
    for (const char *p = text; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    }
    return 1;
}
