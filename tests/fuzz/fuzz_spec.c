/*
 * Fuzz target: the spec parser. A spec that parses is written back in
 * canonical form, which must parse again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/spec.h"
#include "fuzz.h"

FUZZ_ENTRY(spec)
{
    wh_error err = { 0 };
    wh_spec *spec = NULL;
    if (wh_spec_parse((const char *)data, size, "fuzz", &spec, &err) != WH_OK)
        return 0;

    char *text = NULL;
    size_t text_size = 0;
    if (wh_spec_serialize(spec, &text, &text_size, &err) == WH_OK) {
        wh_spec *again = NULL;
        if (wh_spec_parse(text, text_size, "canonical", &again, &err) != WH_OK) {
            fprintf(stderr, "fuzz: the canonical form of a valid spec is rejected: %s\n%s\n",
                    err.message, text);
            abort();
        }
        wh_spec_free(again);
    }
    free(text);
    wh_spec_free(spec);
    return 0;
}
