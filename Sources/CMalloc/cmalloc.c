// See cmalloc.h for why malloc is replaced. Every entry point forwards to glibc's own
// allocator and adjusts one counter by the block's usable size, read before free and after
// allocation, so the counter is exact for blocks that go through these functions.
#include "cmalloc.h"
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

// Per-thread counters, as Redis 7.2's zmalloc: each thread adds to its own slot with a plain
// (relaxed atomic, so no lock prefix) add, and readers sum the slots. A block freed on another
// thread than the one that allocated it makes one slot negative and another positive; only the
// sum means anything. Threads past the slot count share the last slot with locked adds.
#define SLOTS 64
struct slot { long long bytes; char pad[56]; };
static struct slot slots[SLOTS];
static int next_slot = 0;
static __thread int my_slot __attribute__((tls_model("initial-exec"))) = -1;
static long long mapped_bytes = 0;
static int counting = 0;

static inline void count(long long delta) {
    int s = my_slot;
    if (__builtin_expect(s < 0, 0)) {
        s = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);
        if (s >= SLOTS - 1) s = SLOTS - 1;
        my_slot = s;
        __atomic_store_n(&counting, 1, __ATOMIC_RELAXED);
    }
    if (s == SLOTS - 1) {
        __atomic_add_fetch(&slots[s].bytes, delta, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&slots[s].bytes, __atomic_load_n(&slots[s].bytes, __ATOMIC_RELAXED) + delta, __ATOMIC_RELAXED);
    }
}

static inline void count_alloc(void *p) { if (p) count((long long)malloc_usable_size(p)); }
static inline void count_free(void *p) { if (p) count(-(long long)malloc_usable_size(p)); }

void *malloc(size_t n) { void *p = __libc_malloc(n); count_alloc(p); return p; }
void free(void *p) { count_free(p); __libc_free(p); }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); count_alloc(p); return p; }

void *realloc(void *old, size_t n) {
    size_t before = old ? malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p) {
        count((long long)malloc_usable_size(p) - (long long)before);
    } else if (old && n == 0) {
        count(-(long long)before);   // realloc(p, 0) freed p
    }
    return p;
}

// glibc's reallocarray calls its internal realloc, which would bypass the counter.
void *reallocarray(void *old, size_t a, size_t b) {
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) { errno = ENOMEM; return NULL; }
    return realloc(old, n);
}

void *memalign(size_t align, size_t n) { void *p = __libc_memalign(align, n); count_alloc(p); return p; }
void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }
void *valloc(size_t n) { void *p = __libc_valloc(n); count_alloc(p); return p; }
void *pvalloc(size_t n) { void *p = __libc_pvalloc(n); count_alloc(p); return p; }

int posix_memalign(void **out, size_t align, size_t n) {
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0) return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    count_alloc(p);
    *out = p;
    return 0;
}

long long kw_used_memory(void) {
    long long sum = __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
    int n = __atomic_load_n(&next_slot, __ATOMIC_RELAXED);
    if (n > SLOTS) n = SLOTS;
    for (int i = 0; i < n; i++) sum += __atomic_load_n(&slots[i].bytes, __ATOMIC_RELAXED);
    return sum;
}
void kw_mapped_add(long long delta) { __atomic_add_fetch(&mapped_bytes, delta, __ATOMIC_RELAXED); }
long long kw_mapped_memory(void) { return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED); }
int kw_malloc_counting(void) { return __atomic_load_n(&counting, __ATOMIC_RELAXED); }
int kw_malloc_trim(void) { return malloc_trim(0); }
size_t kw_malloc_size(void *p) { return malloc_usable_size(p); }

char *kw_malloc_info(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    malloc_info(0, f);
    fclose(f);
    return buf;
}
