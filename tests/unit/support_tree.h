/*
 * Test helpers for the image writer: layer entries built from a real folder
 * (each regular file is its own content file) and small file writers.
 */
#ifndef WH_TEST_SUPPORT_TREE_H
#define WH_TEST_SUPPORT_TREE_H

#include <stddef.h>

#include "../../core/image.h"

typedef struct test_tree {
    wh_layer_entry *entries; /* strings owned by the tree */
    size_t count;
    size_t capacity;
} test_tree;

/*
 * Scans dir into layer entries named by their path below dir ("/a/b").
 * Files with several links become one regular entry and hardlinks to it.
 * Owners are taken as they are on disk unless root_owned is set, which
 * makes everything 0:0. Returns 0, or -1 with a message on stderr.
 */
int test_tree_load(const char *dir, int root_owned, test_tree *out);

/* Frees what the tree owns; accepts NULL. */
void test_tree_free(test_tree *tree);

/* Writes size bytes of text to dir/name with mode 0644; returns the path (malloc'd). */
char *test_write_text(const char *dir, const char *name, const char *text);

/* Sets entry to a regular file whose content is at content_path, hashing it. */
void test_regular_entry(wh_layer_entry *entry, const char *path, const char *content_path,
                        char sha256_storage[65]);

#endif
