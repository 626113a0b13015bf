#include "platform.h"

#include <stddef.h>
#include <string.h>

typedef struct platform_architectures {
    const char *oci;          /* GOARCH-style name in the platform string */
    const char *names[5];     /* package architecture names, NULL-terminated */
} platform_architectures;

static const platform_architectures table[] = {
    { "amd64", { "amd64", "x86_64", NULL } },
    { "arm64", { "arm64", "aarch64", NULL } },
    { "arm", { "armhf", "armel", "armv7", "armv6", NULL } },
    { "386", { "i386", "i686", "x86", NULL } },
    { "ppc64le", { "ppc64el", "ppc64le", NULL } },
    { "s390x", { "s390x", NULL } },
    { "riscv64", { "riscv64", NULL } },
    { "mips64le", { "mips64el", NULL } },
    { "loong64", { "loong64", "loongarch64", NULL } },
};

const char *const *wh_platform_architectures(const char *platform)
{
    const char *arch = strchr(platform, '/');
    if (arch == NULL)
        return NULL;
    arch++;
    size_t length = strcspn(arch, "/");

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].oci) == length && strncmp(table[i].oci, arch, length) == 0)
            return table[i].names;
    }
    return NULL;
}

int wh_platform_accepts(const char *platform, const char *architecture)
{
    if (architecture == NULL || architecture[0] == '\0' || strcmp(architecture, "all") == 0
        || strcmp(architecture, "noarch") == 0)
        return 1;

    const char *const *names = wh_platform_architectures(platform);
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], architecture) == 0)
            return 1;
    }
    return 0;
}
