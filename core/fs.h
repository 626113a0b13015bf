/* Small filesystem helpers shared by the layers. */
#ifndef WH_FS_H
#define WH_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Creates path and its missing parents with mode (like mkdir -p). */
wh_status wh_mkdir_parents(const char *path, mode_t mode, wh_error *err);

/*
 * Reads a whole file into a NUL-terminated buffer that the caller frees.
 * Files larger than max_size fail with WH_ERR_LIMIT.
 */
wh_status wh_read_file(const char *path, size_t max_size, char **out, size_t *size,
                       wh_error *err);

/*
 * Returns "$VARIABLE/suffix" when the environment variable is set and
 * absolute, else "$HOME/fallback/suffix". The caller frees the result.
 * Follows the XDG base directory rule that relative values are ignored.
 */
wh_status wh_xdg_path(const char *variable, const char *fallback, const char *suffix,
                      char **out, wh_error *err);

/*
 * Reads until size bytes are in buffer or the file ends, retrying
 * interrupted and short reads. Returns the byte count, or -1 with errno set.
 */
ssize_t wh_read_full(int fd, void *buffer, size_t size);

/* Writes all size bytes, retrying interrupted and short writes. Returns 0, or -1 with errno set. */
int wh_write_full(int fd, const void *data, size_t size);

#endif
