#include "hlr/shuffle.h"

#include <algorithm>
#include <utility>

#include "core/parallel.h"
#include "core/random.h"

namespace wv::hlr {

namespace {

constexpr uint64_t kStreamBucket = 0x68'6c'72'62;   // "hlrb"
constexpr uint64_t kStreamWithin = 0x68'6c'72'77;   // "hlrw"
constexpr size_t kRowsPerBucket = 8192;             // 32 KiB of indices: fits in L1/L2
constexpr size_t kRangeRows = size_t{1} << 20;      // indices per scatter task

inline uint32_t BucketOf(uint64_t seed, size_t i, uint32_t buckets) {
  return static_cast<uint32_t>(
      (static_cast<unsigned __int128>(StreamHash(seed, kStreamBucket, i)) * buckets) >> 64);
}

}  // namespace

std::vector<uint32_t> ShuffledOrder(size_t n, uint64_t seed, int threads) {
  const auto buckets = static_cast<uint32_t>(std::max<size_t>(1, n / kRowsPerBucket));
  const size_t ranges = (n + kRangeRows - 1) / kRangeRows;
  // Pass 1: how many indices of each range go to each bucket.
  std::vector<std::vector<uint32_t>> counts(ranges);
  ParallelFor(ranges, threads, [&](size_t r, int) {
    counts[r].assign(buckets, 0);
    const size_t end = std::min(n, (r + 1) * kRangeRows);
    for (size_t i = r * kRangeRows; i < end; ++i) ++counts[r][BucketOf(seed, i, buckets)];
  });
  // Where each (bucket, range) part starts: buckets in order, and within a
  // bucket the ranges in index order, so the scatter keeps index order.
  std::vector<uint64_t> bucket_start(buckets + 1, 0);
  std::vector<std::vector<uint64_t>> cursor(ranges, std::vector<uint64_t>(buckets));
  uint64_t offset = 0;
  for (uint32_t b = 0; b < buckets; ++b) {
    bucket_start[b] = offset;
    for (size_t r = 0; r < ranges; ++r) {
      cursor[r][b] = offset;
      offset += counts[r][b];
    }
  }
  bucket_start[buckets] = offset;
  // Pass 2: scatter.
  std::vector<uint32_t> order(n);
  ParallelFor(ranges, threads, [&](size_t r, int) {
    std::vector<uint64_t>& at = cursor[r];
    const size_t end = std::min(n, (r + 1) * kRangeRows);
    for (size_t i = r * kRangeRows; i < end; ++i) {
      order[at[BucketOf(seed, i, buckets)]++] = static_cast<uint32_t>(i);
    }
  });
  // Pass 3: Fisher–Yates within each bucket.
  ParallelFor(buckets, threads, [&](size_t b, int) {
    Rng rng(seed, kStreamWithin * (uint64_t{1} << 32) + b);
    uint32_t* first = order.data() + bucket_start[b];
    const uint64_t size = bucket_start[b + 1] - bucket_start[b];
    for (uint64_t k = size; k > 1; --k) std::swap(first[k - 1], first[rng.Below(k)]);
  });
  return order;
}

}  // namespace wv::hlr
