/*
 * Status codes and error messages shared by every layer.
 *
 * Functions that can fail return a wh_status and, when given a non-NULL
 * wh_error, fill it with a message that names the file, path or value that
 * failed and, where there is one, the fix.  The caller owns the wh_error;
 * nothing inside it needs freeing.
 */
#ifndef WH_ERROR_H
#define WH_ERROR_H

#include <stddef.h>

/* Stable values: scripts and tests may depend on them, so only append. */
typedef enum wh_status {
    WH_OK = 0,
    WH_ERR_NOMEM = 1,     /* allocation failed */
    WH_ERR_IO = 2,        /* reading or writing a file failed */
    WH_ERR_INVALID = 3,   /* invalid input: bad argument, spec or value */
    WH_ERR_FORMAT = 4,    /* corrupt, truncated or unsupported file format */
    WH_ERR_NOT_FOUND = 5, /* a named component, file or blob does not exist */
    WH_ERR_EXISTS = 6,    /* the thing to create is already there */
    WH_ERR_DIGEST = 7,    /* content does not match its recorded sha256 */
    WH_ERR_DATABASE = 8,  /* SQLite reported an error */
    WH_ERR_LIMIT = 9,     /* a documented size or length limit was exceeded */
    WH_ERR_EXTERNAL = 10, /* an external program (apt-get, ...) failed */
    WH_ERR_POLICY = 11,   /* policy rejected the result */
} wh_status;

#define WH_ERROR_MESSAGE_MAX 1024

typedef struct wh_error {
    wh_status status;
    char message[WH_ERROR_MESSAGE_MAX];
} wh_error;

/* Returns a short, static description of a status code. */
const char *wh_status_text(wh_status status);

/*
 * Records status and a printf-style message in err (which may be NULL) and
 * returns status, so callers can write `return wh_error_set(err, ...)`.
 * The message is truncated to fit WH_ERROR_MESSAGE_MAX.
 */
wh_status wh_error_set(wh_error *err, wh_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Prepends "prefix: " to the message already in err, keeping its status.
 * Used to add context (the archive name) to an error from a lower level.
 */
void wh_error_prefix(wh_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err (which may be NULL) to WH_OK with an empty message. */
void wh_error_clear(wh_error *err);

/*
 * Maps a status to the process exit code documented for every command:
 * 0 success, 1 policy violations, 2 invalid input, usage or any other failure.
 */
int wh_status_exit_code(wh_status status);

#endif
