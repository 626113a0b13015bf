#include "shebang.h"

#include <stdlib.h>
#include <string.h>

/*
 * Differences from the kernel, chosen so the result names the interpreter
 * the author meant:
 * - A trailing carriage return is removed. The kernel keeps it, so a CRLF
 *   script fails to run with "bad interpreter: /bin/sh^M", but the
 *   requirement it records is still /bin/sh.
 * - For env, the command env would run is returned instead of the raw
 *   argument, as described in env_command.
 */

typedef struct text {
    const char *start;
    size_t length;
} text;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int wh_shebang_present(const unsigned char *data, size_t size)
{
    return data != NULL && size >= 2 && data[0] == '#' && data[1] == '!';
}

/* Splits off the next blank-separated word of *rest. Returns 0 when none is left. */
static int next_word(text *rest, text *word)
{
    while (rest->length > 0 && is_blank(*rest->start)) {
        rest->start++;
        rest->length--;
    }
    if (rest->length == 0)
        return 0;

    size_t length = 0;
    while (length < rest->length && !is_blank(rest->start[length]))
        length++;

    word->start = rest->start;
    word->length = length;
    rest->start += length;
    rest->length -= length;
    return 1;
}

static int word_is(text word, const char *literal)
{
    return strlen(literal) == word.length && memcmp(word.start, literal, word.length) == 0;
}

static int word_starts_with(text word, const char *prefix)
{
    size_t length = strlen(prefix);
    return word.length >= length && memcmp(word.start, prefix, length) == 0;
}

/*
 * Finds the command that "env ARGUMENT" runs: the first word that is not an
 * option of GNU or BSD env and not a NAME=VALUE assignment. "-S" (split
 * string) and its long form are followed into the words they split.
 * Returns 0 when there is no command, as in "#!/usr/bin/env -i".
 * NOTE: without -S the kernel passes "python3 -u" to env as one word, which
 * env then fails to find; this still returns "python3", the intended command.
 */
static int env_command(text argument, text *command)
{
    text rest = argument;
    text word;
    while (next_word(&rest, &word)) {
        if (word_is(word, "-S") || word_is(word, "--split-string"))
            continue;

        if (word_starts_with(word, "--split-string=") || (word_starts_with(word, "-S"))) {
            size_t skip = word.start[1] == 'S' ? 2 : strlen("--split-string=");
            text inner = {word.start + skip, word.length - skip};
            text inner_word;
            /* The attached value starts the split string, so examine its first word next. */
            if (next_word(&inner, &inner_word)) {
                rest.start = inner_word.start;
                rest.length = (size_t)(argument.start + argument.length - inner_word.start);
            }
            continue;
        }

        /* Options that take a separate value: unset NAME, change directory, BSD's search path. */
        if (word_is(word, "-u") || word_is(word, "--unset") || word_is(word, "-C") ||
            word_is(word, "--chdir") || word_is(word, "-P")) {
            next_word(&rest, &word);
            continue;
        }
        if (word.start[0] == '-' || memchr(word.start, '=', word.length) != NULL)
            continue;

        *command = word;
        return 1;
    }
    return 0;
}

static int is_env(text interpreter)
{
    size_t start = interpreter.length;
    while (start > 0 && interpreter.start[start - 1] != '/')
        start--;
    return interpreter.length - start == 3 && memcmp(interpreter.start + start, "env", 3) == 0;
}

wh_status wh_shebang_classify(const unsigned char *data, size_t size, wh_classification *out)
{
    out->flags |= WH_FLAG_SCRIPT;

    /* The line ends at a newline or NUL, or when the kernel's buffer or the file ends. */
    size_t limit = size < WH_SHEBANG_LINE_MAX ? size : WH_SHEBANG_LINE_MAX;
    const char *line = (const char *)data + 2;
    size_t length = 0;
    while (length < limit - 2 && line[length] != '\n' && line[length] != '\0')
        length++;
    int complete = length < limit - 2 || size <= WH_SHEBANG_LINE_MAX;

    /* Without a newline in its buffer, the kernel uses all but the buffer's last byte. */
    if (!complete)
        length = WH_SHEBANG_LINE_MAX - 1 - 2;

    while (length > 0 && (is_blank(line[length - 1]) || line[length - 1] == '\r'))
        length--;

    text rest = {line, length};
    text interpreter;
    if (!next_word(&rest, &interpreter))
        return WH_OK;

    /* The kernel rejects a path cut off by its buffer, but it accepts a cut-off argument. */
    if (!complete && rest.length == 0)
        return WH_OK;

    out->interpreter = strndup(interpreter.start, interpreter.length);
    if (out->interpreter == NULL)
        return WH_ERR_NOMEM;

    while (rest.length > 0 && is_blank(*rest.start)) {
        rest.start++;
        rest.length--;
    }
    text argument = rest;
    if (is_env(interpreter) && !env_command(rest, &argument))
        return WH_OK;
    if (argument.length == 0)
        return WH_OK;

    out->interpreter_arg = strndup(argument.start, argument.length);
    return out->interpreter_arg != NULL ? WH_OK : WH_ERR_NOMEM;
}
