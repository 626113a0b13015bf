#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64-bit: short keys (paths, sonames), no need for more. */
uint64_t wh_hash_bytes(const void *data, size_t size)
{
    const unsigned char *bytes = data;
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

static wh_strmap_slot *find_slot(const wh_strmap *map, const char *key, size_t key_length,
                                 uint64_t hash)
{
    size_t mask = map->capacity - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        wh_strmap_slot *slot = &map->slots[i];
        if (slot->key == NULL)
            return slot;
        if (slot->hash == hash && slot->key_length == key_length
            && memcmp(slot->key, key, key_length) == 0)
            return slot;
    }
}

static int grow(wh_strmap *map)
{
    size_t capacity = map->capacity ? map->capacity * 2 : 64;
    wh_strmap_slot *slots = calloc(capacity, sizeof(*slots));
    if (slots == NULL)
        return -1;

    wh_strmap old = *map;
    map->slots = slots;
    map->capacity = capacity;
    for (size_t i = 0; i < old.capacity; i++) {
        if (old.slots[i].key != NULL)
            *find_slot(map, old.slots[i].key, old.slots[i].key_length, old.slots[i].hash)
                = old.slots[i];
    }
    free(old.slots);
    return 0;
}

uint32_t wh_strmap_get(const wh_strmap *map, const char *key, size_t key_length)
{
    if (map->capacity == 0)
        return UINT32_MAX;
    wh_strmap_slot *slot = find_slot(map, key, key_length, wh_hash_bytes(key, key_length));
    return slot->key ? slot->value : UINT32_MAX;
}

int wh_strmap_put(wh_strmap *map, const char *key, size_t key_length, uint32_t value,
                  uint32_t *existing)
{
    if ((map->count + 1) * 4 > map->capacity * 3 && grow(map) != 0)
        return -1;

    uint64_t hash = wh_hash_bytes(key, key_length);
    wh_strmap_slot *slot = find_slot(map, key, key_length, hash);
    if (slot->key != NULL) {
        *existing = slot->value;
        return 0;
    }
    slot->key = key;
    slot->key_length = key_length;
    slot->hash = hash;
    slot->value = value;
    map->count++;
    *existing = UINT32_MAX;
    return 0;
}

int wh_strmap_set(wh_strmap *map, const char *key, size_t key_length, uint32_t value)
{
    if (map->capacity == 0)
        return -1;
    wh_strmap_slot *slot = find_slot(map, key, key_length, wh_hash_bytes(key, key_length));
    if (slot->key == NULL)
        return -1;
    slot->value = value;
    return 0;
}

void wh_strmap_release(wh_strmap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->capacity = 0;
    map->count = 0;
}
