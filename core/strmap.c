#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/*
 * Reads eight bytes at a time, multiplying after each, and mixes the end
 * state with MurmurHash3's 64-bit finalizer so that the low bits, which
 * pick the slot, depend on every input byte. Not for untrusted keys that
 * an attacker chooses to collide.
 */
uint64_t wh_hash_bytes(const void *data, size_t size)
{
    const unsigned char *bytes = data;
    uint64_t hash = 0x9e3779b97f4a7c15ull ^ (size * 0xff51afd7ed558ccdull);
    while (size >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        hash = (hash ^ word) * 0x100000001b3ull;
        hash ^= hash >> 29;
        bytes += 8;
        size -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, bytes, size);
    hash ^= tail;

    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ull;
    hash ^= hash >> 33;
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

const char *wh_strmap_key(const wh_strmap *map, const char *key, size_t key_length)
{
    if (map->capacity == 0)
        return NULL;
    return find_slot(map, key, key_length, wh_hash_bytes(key, key_length))->key;
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
