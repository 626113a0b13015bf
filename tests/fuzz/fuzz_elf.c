/* Fuzz target: the ELF reader and the file classifier over arbitrary bytes. */
#include <stdlib.h>
#include <sys/stat.h>

#include "../../core/classify.h"
#include "../../core/elf.h"
#include "fuzz.h"

FUZZ_ENTRY(elf)
{
    wh_elf_info info;
    wh_error err = { 0 };
    if (wh_elf_parse(data, size, &info, &err) == WH_OK)
        wh_elf_info_free(&info);

    /* The classifier also reads scripts and multi-call binaries, so give it an executable. */
    wh_file_meta meta = { "/usr/bin/fuzzed", WH_FILE_REGULAR, S_IFREG | 04755, 1 };
    wh_classification classification;
    if (wh_classify(&meta, data, size, &classification, &err) == WH_OK)
        wh_classification_free(&classification);
    return 0;
}
