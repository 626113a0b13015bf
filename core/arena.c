#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (256 * 1024)

struct wh_arena_block {
    wh_arena_block *next;
    alignas(max_align_t) unsigned char data[];
};

void *wh_arena_alloc(wh_arena *arena, size_t size)
{
    size_t align = alignof(max_align_t);
    size_t rounded = (size + align - 1) & ~(align - 1);

    if (arena->head == NULL || arena->capacity - arena->used < rounded) {
        size_t capacity = rounded > BLOCK_SIZE ? rounded : BLOCK_SIZE;
        wh_arena_block *block = malloc(sizeof(*block) + capacity);
        if (block == NULL)
            return NULL;
        block->next = arena->head;
        arena->head = block;
        arena->used = 0;
        arena->capacity = capacity;
    }

    void *result = arena->head->data + arena->used;
    arena->used += rounded;
    return result;
}

char *wh_arena_strndup(wh_arena *arena, const char *text, size_t length)
{
    if (text == NULL)
        return NULL;
    char *copy = wh_arena_alloc(arena, length + 1);
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
