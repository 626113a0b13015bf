/*
 * The "#!" line of a script: which interpreter runs it, and with which
 * argument. Used by wh_classify; parsing follows the Linux kernel's
 * binfmt_script rules, with the exceptions listed in shebang.c.
 */
#ifndef WH_SHEBANG_H
#define WH_SHEBANG_H

#include <stddef.h>

#include "classify.h"
#include "error.h"

/*
 * Bytes of a script the kernel reads to find its interpreter:
 * BINPRM_BUF_SIZE, 256 since Linux 5.1. A first line with no newline in
 * those bytes is cut before the last of them.
 */
#define WH_SHEBANG_LINE_MAX 256

/* Returns nonzero when data starts with "#!". */
int wh_shebang_present(const unsigned char *data, size_t size);

/*
 * Parses the "#!" line at the start of data and records it in out: sets
 * WH_FLAG_SCRIPT, and sets out->interpreter and out->interpreter_arg when
 * present (each owned by out). For "env" the argument is the command env
 * runs, so "#!/usr/bin/env -S python3 -u" gives "python3". Returns WH_OK or
 * WH_ERR_NOMEM; on failure out may hold some of the new strings, which
 * wh_classification_free releases.
 */
wh_status wh_shebang_classify(const unsigned char *data, size_t size, wh_classification *out);

#endif
