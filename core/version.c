#include "version.h"

#include <ctype.h>
#include <string.h>

/* ---- Debian ----------------------------------------------------------- */

/* Returns the character at p, or NUL when p has reached end. */
static char char_at(const char *p, const char *end)
{
    return p < end ? *p : '\0';
}

/* Weight of one character in a non-digit part; 0 is the end of the part. */
static int debian_weight(char c)
{
    if (c == '~')
        return -1;
    if (c == '\0' || isdigit((unsigned char)c))
        return 0;
    if (isalpha((unsigned char)c))
        return (unsigned char)c;
    return (unsigned char)c + 256;
}

/*
 * Compares the digit runs at *a and *b numerically, without overflow:
 * leading zeros are skipped, then the longer run is larger, then the first
 * differing digit decides. Advances both pointers past their runs.
 */
static int compare_digit_runs(const char **a, const char *a_end, const char **b,
                              const char *b_end)
{
    while (char_at(*a, a_end) == '0')
        (*a)++;
    while (char_at(*b, b_end) == '0')
        (*b)++;

    const char *a_start = *a, *b_start = *b;
    while (isdigit((unsigned char)char_at(*a, a_end)))
        (*a)++;
    while (isdigit((unsigned char)char_at(*b, b_end)))
        (*b)++;

    size_t a_length = (size_t)(*a - a_start), b_length = (size_t)(*b - b_start);
    if (a_length != b_length)
        return a_length < b_length ? -1 : 1;
    int order = memcmp(a_start, b_start, a_length);
    return order < 0 ? -1 : order > 0;
}

/* Compares the spans [a, a_end) and [b, b_end): two epochs, upstreams or revisions. */
static int compare_debian_part(const char *a, const char *a_end, const char *b, const char *b_end)
{
    while (a < a_end || b < b_end) {
        /* The non-digit prefix, character by character. */
        while ((a < a_end && !isdigit((unsigned char)*a))
               || (b < b_end && !isdigit((unsigned char)*b))) {
            int weight_a = debian_weight(char_at(a, a_end));
            int weight_b = debian_weight(char_at(b, b_end));
            if (weight_a != weight_b)
                return weight_a < weight_b ? -1 : 1;
            a++;
            b++;
        }

        /* Then the digit run; an empty run counts as 0. */
        int order = compare_digit_runs(&a, a_end, &b, b_end);
        if (order != 0)
            return order;
    }
    return 0;
}

/* Splits "epoch:upstream-revision" into its three spans. */
typedef struct debian_parts {
    const char *epoch, *epoch_end;
    const char *upstream, *upstream_end;
    const char *revision, *revision_end;
} debian_parts;

static debian_parts split_debian(const char *version)
{
    debian_parts parts;
    const char *end = version + strlen(version);
    const char *colon = strchr(version, ':');
    const char *hyphen = strrchr(version, '-');

    parts.epoch = version;
    parts.epoch_end = colon != NULL ? colon : version;
    parts.upstream = colon != NULL ? colon + 1 : version;
    if (hyphen != NULL && hyphen >= parts.upstream) {
        parts.upstream_end = hyphen;
        parts.revision = hyphen + 1;
    } else {
        parts.upstream_end = end;
        parts.revision = end;
    }
    parts.revision_end = end;
    return parts;
}

int wh_version_compare_debian(const char *a, const char *b)
{
    debian_parts x = split_debian(a), y = split_debian(b);

    /* An epoch is a number; comparing it as a part orders it numerically. */
    int order = compare_debian_part(x.epoch, x.epoch_end, y.epoch, y.epoch_end);
    if (order != 0)
        return order;
    order = compare_debian_part(x.upstream, x.upstream_end, y.upstream, y.upstream_end);
    if (order != 0)
        return order;
    return compare_debian_part(x.revision, x.revision_end, y.revision, y.revision_end);
}

/* ---- Alpine apk ------------------------------------------------------- */

#define APK_MAX_NUMBERS 16
#define APK_MAX_SUFFIXES 8

/* Suffix names in order; "" is the absent suffix between _rc and _cvs. */
static const char *const apk_suffixes[] = {
    "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p",
};
#define APK_SUFFIX_NONE 4

typedef struct apk_version {
    const char *numbers[APK_MAX_NUMBERS]; /* start of each digit run */
    int number_count;
    char letter;                          /* 0 when absent */
    int suffix_rank[APK_MAX_SUFFIXES];    /* index into apk_suffixes */
    const char *suffix_number[APK_MAX_SUFFIXES];
    int suffix_count;
    const char *revision;                 /* digits after "-r", or NULL */
} apk_version;

static int apk_suffix_rank(const char *text, size_t length)
{
    for (int i = 0; i < (int)(sizeof(apk_suffixes) / sizeof(apk_suffixes[0])); i++) {
        if (i != APK_SUFFIX_NONE && strlen(apk_suffixes[i]) == length
            && strncmp(apk_suffixes[i], text, length) == 0)
            return i;
    }
    return -1;
}

static const char *skip_digits(const char *p)
{
    while (isdigit((unsigned char)*p))
        p++;
    return p;
}

/* Parses text into out; returns 0, or -1 when it is not an apk version. */
static int parse_apk(const char *text, apk_version *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = text;

    do {
        if (!isdigit((unsigned char)*p) || out->number_count == APK_MAX_NUMBERS)
            return -1;
        out->numbers[out->number_count++] = p;
        p = skip_digits(p);
    } while (*p == '.' && *++p != '\0');

    if (islower((unsigned char)*p))
        out->letter = *p++;

    while (*p == '_') {
        const char *name = ++p;
        while (islower((unsigned char)*p))
            p++;
        int rank = apk_suffix_rank(name, (size_t)(p - name));
        if (rank < 0 || out->suffix_count == APK_MAX_SUFFIXES)
            return -1;
        out->suffix_rank[out->suffix_count] = rank;
        out->suffix_number[out->suffix_count] = p;
        out->suffix_count++;
        p = skip_digits(p);
    }

    if (p[0] == '-' && p[1] == 'r' && isdigit((unsigned char)p[2])) {
        out->revision = p + 2;
        p = skip_digits(p + 2);
    }
    return *p == '\0' ? 0 : -1;
}

static int compare_numbers(const char *a, const char *b)
{
    return compare_digit_runs(&a, a + strlen(a), &b, b + strlen(b));
}

static int sign(int value)
{
    return (value > 0) - (value < 0);
}

int wh_version_compare_apk(const char *a, const char *b)
{
    apk_version x, y;
    int x_valid = parse_apk(a, &x) == 0, y_valid = parse_apk(b, &y) == 0;
    if (!x_valid || !y_valid) {
        if (x_valid != y_valid)
            return x_valid ? -1 : 1;
        return sign(strcmp(a, b));
    }

    /* Numbers pairwise; with equal common parts, more numbers is newer. */
    for (int i = 0; i < x.number_count && i < y.number_count; i++) {
        int order = compare_numbers(x.numbers[i], y.numbers[i]);
        if (order != 0)
            return order;
    }
    if (x.number_count != y.number_count)
        return x.number_count < y.number_count ? -1 : 1;

    if (x.letter != y.letter)
        return x.letter < y.letter ? -1 : 1;

    /* Suffixes pairwise; a missing one ranks between _rc and _cvs. */
    for (int i = 0; i < x.suffix_count || i < y.suffix_count; i++) {
        int x_rank = i < x.suffix_count ? x.suffix_rank[i] : APK_SUFFIX_NONE;
        int y_rank = i < y.suffix_count ? y.suffix_rank[i] : APK_SUFFIX_NONE;
        if (x_rank != y_rank)
            return x_rank < y_rank ? -1 : 1;
        int order = compare_numbers(x.suffix_number[i], y.suffix_number[i]);
        if (order != 0)
            return order;
    }

    return compare_numbers(x.revision ? x.revision : "", y.revision ? y.revision : "");
}

/* ---- Constraints ------------------------------------------------------ */

/* True when version continues wanted at a component boundary, for "~". */
static int fuzzy_match(const char *version, const char *wanted)
{
    size_t length = strlen(wanted);
    if (strncmp(version, wanted, length) != 0)
        return 0;
    char next = version[length];
    return next == '\0' || !isdigit((unsigned char)next) || length == 0
           || !isdigit((unsigned char)wanted[length - 1]);
}

int wh_version_satisfies(int (*compare)(const char *, const char *), const char *version,
                         const char *op, const char *wanted)
{
    if (strcmp(op, "~") == 0)
        return fuzzy_match(version, wanted);

    int order = compare(version, wanted);
    if (strcmp(op, "<<") == 0)
        return order < 0;
    if (strcmp(op, "<=") == 0 || strcmp(op, "<") == 0)
        return order <= 0;
    if (strcmp(op, "=") == 0)
        return order == 0;
    if (strcmp(op, ">=") == 0 || strcmp(op, ">") == 0)
        return order >= 0;
    if (strcmp(op, ">>") == 0)
        return order > 0;
    return -1;
}
