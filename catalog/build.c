/* whc_build: from a spec to a written, verified image and its SBOM. */
#include "build_internal.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

static wh_status evaluate_policy(whc_spec_session *session, const whc_build_options *options,
                                 whc_build_result *result, wh_error *err)
{
    wh_policy *policy = NULL;
    wh_status status = whc_spec_session_policy(session, options->policy, &policy, err);
    if (status != WH_OK)
        return status;

    result->policy_name = strdup(wh_policy_name(policy));
    if (result->policy_name == NULL)
        status = wh_error_set(err, WH_ERR_NOMEM, "out of memory evaluating the policy");
    if (status == WH_OK)
        status = wh_policy_evaluate(policy, session->composition, &session->context,
                                    &result->findings, err);
    if (status == WH_OK && result->findings.errors > 0 && !options->allow_violations)
        status = wh_error_set(err, WH_ERR_POLICY,
                              "%s: policy %s reports %zu error finding%s; fix them, or build "
                              "anyway with --allow-violations",
                              wh_spec_source(session->spec), result->policy_name,
                              result->findings.errors, result->findings.errors == 1 ? "" : "s");
    wh_policy_free(policy);
    return status;
}

/* The spec file's name without its folder and ".json", as the SBOM's image name. */
static char *default_image_name(const wh_spec *spec)
{
    char *copy = strdup(wh_spec_source(spec));
    if (copy == NULL)
        return NULL;
    char *name = strdup(basename(copy));
    free(copy);
    if (name == NULL)
        return NULL;
    size_t length = strlen(name);
    if (length > 5 && strcmp(name + length - 5, ".json") == 0)
        name[length - 5] = '\0';
    return name;
}

static wh_status write_sbom(const wh_spec *spec, const whc_build_options *options,
                            const whc_build_plan *plan, const whc_build_result *result,
                            wh_error *err)
{
    char *name = options->image_name ? strdup(options->image_name) : default_image_name(spec);
    if (name == NULL)
        return wh_error_set(err, WH_ERR_NOMEM, "out of memory writing the SBOM");

    wh_sbom_input input = { name, result->manifest_digest, result->epoch, plan->sbom,
                            plan->sbom_count };
    wh_status status = wh_sbom_write(&input, options->sbom_path, err);
    if (status != WH_OK)
        wh_error_prefix(err, "the image was written as %s, but its SBOM was not",
                        result->manifest_digest);
    free(name);
    return status;
}

wh_status whc_build(whc_catalog *catalog, const wh_spec *spec, const char *destination,
                    const whc_build_options *options, whc_build_result *result, wh_error *err)
{
    static const whc_build_options defaults = { 0 };
    whc_spec_session *session = NULL;
    whc_build_plan *plan = NULL;
    wh_image_result image = { 0 };
    wh_status status;

    if (options == NULL)
        options = &defaults;
    memset(result, 0, sizeof(*result));

    status = whc_build_epoch(spec, &result->epoch, err);
    if (status == WH_OK)
        status = whc_spec_session_open(catalog, spec, &session, err);
    if (status == WH_OK)
        status = whc_spec_session_check_lock(session, err);
    if (status == WH_OK)
        status = evaluate_policy(session, options, result, err);
    if (status != WH_OK)
        goto out;

    whc_layering layering = options->layering;
    if (layering == WHC_LAYERS_FROM_SPEC)
        layering = session->view->layers_per_component ? WHC_LAYERS_PER_COMPONENT
                                                       : WHC_LAYERS_SINGLE;
    status = whc_build_plan_new(session, layering, result->epoch, options->note,
                                options->note_context, &plan, err);
    if (status != WH_OK)
        goto out;

    int level = options->compression_level;
    if (level == 0)
        level = session->view->compression_level;
    wh_image_options image_options = { .epoch = result->epoch, .threads = options->threads,
                                       .gzip_level = level,
                                       .progress = options->progress,
                                       .progress_context = options->progress_context };
    status = wh_image_write(destination, plan->inputs, plan->layer_count, &plan->config,
                            &image_options, &image, err);
    if (status != WH_OK)
        goto out;

    memcpy(result->manifest_digest, image.manifest_digest, sizeof(result->manifest_digest));
    memcpy(result->config_digest, image.config_digest, sizeof(result->config_digest));
    result->layers = image.layers;
    result->layer_count = image.layer_count;
    image.layers = NULL;
    image.layer_count = 0;
    result->file_count = plan->file_count;

    if (options->sbom_path != NULL)
        status = write_sbom(spec, options, plan, result, err);

out:
    wh_image_result_free(&image);
    whc_build_plan_free(plan);
    whc_spec_session_close(session);
    return status;
}

void whc_build_result_free(whc_build_result *result)
{
    if (result == NULL)
        return;
    free(result->layers);
    wh_findings_clear(&result->findings);
    free(result->policy_name);
    memset(result, 0, sizeof(*result));
}
