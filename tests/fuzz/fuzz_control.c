/*
 * Fuzz target: deb822 paragraphs, then every field value through the
 * Debian relation parser, then the whole input as one relation value.
 */
#include <stdlib.h>

#include "../../catalog/control.h"
#include "fuzz.h"

FUZZ_ENTRY(control)
{
    wh_error err = { 0 };
    whc_control_file file;
    whc_relation_list relations = { 0 };

    if (whc_control_parse((const char *)data, size, "fuzz", &file, &err) == WH_OK) {
        for (size_t i = 0; i < file.count; i++) {
            const whc_control_paragraph *paragraph = &file.paragraphs[i];
            for (size_t j = 0; j < paragraph->count; j++)
                whc_relations_parse_debian(paragraph->fields[j].value, WHC_REL_DEPENDS, "fuzz",
                                           &relations, &err);
            (void)whc_control_get(paragraph, "Depends");
        }
        whc_control_free(&file);
    }

    char *text = fuzz_text_copy(data, size);
    if (text != NULL)
        whc_relations_parse_debian(text, WHC_REL_PROVIDES, "fuzz", &relations, &err);
    free(text);
    whc_relation_list_free(&relations);
    return 0;
}
