#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUI_SETTING_LABEL(id, label, help) label,
static const char *const setting_labels[] = {TUI_SETTING_LIST(TUI_SETTING_LABEL)};
#undef TUI_SETTING_LABEL
#define TUI_SETTING_HELP(id, label, help) help,
static const char *const setting_helps[] = {TUI_SETTING_LIST(TUI_SETTING_HELP)};
#undef TUI_SETTING_HELP

static void *checked(void *pointer)
{
    if (!pointer)
        abort();
    return pointer;
}

static char *copy_text(const char *text)
{
    return text ? checked(strdup(text)) : NULL;
}

const char *tui_setting_label(tui_setting setting)
{
    return setting < TUI_SETTING_COUNT ? setting_labels[setting] : NULL;
}

const char *tui_setting_help(tui_setting setting)
{
    return setting < TUI_SETTING_COUNT ? setting_helps[setting] : NULL;
}

void tui_state_clear(tui_state *state)
{
    free(state->roots);
    free(state->excluded);
    for (int i = 0; i < TUI_SETTING_COUNT; i++)
        free(state->settings[i]);
    memset(state, 0, sizeof(*state));
}

static uint32_t *copy_ids(const uint32_t *ids, size_t count)
{
    if (count == 0)
        return NULL;
    uint32_t *copy = checked(malloc(count * sizeof(*copy)));
    memcpy(copy, ids, count * sizeof(*copy));
    return copy;
}

void tui_state_copy(tui_state *destination, const tui_state *source)
{
    tui_state copy = {0};
    copy.roots = copy_ids(source->roots, source->root_count);
    copy.root_count = source->root_count;
    copy.excluded = copy_ids(source->excluded, source->excluded_count);
    copy.excluded_count = source->excluded_count;
    for (int i = 0; i < TUI_SETTING_COUNT; i++)
        copy.settings[i] = copy_text(source->settings[i]);

    tui_state_clear(destination);
    *destination = copy;
}

static int same_text(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int tui_state_equal(const tui_state *a, const tui_state *b)
{
    if (a->root_count != b->root_count || a->excluded_count != b->excluded_count)
        return 0;
    if (a->root_count && memcmp(a->roots, b->roots, a->root_count * sizeof(*a->roots)) != 0)
        return 0;
    if (a->excluded_count &&
        memcmp(a->excluded, b->excluded, a->excluded_count * sizeof(*a->excluded)) != 0)
        return 0;
    for (int i = 0; i < TUI_SETTING_COUNT; i++)
        if (!same_text(a->settings[i], b->settings[i]))
            return 0;
    return 1;
}

/* Returns the index where id is or would be inserted in the sorted ids. */
static size_t lower_bound(const uint32_t *ids, size_t count, uint32_t id)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (ids[middle] < id)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static int set_contains(const uint32_t *ids, size_t count, uint32_t id)
{
    size_t at = lower_bound(ids, count, id);
    return at < count && ids[at] == id;
}

static void set_update(uint32_t **ids, size_t *count, uint32_t id, int on)
{
    size_t at = lower_bound(*ids, *count, id);
    int present = at < *count && (*ids)[at] == id;

    if (on && !present) {
        *ids = checked(realloc(*ids, (*count + 1) * sizeof(**ids)));
        memmove(*ids + at + 1, *ids + at, (*count - at) * sizeof(**ids));
        (*ids)[at] = id;
        (*count)++;
    } else if (!on && present) {
        memmove(*ids + at, *ids + at + 1, (*count - at - 1) * sizeof(**ids));
        (*count)--;
    }
}

int tui_state_has_root(const tui_state *state, uint32_t id)
{
    return set_contains(state->roots, state->root_count, id);
}

void tui_state_set_root(tui_state *state, uint32_t id, int on)
{
    set_update(&state->roots, &state->root_count, id, on);
}

int tui_state_is_excluded(const tui_state *state, uint32_t id)
{
    return set_contains(state->excluded, state->excluded_count, id);
}

void tui_state_set_excluded(tui_state *state, uint32_t id, int on)
{
    set_update(&state->excluded, &state->excluded_count, id, on);
}

void tui_state_set_setting(tui_state *state, tui_setting setting, const char *text)
{
    free(state->settings[setting]);
    state->settings[setting] = (text && text[0]) ? copy_text(text) : NULL;
}

char **tui_words_split(const char *text, size_t *count)
{
    size_t used = 0, capacity = 4;
    char **words = checked(malloc(capacity * sizeof(*words)));
    const char *cursor = text ? text : "";

    for (;;) {
        cursor += strspn(cursor, " \t");
        if (!*cursor)
            break;
        size_t length = strcspn(cursor, " \t");
        if (used + 1 >= capacity) {
            capacity *= 2;
            words = checked(realloc(words, capacity * sizeof(*words)));
        }
        words[used++] = checked(strndup(cursor, length));
        cursor += length;
    }
    words[used] = NULL;
    if (count)
        *count = used;
    return words;
}

void tui_words_free(char **words)
{
    if (!words)
        return;
    for (char **word = words; *word; word++)
        free(*word);
    free(words);
}

int tui_state_toggle_exclude(tui_state *state, const char *glob)
{
    size_t count = 0;
    char **words = tui_words_split(state->settings[TUI_SETTING_EXCLUDE], &count);
    int found = 0;

    /* Rebuild the list without glob. The caller appends it when it was absent. */
    size_t capacity = strlen(glob) + 2;
    for (size_t i = 0; i < count; i++)
        capacity += strlen(words[i]) + 1;
    char *text = checked(calloc(1, capacity));
    for (size_t i = 0; i < count; i++) {
        if (strcmp(words[i], glob) == 0) {
            found = 1;
            continue;
        }
        if (text[0])
            strcat(text, " ");
        strcat(text, words[i]);
    }
    if (!found) {
        if (text[0])
            strcat(text, " ");
        strcat(text, glob);
    }

    tui_state_set_setting(state, TUI_SETTING_EXCLUDE, text);
    free(text);
    tui_words_free(words);
    return !found;
}

int tui_state_has_exclude(const tui_state *state, const char *glob)
{
    char **words = tui_words_split(state->settings[TUI_SETTING_EXCLUDE], NULL);
    int found = 0;
    for (char **word = words; *word && !found; word++)
        found = strcmp(*word, glob) == 0;
    tui_words_free(words);
    return found;
}

/* ---- Undo history ------------------------------------------------------ */

void tui_undo_init(tui_undo *undo, const tui_state *initial)
{
    memset(undo, 0, sizeof(*undo));
    undo->capacity = 16;
    undo->entries = checked(calloc(undo->capacity, sizeof(*undo->entries)));
    tui_state_copy(&undo->entries[0].state, initial);
    snprintf(undo->entries[0].label, sizeof(undo->entries[0].label), "open");
    undo->count = 1;
}

void tui_undo_free(tui_undo *undo)
{
    for (size_t i = 0; i < undo->count; i++)
        tui_state_clear(&undo->entries[i].state);
    free(undo->entries);
    memset(undo, 0, sizeof(*undo));
}

void tui_undo_record(tui_undo *undo, const tui_state *state, const char *label)
{
    /* Forget the states that an undo had stepped over. */
    for (size_t i = undo->position + 1; i < undo->count; i++)
        tui_state_clear(&undo->entries[i].state);
    undo->count = undo->position + 1;

    if (undo->count == TUI_UNDO_MAX) {
        tui_state_clear(&undo->entries[0].state);
        memmove(undo->entries, undo->entries + 1, (undo->count - 1) * sizeof(*undo->entries));
        memset(&undo->entries[undo->count - 1], 0, sizeof(*undo->entries));
        undo->count--;
    }
    if (undo->count == undo->capacity) {
        undo->capacity *= 2;
        undo->entries = checked(realloc(undo->entries, undo->capacity * sizeof(*undo->entries)));
    }

    tui_undo_entry *entry = &undo->entries[undo->count];
    memset(entry, 0, sizeof(*entry));
    tui_state_copy(&entry->state, state);
    snprintf(entry->label, sizeof(entry->label), "%s", label);
    undo->position = undo->count;
    undo->count++;
}

const tui_state *tui_undo_back(tui_undo *undo, const char **label)
{
    if (undo->position == 0)
        return NULL;
    if (label)
        *label = undo->entries[undo->position].label;
    undo->position--;
    return &undo->entries[undo->position].state;
}

const tui_state *tui_undo_forward(tui_undo *undo, const char **label)
{
    if (undo->position + 1 >= undo->count)
        return NULL;
    undo->position++;
    if (label)
        *label = undo->entries[undo->position].label;
    return &undo->entries[undo->position].state;
}
