/*
 * Writes a synthetic root filesystem for the import benchmark: folders one
 * to four levels deep holding files of a few bytes to 40 MiB until the
 * requested total is reached. About 15% of the files start with an ELF
 * header and 25% are text, a quarter of them scripts with #!. The rest are
 * random bytes. 5% repeat the content of an earlier file, so the store has
 * something to deduplicate, and 2% of the entries are symlinks. The same
 * seed gives the same tree, byte for byte.
 *
 * Usage: gen_tree DIR [TOTAL_MIB [SEED]]   (default 1024 MiB, seed 7)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_common.h"

#define WRITE_BUFFER_SIZE (1024 * 1024)
#define FOLDER_COUNT 400
#define MAX_FILES 200000

typedef enum content_kind { CONTENT_BINARY, CONTENT_ELF, CONTENT_TEXT, CONTENT_SCRIPT } content_kind;

/* What a file's content is made from, so that a duplicate can write it again. */
typedef struct content_recipe {
    uint64_t seed;
    uint64_t size;
    content_kind kind;
} content_recipe;

static const char *const words[] = {
    "the", "image", "layer", "static", "binary", "catalog", "component", "policy",
    "digest", "library", "config", "file", "path", "version", "build", "spec",
};

static void die(const char *action, const char *path)
{
    fprintf(stderr, "gen_tree: %s %s: %s\n", action, path, strerror(errno));
    exit(2);
}

/*
 * A size in [low, high): low doubles with probability 2/3 per step, so the
 * sizes spread over the orders of magnitude with more of them small.
 */
static uint64_t size_in_range(uint64_t *state, uint64_t low, uint64_t high)
{
    uint64_t size = low;
    while (size * 2 < high && bench_below(state, 3) != 0)
        size *= 2;
    return size + bench_random(state) % size;
}

/* 60% up to 16 KiB, 32% up to 1 MiB, 7.5% up to 8 MiB, 0.5% up to 40 MiB. */
static uint64_t pick_size(uint64_t *state)
{
    uint32_t roll = bench_below(state, 1000);
    if (roll < 600)
        return size_in_range(state, 8, 16 * 1024);
    if (roll < 920)
        return size_in_range(state, 16 * 1024, 1024 * 1024);
    if (roll < 995)
        return size_in_range(state, 1024 * 1024, 8 * 1024 * 1024);
    return size_in_range(state, 8 * 1024 * 1024, 40 * 1024 * 1024);
}

static content_kind pick_kind(uint64_t *state)
{
    uint32_t roll = bench_below(state, 100);
    if (roll < 15)
        return CONTENT_ELF;
    if (roll < 34)
        return CONTENT_TEXT;
    if (roll < 40)
        return CONTENT_SCRIPT;
    return CONTENT_BINARY;
}

/* Fills buffer[0..size) with the next bytes of the recipe's content. */
static void fill(const content_recipe *recipe, uint64_t *state, unsigned char *buffer,
                 size_t size)
{
    if (recipe->kind == CONTENT_TEXT || recipe->kind == CONTENT_SCRIPT) {
        for (size_t i = 0; i < size;) {
            const char *word = words[bench_below(state, sizeof(words) / sizeof(words[0]))];
            for (size_t j = 0; word[j] != '\0' && i < size; j++)
                buffer[i++] = (unsigned char)word[j];
            if (i < size)
                buffer[i++] = bench_below(state, 8) == 0 ? '\n' : ' ';
        }
        return;
    }
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t value = bench_random(state);
        memcpy(buffer + i, &value, 8);
    }
    for (; i < size; i++)
        buffer[i] = (unsigned char)bench_random(state);
}

/* Overwrites the start of the content with an x86-64 ELF header or a #! line. */
static void write_magic(content_kind kind, unsigned char *buffer, size_t size)
{
    static const unsigned char elf_header[20] = {
        0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        3, 0 /* ET_DYN */, 62, 0 /* EM_X86_64 */,
    };
    static const char shebang[] = "#!/bin/sh\n";

    if (kind == CONTENT_ELF)
        memcpy(buffer, elf_header, size < sizeof(elf_header) ? size : sizeof(elf_header));
    else if (kind == CONTENT_SCRIPT)
        memcpy(buffer, shebang, size < sizeof(shebang) - 1 ? size : sizeof(shebang) - 1);
}

static void write_file(const char *path, const content_recipe *recipe, unsigned char *buffer)
{
    mode_t mode = recipe->kind == CONTENT_ELF || recipe->kind == CONTENT_SCRIPT ? 0755 : 0644;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        die("cannot create", path);

    uint64_t state = recipe->seed;
    uint64_t left = recipe->size;
    int first = 1;
    while (left > 0) {
        size_t chunk = left < WRITE_BUFFER_SIZE ? (size_t)left : WRITE_BUFFER_SIZE;
        fill(recipe, &state, buffer, chunk);
        if (first)
            write_magic(recipe->kind, buffer, chunk);
        first = 0;
        if (write(fd, buffer, chunk) != (ssize_t)chunk)
            die("cannot write", path);
        left -= chunk;
    }
    if (close(fd) != 0)
        die("cannot close", path);
}

/* Creates DIR/dNN/dNN... for every folder index and stores the paths. */
static void make_folders(const char *root, uint64_t *state, char folders[][64])
{
    for (int i = 0; i < FOLDER_COUNT; i++) {
        int depth = 1 + (int)bench_below(state, 4);
        char relative[64] = "";
        size_t length = 0;
        for (int level = 0; level < depth; level++)
            length += (size_t)snprintf(relative + length, sizeof(relative) - length, "/d%02u",
                                       bench_below(state, level == 0 ? 6 : 8));
        snprintf(folders[i], 64, "%s", relative);

        char path[4096];
        length = (size_t)snprintf(path, sizeof(path), "%s", root);
        for (const char *part = relative; *part != '\0';) {
            const char *next = strchr(part + 1, '/');
            size_t part_length = next ? (size_t)(next - part) : strlen(part);
            length += (size_t)snprintf(path + length, sizeof(path) - length, "%.*s",
                                       (int)part_length, part);
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                die("cannot create", path);
            part += part_length;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: gen_tree DIR [TOTAL_MIB [SEED]]\n");
        return 2;
    }
    const char *root = argv[1];
    uint64_t total = (argc > 2 ? strtoull(argv[2], NULL, 10) : 1024) * 1024 * 1024;
    uint64_t state = argc > 3 ? strtoull(argv[3], NULL, 10) : 7;
    if (state == 0)
        state = 7; /* xorshift never leaves zero */
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        die("cannot create", root);

    static char folders[FOLDER_COUNT][64];
    make_folders(root, &state, folders);

    content_recipe *recipes = calloc(MAX_FILES, sizeof(*recipes));
    unsigned char *buffer = malloc(WRITE_BUFFER_SIZE);
    if (recipes == NULL || buffer == NULL) {
        fprintf(stderr, "gen_tree: out of memory\n");
        return 2;
    }

    uint64_t written = 0;
    size_t files = 0, duplicates = 0, symlinks = 0;
    char path[4096];
    for (size_t index = 0; written < total && files < MAX_FILES; index++) {
        const char *folder = folders[bench_below(&state, FOLDER_COUNT)];
        snprintf(path, sizeof(path), "%s%s/f%zu", root, folder, index);
        uint32_t roll = bench_below(&state, 100);

        if (roll < 2 && files > 0) {
            char target[96];
            snprintf(target, sizeof(target), "f%zu", index - 1);
            if (symlink(target, path) != 0)
                die("cannot create", path);
            symlinks++;
            continue;
        }

        content_recipe recipe;
        if (roll < 7 && files > 0) {
            recipe = recipes[bench_below(&state, (uint32_t)files)];
            duplicates++;
        } else {
            recipe = (content_recipe){ bench_random(&state) | 1, pick_size(&state),
                                       pick_kind(&state) };
        }
        if (written + recipe.size > total)
            recipe.size = total - written;
        write_file(path, &recipe, buffer);
        recipes[files++] = recipe;
        written += recipe.size;
    }

    printf("gen_tree: %s: %zu files (%zu repeat earlier content), %zu symlinks, %d folders, "
           "%.0f MiB\n", root, files, duplicates, symlinks, FOLDER_COUNT,
           (double)written / (1024 * 1024));
    free(recipes);
    free(buffer);
    return 0;
}
