/*
 * An open-addressing hash map from strings to 32-bit values. Keys are not
 * copied: they must outlive the map (the graph keeps them in its arena).
 */
#ifndef WH_STRMAP_H
#define WH_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct wh_strmap_slot {
    const char *key;
    size_t key_length;
    uint64_t hash;
    uint32_t value;
} wh_strmap_slot;

typedef struct wh_strmap {
    wh_strmap_slot *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} wh_strmap;

uint64_t wh_hash_bytes(const void *data, size_t size);

/* Returns the value stored for the key's first key_length bytes, or UINT32_MAX. */
uint32_t wh_strmap_get(const wh_strmap *map, const char *key, size_t key_length);

/* Returns the stored copy of a key that is present (the pointer given to put), or NULL. */
const char *wh_strmap_key(const wh_strmap *map, const char *key, size_t key_length);

/*
 * Stores value for key unless the key is present. Returns 0 and sets
 * *existing to the value already stored (UINT32_MAX when the key was added),
 * or -1 when out of memory.
 */
int wh_strmap_put(wh_strmap *map, const char *key, size_t key_length, uint32_t value,
                  uint32_t *existing);

/* Replaces the value of a key that is present; returns -1 when it is absent. */
int wh_strmap_set(wh_strmap *map, const char *key, size_t key_length, uint32_t value);

/* Frees the slots; accepts an empty map. */
void wh_strmap_release(wh_strmap *map);

#endif
