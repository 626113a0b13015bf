#include "theme.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The dark theme, kept equal to themes/dark.theme (tests/unit/test_theme.c
 * checks that both parse to the same styles).
 */
static const char builtin_dark[] = "normal       = default  default\n"
                                   "dim          = 8        default\n"
                                   "title        = white    blue     bold\n"
                                   "tab-active   = black    cyan     bold\n"
                                   "header       = cyan     default  bold\n"
                                   "selection    = black    cyan\n"
                                   "status       = white    blue\n"
                                   "status-error = white    red      bold\n"
                                   "chosen       = green    default  bold\n"
                                   "pulled       = cyan     default\n"
                                   "excluded     = 8        default\n"
                                   "added        = yellow   default\n"
                                   "removed      = green    default\n"
                                   "policy-pass  = green    default  bold\n"
                                   "policy-fail  = red      default  bold\n"
                                   "policy-warn  = yellow   default\n"
                                   "border       = blue     default\n"
                                   "dialog       = white    8\n"
                                   "dialog-title = yellow   8        bold\n"
                                   "input        = black    white\n"
                                   "match        = yellow   default  bold underline\n"
                                   "help-key     = cyan     default  bold\n"
                                   "progress     = black    green\n";

#define TUI_ROLE_NAME(id, name, help) name,
static const char *const role_names[TUI_ROLE_COUNT] = {TUI_ROLE_LIST(TUI_ROLE_NAME)};
#undef TUI_ROLE_NAME

static const char *const color_names[8] = {"black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white"};

static const struct {
    const char *name;
    unsigned bit;
} attribute_names[] = {
    {"bold", TUI_ATTR_BOLD},           {"dim", TUI_ATTR_DIM},
    {"underline", TUI_ATTR_UNDERLINE}, {"reverse", TUI_ATTR_REVERSE},
    {"standout", TUI_ATTR_STANDOUT},
};

const char *tui_role_name(tui_role role)
{
    if ((int)role < 0 || role >= TUI_ROLE_COUNT)
        return NULL;
    return role_names[role];
}

int tui_role_parse(const char *name)
{
    for (int i = 0; i < TUI_ROLE_COUNT; i++)
        if (strcmp(role_names[i], name) == 0)
            return i;
    return -1;
}

static int parse_color(const char *word, short *out)
{
    if (strcmp(word, "default") == 0) {
        *out = TUI_COLOR_DEFAULT;
        return 0;
    }

    int bright = 0;
    if (strncmp(word, "bright-", 7) == 0) {
        bright = 8;
        word += 7;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(word, color_names[i]) == 0) {
            *out = (short)(i + bright);
            return 0;
        }
    }
    if (bright || !isdigit((unsigned char)word[0]))
        return -1;

    char *end = NULL;
    errno = 0;
    long value = strtol(word, &end, 10);
    if (errno != 0 || *end != '\0' || value > 255)
        return -1;
    *out = (short)value;
    return 0;
}

static int parse_attribute(const char *word, unsigned *bits)
{
    for (size_t i = 0; i < sizeof(attribute_names) / sizeof(attribute_names[0]); i++) {
        if (strcmp(word, attribute_names[i].name) == 0) {
            *bits |= attribute_names[i].bit;
            return 0;
        }
    }
    return -1;
}

/* Splits line in place into at most max words. Returns the count, or max + 1 when more. */
static int split_words(char *line, char **words, int max)
{
    int count = 0;
    char *save = NULL;
    for (char *word = strtok_r(line, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        if (count == max)
            return max + 1;
        words[count++] = word;
    }
    return count;
}

static int fail(tui_theme_error *error, int line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(tui_theme_error *error, int line, const char *format, ...)
{
    if (error) {
        va_list args;
        va_start(args, format);
        error->line = line;
        vsnprintf(error->message, sizeof(error->message), format, args);
        va_end(args);
    }
    return -1;
}

/* Parses one line with comments stripped. Line_number is for messages. */
static int parse_line(tui_theme *theme, char *line, int line_number, tui_theme_error *error)
{
    char *equals = strchr(line, '=');
    if (!equals)
        return fail(error, line_number,
                    "expected 'role = foreground background [attributes]', got '%s'", line);
    *equals = '\0';

    char *keys[2], *values[8];
    int key_count = split_words(line, keys, 1);
    int value_count = split_words(equals + 1, values, 7);
    if (key_count != 1)
        return fail(error, line_number, "expected one role name before '='");

    if (strcmp(keys[0], "monochrome") == 0) {
        if (value_count != 1 || (strcmp(values[0], "yes") != 0 && strcmp(values[0], "no") != 0))
            return fail(error, line_number, "monochrome must be 'yes' or 'no'");
        theme->monochrome = strcmp(values[0], "yes") == 0;
        return 0;
    }

    int role = tui_role_parse(keys[0]);
    if (role < 0)
        return fail(error, line_number, "unknown role '%s'", keys[0]);
    if (value_count < 2)
        return fail(error, line_number, "role '%s' needs a foreground and a background colour",
                    keys[0]);
    if (value_count > 7)
        return fail(error, line_number, "too many attributes for role '%s'", keys[0]);

    tui_style style = {0};
    if (parse_color(values[0], &style.foreground) != 0)
        return fail(error, line_number, "invalid colour '%s'", values[0]);
    if (parse_color(values[1], &style.background) != 0)
        return fail(error, line_number, "invalid colour '%s'", values[1]);
    for (int i = 2; i < value_count; i++)
        if (parse_attribute(values[i], &style.attributes) != 0)
            return fail(error, line_number, "unknown attribute '%s'", values[i]);

    theme->styles[role] = style;
    return 0;
}

int tui_theme_parse(tui_theme *theme, const char *text, tui_theme_error *error)
{
    int line_number = 0;
    const char *cursor = text;

    while (*cursor) {
        line_number++;
        size_t length = strcspn(cursor, "\n");
        char line[512];
        if (length >= sizeof(line))
            return fail(error, line_number, "line longer than 511 bytes");
        memcpy(line, cursor, length);
        line[length] = '\0';
        cursor += length + (cursor[length] == '\n');

        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *start = line;
        while (isspace((unsigned char)*start))
            start++;
        if (*start == '\0')
            continue;
        if (parse_line(theme, start, line_number, error) != 0)
            return -1;
    }
    return 0;
}

void tui_theme_default(tui_theme *theme)
{
    memset(theme, 0, sizeof(*theme));
    for (int i = 0; i < TUI_ROLE_COUNT; i++)
        theme->styles[i] = (tui_style){TUI_COLOR_DEFAULT, TUI_COLOR_DEFAULT, 0};
    if (tui_theme_parse(theme, builtin_dark, NULL) != 0)
        abort(); /* the built-in text is a constant. Test_theme covers it */
    snprintf(theme->name, sizeof(theme->name), "dark");
}

/* Reads a whole file into a NUL-terminated buffer; NULL with errno set on failure. */
static char *read_file(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;

    size_t capacity = 4096, length = 0;
    char *text = malloc(capacity);
    if (!text)
        abort();
    size_t got;
    while ((got = fread(text + length, 1, capacity - length - 1, file)) > 0) {
        length += got;
        if (capacity - length - 1 == 0) {
            capacity *= 2;
            text = realloc(text, capacity);
            if (!text)
                abort();
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(text);
        errno = EIO;
        return NULL;
    }
    text[length] = '\0';
    return text;
}

static int valid_name(const char *name)
{
    if (!name[0] || strlen(name) >= 48)
        return 0;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return 0;
    return 1;
}

int tui_theme_load(tui_theme *theme, const char *name, const char *const *dirs, char *message,
                   size_t size)
{
    tui_theme_default(theme);

    char path[4096];
    if (strchr(name, '/')) {
        snprintf(path, sizeof(path), "%s", name);
    } else {
        if (!valid_name(name)) {
            snprintf(message, size, "invalid theme name '%s': use letters, digits, '-' and '_'",
                     name);
            return -1;
        }
        path[0] = '\0';
        for (size_t i = 0; dirs && dirs[i]; i++) {
            snprintf(path, sizeof(path), "%.4000s/%s.theme", dirs[i], name);
            if (access(path, R_OK) == 0)
                break;
            path[0] = '\0';
        }
        if (!path[0]) {
            if (strcmp(name, "dark") == 0)
                return 0;
            snprintf(message, size,
                     "theme '%s' not found; the shipped themes are dark, light "
                     "and monochrome",
                     name);
            return -1;
        }
    }

    char *text = read_file(path);
    if (!text) {
        snprintf(message, size, "cannot read theme file %s: %s", path, strerror(errno));
        return -1;
    }

    tui_theme_error error = {0};
    int result = tui_theme_parse(theme, text, &error);
    free(text);
    if (result != 0) {
        snprintf(message, size, "%s:%d: %s", path, error.line, error.message);
        return -1;
    }

    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(theme->name, sizeof(theme->name), "%.*s", (int)strcspn(base, "."), base);
    return 0;
}

const char *const *tui_theme_dirs(void)
{
    static char env_dir[4096], build_dir[4200], share_dir[4200];
    static const char *dirs[4];
    size_t count = 0;

    const char *env = getenv("WHITTLE_THEME_DIR");
    if (env && env[0]) {
        snprintf(env_dir, sizeof(env_dir), "%s", env);
        dirs[count++] = env_dir;
    }

    char exe[4096];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (length > 0) {
        exe[length] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(build_dir, sizeof(build_dir), "%s/../themes", exe);
            dirs[count++] = build_dir;
            snprintf(share_dir, sizeof(share_dir), "%s/../share/whittle/themes", exe);
            dirs[count++] = share_dir;
        }
    }
    dirs[count] = NULL;
    return dirs;
}
