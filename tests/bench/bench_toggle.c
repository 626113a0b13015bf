/*
 * Measures what the composer does after every key press: toggle one
 * component, resolve, total the sizes and evaluate the strict policy.
 * Loads the catalog at DB_PATH, selects 20 random utilities, excludes
 * documentation and man pages, then runs TOGGLES random toggles and prints
 * the median and 99th percentile per toggle, and of computing the impact of
 * toggling another random component. As a baseline measured in the
 * same run, it times one linear pass over every file of the graph in
 * memory (reading size and flags), so the figures also read as ratios.
 *
 * Usage: bench_toggle DB_PATH [TOGGLES]
 * BENCH_POLICY=none|baseline|strict selects the profile (default strict).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../catalog/graph_load.h"
#include "../../core/compose.h"
#include "../../core/policy.h"
#include "bench_common.h"

static void check(wh_status status, const wh_error *err)
{
    if (status != WH_OK) {
        fprintf(stderr, "bench_toggle: %s\n", err->message);
        exit(2);
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double da = *(const double *)a, db = *(const double *)b;
    return (da > db) - (da < db);
}

static double percentile(double *sorted, int count, double fraction)
{
    int index = (int)(fraction * (count - 1) + 0.5);
    return sorted[index];
}

/* One pass over all files, the cheapest possible "look at everything". */
static double linear_pass_ms(const wh_graph *graph, volatile uint64_t *sink)
{
    double start = bench_now_ms();
    uint64_t total = 0;
    uint32_t count = wh_graph_file_count(graph);
    for (uint32_t f = 0; f < count; f++) {
        const wh_graph_file *file = wh_graph_file_at(graph, f);
        total += (uint64_t)file->size ^ file->flags;
    }
    *sink += total;
    return bench_now_ms() - start;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "Usage: bench_toggle DB_PATH [TOGGLES]\n");
        return 2;
    }
    int toggles = argc > 2 ? atoi(argv[2]) : 200;
    if (toggles < 10) {
        fprintf(stderr, "bench_toggle: use at least 10 toggles\n");
        return 2;
    }

    wh_error err = { 0 };
    whc_catalog *catalog = NULL;
    wh_graph *graph = NULL;
    wh_composition *composition = NULL;
    wh_policy *policy = NULL;

    double start = bench_now_ms();
    check(whc_open(argv[1], &catalog, &err), &err);
    check(wh_graph_new(&graph, &err), &err);
    check(whc_graph_load(catalog, graph, &err), &err);
    double loaded = bench_now_ms();
    check(wh_graph_finish(graph, &err), &err);
    double finished = bench_now_ms();

    check(wh_composition_new(graph, &composition, &err), &err);
    const char *excluded[] = { "/usr/share/doc/**", "/usr/share/man/**" };
    check(wh_composition_set_exclude_paths(composition, excluded, 2, &err), &err);
    const char *profile = getenv("BENCH_POLICY") ? getenv("BENCH_POLICY") : "strict";
    check(wh_policy_profile(profile, &policy, &err), &err);
    wh_policy_user user = { "app", 65532 };
    wh_policy_context context = { "app", &user, 1, NULL, 0 };

    uint64_t random = 0x70661e5ull;
    uint32_t components = wh_graph_component_count(graph);
    for (int i = 0; i < 20; i++)
        wh_composition_set_root(composition, bench_below(&random, components), WH_ROOT_SELECTED);
    check(wh_composition_resolve(composition, &err), &err);

    /* Baseline: median of 21 linear passes. */
    volatile uint64_t sink = 0; /* keeps the compiler from dropping the pass */
    double passes[21];
    for (int i = 0; i < 21; i++)
        passes[i] = linear_pass_ms(graph, &sink);
    qsort(passes, 21, sizeof(double), compare_doubles);
    double baseline = passes[10];

    double *times = malloc((size_t)toggles * sizeof(*times));
    double *impacts = malloc((size_t)toggles * sizeof(*impacts));
    uint64_t members = 0, findings_total = 0;
    for (int i = 0; i < toggles; i++) {
        uint32_t id = bench_below(&random, components);
        double t0 = bench_now_ms();
        wh_root_kind root = wh_composition_root(composition, id);
        wh_composition_set_root(composition, id, root == WH_ROOT_NONE ? WH_ROOT_SELECTED : WH_ROOT_NONE);
        check(wh_composition_resolve(composition, &err), &err);
        wh_totals totals = wh_composition_totals(composition);
        wh_findings findings;
        check(wh_policy_evaluate(policy, composition, &context, &findings, &err), &err);
        times[i] = bench_now_ms() - t0;
        members += totals.components;

        /* The composer also shows what toggling the component under the cursor would do. */
        wh_impact impact;
        double t1 = bench_now_ms();
        check(wh_composition_impact(composition, bench_below(&random, components), &impact, &err),
              &err);
        impacts[i] = bench_now_ms() - t1;
        wh_impact_clear(&impact);
        findings_total += findings.count;
        wh_findings_clear(&findings);
    }
    qsort(times, (size_t)toggles, sizeof(double), compare_doubles);
    double median = percentile(times, toggles, 0.5);
    double p99 = percentile(times, toggles, 0.99);
    qsort(impacts, (size_t)toggles, sizeof(double), compare_doubles);

    printf("catalog: %u components, %u files\n", components, wh_graph_file_count(graph));
    printf("load: %.0f ms (queries %.0f ms, requirement index %.0f ms)\n", finished - start,
           loaded - start, finished - loaded);
    printf("image: %.0f components and %.0f findings on average\n", (double)members / toggles,
           (double)findings_total / toggles);
    printf("baseline, one pass over all files in memory: %.3f ms\n", baseline);
    printf("toggle (resolve + size + %s policy), %d toggles: median %.3f ms (%.2fx baseline), "
           "p99 %.3f ms (%.2fx baseline)\n",
           profile, toggles, median, median / baseline, p99, p99 / baseline);
    printf("impact of one toggle, computed without applying it: median %.3f ms, p99 %.3f ms\n",
           percentile(impacts, toggles, 0.5), percentile(impacts, toggles, 0.99));

    free(times);
    free(impacts);
    wh_policy_free(policy);
    wh_composition_free(composition);
    wh_graph_free(graph);
    whc_close(catalog);
    return 0;
}
