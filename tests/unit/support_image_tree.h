/*
 * Test helpers for the image writer: layer entries built from a real folder
 * (each regular file is its own content file) and small file writers.
 */
#ifndef WH_TEST_SUPPORT_IMAGE_TREE_H
#define WH_TEST_SUPPORT_IMAGE_TREE_H

#include <stddef.h>

#include "../../core/image.h"

typedef struct image_tree {
    wh_layer_entry *entries; /* strings owned by the tree */
    size_t count;
    size_t capacity;
} image_tree;

/*
 * Scans dir into layer entries named by their path below dir ("/a/b").
 * Files with several links become one regular entry and hardlinks to it.
 * Owners are taken as they are on disk unless root_owned is set, which
 * makes everything 0:0. Returns 0, or -1 with a message on stderr.
 */
int image_tree_load(const char *dir, int root_owned, image_tree *out);

/* Frees what the tree owns; accepts NULL. */
void image_tree_free(image_tree *tree);

/* Writes text to dir/name with mode 0644. Returns the path (malloc'd), or NULL. */
char *test_write_text(const char *dir, const char *name, const char *text);

/* Fills entry as a 0644 regular file whose content is at content_path, hashing that file. */
void test_regular_entry(wh_layer_entry *entry, const char *path, const char *content_path,
                        char sha256_storage[65]);

#endif
