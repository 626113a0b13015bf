#include "support_image_tree.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/digest.h"

typedef struct inode_name {
    dev_t dev;
    ino_t ino;
    char *path;
} inode_name;

typedef struct scan {
    const char *root;
    int root_owned;
    image_tree *tree;
    inode_name *inodes;
    size_t inode_count;
    size_t inode_capacity;
} scan;

static wh_layer_entry *next_entry(image_tree *tree)
{
    if (tree->count == tree->capacity) {
        size_t capacity = tree->capacity ? tree->capacity * 2 : 256;
        wh_layer_entry *entries = realloc(tree->entries, capacity * sizeof(*entries));
        if (entries == NULL)
            return NULL;
        tree->entries = entries;
        tree->capacity = capacity;
    }
    wh_layer_entry *entry = &tree->entries[tree->count++];
    memset(entry, 0, sizeof(*entry));
    return entry;
}

/* Returns the first image path seen for a multiply linked file, remembering this one. */
static const char *first_link(scan *state, const struct stat *info, const char *image_path)
{
    for (size_t i = 0; i < state->inode_count; i++) {
        if (state->inodes[i].dev == info->st_dev && state->inodes[i].ino == info->st_ino)
            return state->inodes[i].path;
    }
    if (state->inode_count == state->inode_capacity) {
        state->inode_capacity = state->inode_capacity ? state->inode_capacity * 2 : 16;
        state->inodes = realloc(state->inodes, state->inode_capacity * sizeof(*state->inodes));
    }
    state->inodes[state->inode_count++] =
        (inode_name){.dev = info->st_dev, .ino = info->st_ino, .path = strdup(image_path)};
    return NULL;
}

static int add_path(scan *state, const char *disk_path, const char *image_path)
{
    struct stat info;
    if (lstat(disk_path, &info) != 0) {
        fprintf(stderr, "cannot stat %s: %s\n", disk_path, strerror(errno));
        return -1;
    }
    wh_layer_entry *entry = next_entry(state->tree);
    if (entry == NULL)
        return -1;
    entry->path = strdup(image_path);
    entry->mode = info.st_mode;
    entry->uid = state->root_owned ? 0 : info.st_uid;
    entry->gid = state->root_owned ? 0 : info.st_gid;

    if (S_ISDIR(info.st_mode)) {
        entry->type = WH_FILE_DIRECTORY;
    } else if (S_ISLNK(info.st_mode)) {
        char target[4096];
        ssize_t length = readlink(disk_path, target, sizeof(target) - 1);
        target[length > 0 ? length : 0] = '\0';
        entry->type = WH_FILE_SYMLINK;
        entry->link_target = strdup(target);
    } else if (S_ISREG(info.st_mode)) {
        const char *first = info.st_nlink > 1 ? first_link(state, &info, image_path) : NULL;
        if (first != NULL) {
            entry->type = WH_FILE_HARDLINK;
            entry->link_target = strdup(first);
            return 0;
        }
        char *hex = malloc(WH_SHA256_HEX_LEN + 1);
        if (hex == NULL || wh_sha256_file_hex(disk_path, hex, NULL) != WH_OK) {
            fprintf(stderr, "cannot hash %s\n", disk_path);
            free(hex);
            return -1;
        }
        entry->type = WH_FILE_REGULAR;
        entry->size = (uint64_t)info.st_size;
        entry->sha256 = hex;
        entry->content_path = strdup(disk_path);
    } else if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) {
        entry->type = WH_FILE_DEVICE;
        entry->rdev = info.st_rdev;
    } else if (S_ISFIFO(info.st_mode)) {
        entry->type = WH_FILE_FIFO;
    } else {
        state->tree->count--;
        free((char *)entry->path);
    }
    return 0;
}

static int walk(scan *state, const char *disk_dir, const char *image_dir)
{
    DIR *folder = opendir(disk_dir);
    if (folder == NULL) {
        fprintf(stderr, "cannot list %s: %s\n", disk_dir, strerror(errno));
        return -1;
    }
    int status = 0;
    struct dirent *item;
    while (status == 0 && (item = readdir(folder)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        size_t disk_length = strlen(disk_dir) + strlen(item->d_name) + 2;
        size_t image_length = strlen(image_dir) + strlen(item->d_name) + 2;
        char *disk_path = malloc(disk_length);
        char *image_path = malloc(image_length);
        snprintf(disk_path, disk_length, "%s/%s", disk_dir, item->d_name);
        snprintf(image_path, image_length, "%s/%s", image_dir, item->d_name);
        status = add_path(state, disk_path, image_path);
        struct stat info;
        if (status == 0 && lstat(disk_path, &info) == 0 && S_ISDIR(info.st_mode))
            status = walk(state, disk_path, image_path);
        free(disk_path);
        free(image_path);
    }
    closedir(folder);
    return status;
}

int image_tree_load(const char *dir, int root_owned, image_tree *out)
{
    memset(out, 0, sizeof(*out));
    scan state = {.root = dir, .root_owned = root_owned, .tree = out};
    int status = walk(&state, dir, "");
    for (size_t i = 0; i < state.inode_count; i++)
        free(state.inodes[i].path);
    free(state.inodes);
    if (status != 0)
        image_tree_free(out);
    return status;
}

void image_tree_free(image_tree *tree)
{
    if (tree == NULL)
        return;
    for (size_t i = 0; i < tree->count; i++) {
        free((char *)tree->entries[i].path);
        free((char *)tree->entries[i].link_target);
        free((char *)tree->entries[i].sha256);
        free((char *)tree->entries[i].content_path);
    }
    free(tree->entries);
    memset(tree, 0, sizeof(*tree));
}

char *test_write_text(const char *dir, const char *name, const char *text)
{
    size_t length = strlen(dir) + strlen(name) + 2;
    char *path = malloc(length);
    if (path == NULL)
        return NULL;
    snprintf(path, length, "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        free(path);
        return NULL;
    }
    fputs(text, file);
    fclose(file);
    chmod(path, 0644);
    return path;
}

void test_regular_entry(wh_layer_entry *entry, const char *path, const char *content_path,
                        char sha256_storage[65])
{
    struct stat info;
    memset(entry, 0, sizeof(*entry));
    if (stat(content_path, &info) != 0 ||
        wh_sha256_file_hex(content_path, sha256_storage, NULL) != WH_OK)
        sha256_storage[0] = '\0';
    entry->path = path;
    entry->type = WH_FILE_REGULAR;
    entry->mode = S_IFREG | 0644;
    entry->size = (uint64_t)info.st_size;
    entry->sha256 = sha256_storage;
    entry->content_path = content_path;
}
