#include "types.h"

#include <string.h>

static const char *const kind_names[WH_KIND_COUNT] = {
    "utility", "library", "data", "base", "application",
};

static const char *const file_type_names[WH_FILE_TYPE_COUNT] = {
    "regular", "directory", "symlink", "hardlink", "device", "fifo",
};

static const char *const flag_names[WH_FLAG_COUNT_] = {
    "static", "static-pie", "dynamic", "script", "shell", "multicall",
    "package-manager", "setuid", "setgid", "capabilities", "world-writable",
    "shared-library",
};

static int parse_name(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

const char *wh_kind_name(wh_kind kind)
{
    if ((unsigned)kind >= WH_KIND_COUNT)
        return NULL;
    return kind_names[kind];
}

int wh_kind_parse(const char *name, wh_kind *out)
{
    int index = parse_name(kind_names, WH_KIND_COUNT, name);
    if (index < 0)
        return -1;
    *out = (wh_kind)index;
    return 0;
}

const char *wh_file_type_name(wh_file_type type)
{
    if ((unsigned)type >= WH_FILE_TYPE_COUNT)
        return NULL;
    return file_type_names[type];
}

int wh_file_type_parse(const char *name, wh_file_type *out)
{
    int index = parse_name(file_type_names, WH_FILE_TYPE_COUNT, name);
    if (index < 0)
        return -1;
    *out = (wh_file_type)index;
    return 0;
}

const char *wh_flag_name(unsigned flag)
{
    for (int i = 0; i < WH_FLAG_COUNT_; i++) {
        if (flag == (1u << i))
            return flag_names[i];
    }
    return NULL;
}
