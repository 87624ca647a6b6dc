#include "core/heap_retention.h"

#include <malloc.h>

namespace wv {

namespace {
constexpr int kArenas = 2;
constexpr int kMmapThresholdBytes = 1 << 20;
constexpr int kTrimThresholdBytes = 4 << 20;
}  // namespace

void LimitHeapRetention() {
  // Fixing either threshold also turns off glibc's dynamic raising of both.
  ::mallopt(M_ARENA_MAX, kArenas);
  ::mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  ::mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

void ReleaseFreedMemory() { ::malloc_trim(0); }

}  // namespace wv
