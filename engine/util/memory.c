/* memory.c — physical memory, the default memory limit, and parsing/formatting of sizes. */
#include "memory.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t memory_physical_bytes(void) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    if ((unsigned long)pages > SIZE_MAX / (unsigned long)page_size) return SIZE_MAX;
    return (size_t)pages * (size_t)page_size;
}

size_t memory_default_limit(void) {
    size_t physical = memory_physical_bytes();
    if (physical == 0) return MEMORY_FALLBACK_LIMIT;
    return (size_t)((double)physical * MEMORY_DEFAULT_SHARE);
}

int memory_parse_size(const char *text, size_t *bytes) {
    /* strtod alone would accept blanks, signs, exponents, hex, "inf" and "nan": a size is
     * DIGITS[.DIGITS] and a suffix, nothing else. */
    if (!text) return -1;
    size_t whole = strspn(text, "0123456789");
    if (whole == 0) return -1;
    const char *number_end = text + whole;
    if (*number_end == '.') {
        size_t fraction = strspn(number_end + 1, "0123456789");
        if (fraction == 0) return -1;
        number_end += 1 + fraction;
    }
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end != number_end || errno != 0 || !isfinite(value)) return -1;
    double scale = 1;
    switch (*end) {
        case 'K':
        case 'k':
            scale = 1024.0;
            end++;
            break;
        case 'M':
        case 'm':
            scale = 1048576.0;
            end++;
            break;
        case 'G':
        case 'g':
            scale = 1073741824.0;
            end++;
            break;
        case 'T':
        case 't':
            scale = 1099511627776.0;
            end++;
            break;
        default:
            break;
    }
    if (scale > 1 && (*end == 'i' || *end == 'I')) {
        end++;
        if (*end != 'B' && *end != 'b') return -1;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end != '\0') return -1;
    double total = value * scale;
    /* SIZE_MAX is not exactly representable; 2^64 (or 2^32) itself is already too large. */
    if (total >= (double)SIZE_MAX) return -1;
    *bytes = (size_t)total;
    return 0;
}

void memory_format_size(size_t bytes, char *out, size_t size) {
    double value = (double)bytes;
    if (value >= 1099511627776.0)
        snprintf(out, size, "%.1f TiB", value / 1099511627776.0);
    else if (value >= 1073741824.0)
        snprintf(out, size, "%.1f GiB", value / 1073741824.0);
    else if (value >= 1048576.0)
        snprintf(out, size, "%.1f MiB", value / 1048576.0);
    else if (value >= 1024.0)
        snprintf(out, size, "%.1f KiB", value / 1024.0);
    else
        snprintf(out, size, "%zu bytes", bytes);
}
