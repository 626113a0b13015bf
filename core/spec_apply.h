/*
 * Turning a spec into a composition, and a composition's lock entries.
 */
#ifndef WH_SPEC_APPLY_H
#define WH_SPEC_APPLY_H

#include "compose.h"
#include "spec.h"

/* Name of the component that contains the spec's local "files" when the caller adds one. */
#define WH_LOCAL_FILES_COMPONENT "local-files"

/*
 * Sets the composition's roots, exclusions, trimming and declared-relation
 * settings from the spec, then resolves. An unknown component is an error
 * naming its JSON path, as "$.components[2]".
 */
wh_status wh_spec_apply(const wh_spec *spec, wh_composition *composition, wh_error *err);

/*
 * Fills *entries with the name, version, architecture, origin and content
 * digest of every included component, in name order. The digests live in
 * *storage and the other strings in the graph. The caller frees *entries
 * and *storage, and uses the entries only while both are alive.
 */
wh_status wh_composition_lock(wh_composition *composition, wh_spec_lock_entry **entries,
                              size_t *count, char **storage, wh_error *err);

/*
 * Writes the hex sha256 over a component's remaining files (path, type,
 * mode, owner, content digest or link target, in path order) into hex.
 */
void wh_component_content_digest(wh_composition *composition, uint32_t id, char hex[65]);

#endif
