/*
 * A bump allocator for the many small strings and arrays of a component
 * graph: allocations are freed all at once with the arena, never one by one.
 */
#ifndef WH_ARENA_H
#define WH_ARENA_H

#include <stddef.h>

typedef struct wh_arena_block wh_arena_block;

typedef struct wh_arena {
    wh_arena_block *head;
    size_t used;     /* bytes used in head */
    size_t capacity; /* bytes available in head */
} wh_arena;

/* Returns size bytes aligned for any type, or NULL when out of memory. */
void *wh_arena_alloc(wh_arena *arena, size_t size);

/* Copies text (which may be NULL) into the arena; NULL in, NULL out. */
char *wh_arena_strdup(wh_arena *arena, const char *text);
char *wh_arena_strndup(wh_arena *arena, const char *text, size_t length);

/* Frees every block; the arena is empty and reusable afterwards. */
void wh_arena_release(wh_arena *arena);

#endif
