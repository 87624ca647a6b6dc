#ifndef WV_CORE_HEAP_RETENTION_H_
#define WV_CORE_HEAP_RETENTION_H_

#include <cstddef>

// How much freed memory the allocator (glibc's malloc) keeps for reuse: by
// default one arena per thread (up to 8 a core), each keeping its freed
// chunks, and an mmap threshold that grows to 32 MiB as large blocks are
// freed, so that a freed multi-megabyte buffer stays in the heap. A run
// under --memory-limit counts the RSS, not what it holds live: these calls
// make the two close (docs/ARCHITECTURE.md, Memory).
//
// Thread-safety: both from any thread (glibc locks its arenas). The settings
// are process-wide; the arena cap applies to arenas created afterwards, so
// call LimitHeapRetention() before the run starts its threads.
namespace wv {

// Two arenas, a fixed 1 MiB mmap threshold (a larger block is its own
// mapping, returned whole when freed) and a 4 MiB trim threshold.
void LimitHeapRetention();

// Gives the heap's free pages back to the system (malloc_trim): at the end
// of a phase that freed much (the arenas' top is trimmed anyway past the
// trim threshold; this also returns free pages inside them).
void ReleaseFreedMemory();

}  // namespace wv

#endif  // WV_CORE_HEAP_RETENTION_H_
