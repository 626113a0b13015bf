/* Registry client entry points. */
#include "registry.h"

const char *wh_registry_host_architecture(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__i386__)
    return "386";
#elif defined(__arm__)
    return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return "unknown";
#endif
}

wh_status wh_registry_pull(const wh_transport *reference, const char *layout_dir,
                           const wh_registry_options *options, char **manifest_digest,
                           wh_error *err)
{
    (void)layout_dir;
    (void)options;
    (void)manifest_digest;
    return wh_error_set(err, WH_ERR_INVALID, "pulling from %s is not implemented yet",
                        reference->host);
}

wh_status wh_registry_push_layout(const char *layout_dir, const char *tag,
                                  const wh_transport *reference,
                                  const wh_registry_options *options, char **manifest_digest,
                                  wh_error *err)
{
    (void)layout_dir;
    (void)tag;
    (void)options;
    (void)manifest_digest;
    return wh_error_set(err, WH_ERR_INVALID, "pushing to %s is not implemented yet",
                        reference->host);
}
