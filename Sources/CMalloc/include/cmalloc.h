// Allocation accounting for maxmemory (Redis's zmalloc used_memory, on glibc malloc).
//
// glibc has no cheap "bytes allocated" figure: mallinfo2() walks every free chunk (77 ms per
// call measured here on a heap with 2 M small blocks, 666 k of them free), so it cannot be read
// before each command. Instead cmalloc.c replaces malloc/free/calloc/realloc and the aligned
// variants (glibc documents this as "Replacing malloc"), forwarding to glibc's __libc_* entry
// points and counting malloc_usable_size bytes in per-thread counters (no locked instruction
// on the hot path: about +5 ns per malloc/free pair measured here), as Redis keeps used_memory.
// Big keyspace bucket arrays, which are mmap'ed, are added with kw_mapped_add; the key-entry
// slab is accounted per live entry by the engine (MemoryAccounting.swift).
#ifndef KEYWARD_CMALLOC_H
#define KEYWARD_CMALLOC_H
#include <stddef.h>

/// Bytes currently allocated through malloc plus bytes reported by kw_mapped_add.
long long kw_used_memory(void);
/// Adds (or with a negative delta, removes) bytes mapped outside malloc.
void kw_mapped_add(long long delta);
/// Bytes reported by kw_mapped_add.
long long kw_mapped_memory(void);
/// 1 once the replacement malloc has served an allocation (0: the counter is not live).
int kw_malloc_counting(void);
/// malloc_trim(0): returns 1 if memory was released to the OS.
int kw_malloc_trim(void);
/// malloc_info(0) as a malloc'ed NUL-terminated XML string (NULL on failure); free() it.
char *kw_malloc_info(void);
/// The usable size of a malloc'ed block.
size_t kw_malloc_size(void *p);
#endif
