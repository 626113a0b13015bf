/* Findings as JSON and as SARIF 2.1.0, for `whittle check`. */
#ifndef WH_POLICY_REPORT_H
#define WH_POLICY_REPORT_H

#include "policy.h"

/*
 * Writes {"policy": NAME, "passed": BOOL, "findings": [{"rule", "severity",
 * "path", "component", "message"}]} with a trailing newline into *out,
 * which the caller frees.
 */
wh_status wh_findings_json(const wh_policy *policy, const wh_findings *findings, char **out,
                           wh_error *err);

/*
 * Writes a SARIF 2.1.0 log with one run, the policy's rules as the tool's
 * rules and one result per finding. A finding's path becomes an artifact
 * relative to the image root (uriBaseId "IMAGEROOT"); findings about the
 * whole image point at spec_uri. The caller frees *out.
 */
wh_status wh_findings_sarif(const wh_policy *policy, const wh_findings *findings,
                            const char *spec_uri, char **out, wh_error *err);

#endif
