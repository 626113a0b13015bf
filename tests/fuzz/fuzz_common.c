/* Helpers shared by every fuzz target and by the regression replay test. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

char *fuzz_text_copy(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return NULL;
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}
