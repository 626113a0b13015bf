#include "sbom.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "image_internal.h"

#define NOASSERTION "NOASSERTION"

/* A component or file with its position in the sorted output. */
typedef struct sorted_file {
    const wh_sbom_file *file;
    size_t component;
} sorted_file;

static wh_status no_memory(wh_error *err)
{
    return wh_error_set(err, WH_ERR_NOMEM, "out of memory building the SBOM");
}

static const char *or_noassertion(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : NOASSERTION;
}

static int compare_components(const void *left, const void *right)
{
    const wh_sbom_component *a = *(const wh_sbom_component *const *)left;
    const wh_sbom_component *b = *(const wh_sbom_component *const *)right;
    int order = strcmp(a->name, b->name);
    return order != 0 ? order : strcmp(or_noassertion(a->version), or_noassertion(b->version));
}

static int compare_files(const void *left, const void *right)
{
    const sorted_file *a = left;
    const sorted_file *b = right;
    int order = strcmp(a->file->path, b->file->path);
    if (order != 0)
        return order;
    return a->component < b->component ? -1 : a->component > b->component;
}

/* Computes SHA1 and SHA256 of a file in one read, checking the SHA256. */
static wh_status file_sha1(const wh_sbom_file *file, char sha1[41], wh_error *err)
{
    wh_status result = WH_OK;
    static const char digits[] = "0123456789abcdef";
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    wh_sha256 *sha256 = wh_sha256_new();
    int fd = open(file->content_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot open %s, the content of %s: %s",
                              file->content_path, file->path, strerror(errno));
        goto out;
    }
    if (context == NULL || sha256 == NULL || EVP_DigestInit_ex(context, EVP_sha1(), NULL) != 1) {
        result = no_memory(err);
        goto out;
    }

    unsigned char buffer[1 << 16];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof(buffer))) > 0) {
        EVP_DigestUpdate(context, buffer, (size_t)got);
        wh_sha256_update(sha256, buffer, (size_t)got);
    }
    if (got < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot read %s: %s", file->content_path,
                              strerror(errno));
        goto out;
    }

    char hex[WH_SHA256_HEX_LEN + 1];
    wh_sha256_final_hex(sha256, hex);
    if (strcmp(hex, file->sha256) != 0) {
        result = wh_error_set(err, WH_ERR_DIGEST, "%s: its content file %s has sha256 %s, "
                              "expected %s", file->path, file->content_path, hex, file->sha256);
        goto out;
    }
    unsigned char bytes[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context, bytes, &length);
    for (unsigned int i = 0; i < length && i < 20; i++) {
        sha1[2 * i] = digits[bytes[i] >> 4];
        sha1[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    sha1[40] = '\0';

out:
    if (fd >= 0)
        close(fd);
    EVP_MD_CTX_free(context);
    wh_sha256_free(sha256);
    return result;
}

static json_t *checksum(const char *algorithm, const char *value)
{
    return json_pack("{s:s, s:s}", "algorithm", algorithm, "checksumValue", value);
}

static int add_relationship(json_t *list, const char *from, const char *type, const char *to)
{
    return json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "spdxElementId", from,
                                                 "relationshipType", type,
                                                 "relatedSpdxElement", to));
}

static wh_status check_input(const wh_sbom_input *input, wh_error *err)
{
    if (input->image_name == NULL || input->image_name[0] == '\0')
        return wh_error_set(err, WH_ERR_INVALID, "the SBOM needs an image name");
    if (input->image_digest == NULL || strncmp(input->image_digest, "sha256:", 7) != 0 ||
        !wh_sha256_hex_valid(input->image_digest + 7))
        return wh_error_set(err, WH_ERR_INVALID, "invalid image digest \"%s\": expected "
                            "sha256: and 64 lowercase hex digits",
                            input->image_digest != NULL ? input->image_digest : "(none)");
    for (size_t i = 0; i < input->component_count; i++) {
        const wh_sbom_component *component = &input->components[i];
        if (component->name == NULL || component->name[0] == '\0')
            return wh_error_set(err, WH_ERR_INVALID, "SBOM component %zu has no name", i);
        if (component->origin_sha256 != NULL && !wh_sha256_hex_valid(component->origin_sha256))
            return wh_error_set(err, WH_ERR_INVALID, "component %s has an invalid origin "
                                "sha256 \"%s\"", component->name, component->origin_sha256);
        for (size_t j = 0; j < component->file_count; j++) {
            const wh_sbom_file *file = &component->files[j];
            if (file->path == NULL || file->path[0] != '/' || !wh_sha256_hex_valid(file->sha256))
                return wh_error_set(err, WH_ERR_INVALID, "component %s: file %zu needs an "
                                    "absolute path and a sha256 of 64 hex digits",
                                    component->name, j);
        }
    }
    return WH_OK;
}

/* Adds the image package and the component packages; ids are "SPDXRef-Package-N". */
static wh_status add_packages(const wh_sbom_input *input, const wh_sbom_component **components,
                              json_t *packages, json_t *relationships, wh_error *err)
{
    char purl[1024];
    snprintf(purl, sizeof(purl), "pkg:oci/%s@%s", input->image_name, input->image_digest);
    json_t *image = json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:[o]}", "SPDXID", "SPDXRef-Image", "name",
        input->image_name, "versionInfo", input->image_digest, "downloadLocation", NOASSERTION,
        "filesAnalyzed", 0, "licenseConcluded", NOASSERTION, "licenseDeclared", NOASSERTION,
        "primaryPackagePurpose", "CONTAINER", "externalRefs",
        json_pack("{s:s, s:s, s:s}", "referenceCategory", "PACKAGE-MANAGER", "referenceType",
                  "purl", "referenceLocator", purl));
    if (image == NULL || json_array_append_new(packages, image) != 0 ||
        add_relationship(relationships, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image") != 0)
        return no_memory(err);

    for (size_t i = 0; i < input->component_count; i++) {
        const wh_sbom_component *component = components[i];
        char id[64];
        snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
        json_t *package = json_pack(
            "{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "SPDXID", id, "name", component->name,
            "versionInfo", or_noassertion(component->version), "downloadLocation", NOASSERTION,
            "filesAnalyzed", 0, "licenseConcluded", NOASSERTION, "licenseDeclared",
            or_noassertion(component->license), "copyrightText", NOASSERTION);
        if (package == NULL)
            return wh_error_set(err, WH_ERR_INVALID, "component %zu has text that is not valid "
                                "UTF-8", i);
        if (component->origin_sha256 != NULL &&
            json_object_set_new(package, "checksums",
                                json_pack("[o]", checksum("SHA256", component->origin_sha256))) != 0)
            return no_memory(err);
        if (json_array_append_new(packages, package) != 0 ||
            add_relationship(relationships, "SPDXRef-Image", "CONTAINS", id) != 0)
            return no_memory(err);
    }
    return WH_OK;
}

/* Adds every file, sorted by path, with "SPDXRef-File-N" ids. */
static wh_status add_files(const wh_sbom_input *input, const wh_sbom_component **components,
                           json_t *files, json_t *relationships, wh_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < input->component_count; i++)
        total += components[i]->file_count;
    sorted_file *order = malloc((total > 0 ? total : 1) * sizeof(*order));
    if (order == NULL)
        return no_memory(err);
    size_t count = 0;
    for (size_t i = 0; i < input->component_count; i++) {
        for (size_t j = 0; j < components[i]->file_count; j++)
            order[count++] = (sorted_file){&components[i]->files[j], i};
    }
    qsort(order, count, sizeof(*order), compare_files);

    wh_status result = WH_OK;
    for (size_t i = 0; i < count && result == WH_OK; i++) {
        const wh_sbom_file *file = order[i].file;
        char id[64];
        char owner[64];
        snprintf(id, sizeof(id), "SPDXRef-File-%zu", i + 1);
        snprintf(owner, sizeof(owner), "SPDXRef-Package-%zu", order[i].component + 1);

        json_t *sums = json_pack("[o]", checksum("SHA256", file->sha256));
        if (sums != NULL && file->content_path != NULL) {
            char sha1[41];
            result = file_sha1(file, sha1, err);
            if (result == WH_OK && json_array_append_new(sums, checksum("SHA1", sha1)) != 0)
                result = no_memory(err);
        }
        /* SPDX file names are relative to the package root: "./usr/bin/tini". */
        char *name = malloc(strlen(file->path) + 2);
        if (name != NULL)
            snprintf(name, strlen(file->path) + 2, ".%s", file->path);
        json_t *entry = name != NULL ? json_pack("{s:s, s:s, s:o, s:s, s:s}", "SPDXID", id,
                                                 "fileName", name, "checksums", json_incref(sums),
                                                 "licenseConcluded", NOASSERTION,
                                                 "copyrightText", NOASSERTION)
                                     : NULL;
        json_decref(sums);
        free(name);
        if (result == WH_OK && (entry == NULL || json_array_append_new(files, entry) != 0 ||
                                add_relationship(relationships, owner, "CONTAINS", id) != 0))
            result = wh_error_set(err, WH_ERR_INVALID, "cannot add %s to the SBOM: out of "
                                  "memory, or the path is not valid UTF-8", file->path);
        else if (result != WH_OK)
            json_decref(entry);
    }
    free(order);
    return result;
}

wh_status wh_sbom_build(const wh_sbom_input *input, char **text, size_t *size, wh_error *err)
{
    wh_status result = check_input(input, err);
    const wh_sbom_component **components = NULL;
    json_t *document = NULL;
    *text = NULL;
    if (result != WH_OK)
        return result;

    char created[32];
    result = wh_image_rfc3339(input->created, created, err);
    if (result != WH_OK)
        return result;

    components = malloc((input->component_count + 1) * sizeof(*components));
    if (components == NULL)
        return no_memory(err);
    for (size_t i = 0; i < input->component_count; i++)
        components[i] = &input->components[i];
    qsort(components, input->component_count, sizeof(*components), compare_components);

    char namespace[256];
    snprintf(namespace, sizeof(namespace), "https://spdx.org/spdxdocs/whittle-image-%s",
             input->image_digest + 7);
    json_t *packages = json_array();
    json_t *files = json_array();
    json_t *relationships = json_array();
    document = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o, s:o}",
                         "spdxVersion", "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID",
                         "SPDXRef-DOCUMENT", "name", input->image_name, "documentNamespace",
                         namespace, "creationInfo", "created", created, "creators",
                         "Tool: whittle-" WHITTLE_VERSION, "packages", packages, "files", files,
                         "relationships", relationships);
    if (document == NULL) {
        result = wh_error_set(err, WH_ERR_INVALID, "cannot start the SBOM: out of memory, or "
                              "the image name is not valid UTF-8");
        goto out;
    }
    result = add_packages(input, components, packages, relationships, err);
    if (result == WH_OK)
        result = add_files(input, components, files, relationships, err);
    if (result == WH_OK)
        result = wh_image_json_dump(document, text, size, err);

out:
    json_decref(document);
    free(components);
    return result;
}

wh_status wh_sbom_write(const wh_sbom_input *input, const char *path, wh_error *err)
{
    char *text = NULL;
    size_t size = 0;
    char *temp = NULL;
    wh_status result = wh_sbom_build(input, &text, &size, err);
    if (result != WH_OK)
        return result;

    size_t length = strlen(path) + sizeof(".tmp-XXXXXX");
    temp = malloc(length);
    if (temp == NULL) {
        result = no_memory(err);
        goto out;
    }
    snprintf(temp, length, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot create a temporary file beside %s: %s",
                              path, strerror(errno));
        goto out;
    }
    int failed = fchmod(fd, 0644) != 0 || write(fd, text, size) != (ssize_t)size;
    failed |= close(fd) != 0;
    if (failed || rename(temp, path) != 0) {
        result = wh_error_set(err, WH_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        unlink(temp);
    }

out:
    free(temp);
    free(text);
    return result;
}
