#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (256 * 1024)

struct wh_arena_block {
    wh_arena_block *next;
    alignas(max_align_t) unsigned char data[];
};

/* Returns size bytes at a multiple of align (a power of two), or NULL when out of memory. */
static void *allocate(wh_arena *arena, size_t size, size_t align)
{
    size_t start = (arena->used + align - 1) & ~(align - 1);
    if (arena->head == NULL || start > arena->capacity || arena->capacity - start < size) {
        size_t capacity = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        wh_arena_block *block = malloc(sizeof(*block) + capacity);
        if (block == NULL)
            return NULL;
        block->next = arena->head;
        arena->head = block;
        arena->capacity = capacity;
        start = 0;
    }

    void *result = arena->head->data + start;
    arena->used = start + size;
    return result;
}

void *wh_arena_alloc(wh_arena *arena, size_t size)
{
    return allocate(arena, size, alignof(max_align_t));
}

char *wh_arena_strndup(wh_arena *arena, const char *text, size_t length)
{
    if (text == NULL)
        return NULL;
    /* Strings need no alignment, so they pack without padding (most are file paths). */
    char *copy = allocate(arena, length + 1, 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

char *wh_arena_strdup(wh_arena *arena, const char *text)
{
    if (text == NULL)
        return NULL;
    return wh_arena_strndup(arena, text, strlen(text));
}

void wh_arena_release(wh_arena *arena)
{
    wh_arena_block *block = arena->head;
    while (block != NULL) {
        wh_arena_block *next = block->next;
        free(block);
        block = next;
    }
    arena->head = NULL;
    arena->used = 0;
    arena->capacity = 0;
}
