/* memory.h — the machine's physical memory, the default memory limit, and sizes such as 16G.
 *
 * The CLI checks a scenario's memory estimate against a limit before it allocates anything; by
 * default the limit is a share of physical memory, so a scenario that would push the machine
 * into swap or the OOM killer is refused with a message instead.
 */
#ifndef C5SIM_MEMORY_H
#define C5SIM_MEMORY_H

#include <stddef.h>

/* Share of physical memory used as the default limit (one half: room for the OS, the page cache
 * and other processes). */
#define MEMORY_DEFAULT_SHARE 0.5

/* Used when the system cannot say how much memory it has. */
#define MEMORY_FALLBACK_LIMIT ((size_t)16 << 30)

/* Physical memory in bytes (sysconf _SC_PHYS_PAGES x _SC_PAGE_SIZE); 0 when unknown. */
size_t memory_physical_bytes(void);

/* MEMORY_DEFAULT_SHARE of physical memory, or MEMORY_FALLBACK_LIMIT when that is unknown. */
size_t memory_default_limit(void);

/* Parse a size: a non-negative number with an optional suffix K, M, G or T (powers of 1024,
 * either case), optionally followed by B or iB: "0", "512M", "1.5G", "16GiB". Returns 0 and sets
 * *bytes, or -1 (nothing set) for anything else, including a value beyond SIZE_MAX. */
int memory_parse_size(const char *text, size_t *bytes);

/* "1.5 GiB", "512.0 MiB", "100 bytes" into out. */
void memory_format_size(size_t bytes, char *out, size_t size);

#endif
