#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *wh_status_text(wh_status status)
{
    switch (status) {
    case WH_OK: return "success";
    case WH_ERR_NOMEM: return "out of memory";
    case WH_ERR_IO: return "input/output error";
    case WH_ERR_INVALID: return "invalid input";
    case WH_ERR_FORMAT: return "invalid or unsupported file format";
    case WH_ERR_NOT_FOUND: return "not found";
    case WH_ERR_EXISTS: return "already exists";
    case WH_ERR_DIGEST: return "digest mismatch";
    case WH_ERR_DATABASE: return "catalog database error";
    case WH_ERR_LIMIT: return "limit exceeded";
    case WH_ERR_EXTERNAL: return "external command failed";
    case WH_ERR_POLICY: return "policy violation";
    }
    return "unknown error";
}

wh_status wh_error_set(wh_error *err, wh_status status, const char *format, ...)
{
    if (err == NULL)
        return status;

    va_list args;
    va_start(args, format);
    vsnprintf(err->message, sizeof(err->message), format, args);
    va_end(args);
    err->status = status;
    return status;
}

void wh_error_prefix(wh_error *err, const char *format, ...)
{
    if (err == NULL)
        return;

    char joined[WH_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(joined, sizeof(joined), format, args);
    va_end(args);
    if (length < 0)
        return;

    /* Append ": " and the old message after the prefix, truncating to fit. */
    size_t used = (size_t)length < sizeof(joined) ? (size_t)length : sizeof(joined) - 1;
    size_t room = sizeof(joined) - used;
    if (room > 2) {
        memcpy(joined + used, ": ", 2);
        used += 2;
        room -= 2;
        size_t copy = strnlen(err->message, room - 1);
        memcpy(joined + used, err->message, copy);
        used += copy;
    }
    joined[used] = '\0';
    memcpy(err->message, joined, sizeof(err->message));
}

void wh_error_clear(wh_error *err)
{
    if (err == NULL)
        return;
    err->status = WH_OK;
    err->message[0] = '\0';
}

int wh_status_exit_code(wh_status status)
{
    if (status == WH_OK)
        return 0;
    if (status == WH_ERR_POLICY)
        return 1;
    return 2;
}
