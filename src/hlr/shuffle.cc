#include "hlr/shuffle.h"

#include <algorithm>
#include <utility>

#include "core/parallel.h"
#include "core/random.h"

namespace wv::hlr {

namespace {

constexpr uint64_t kStreamBucket = 0x686c7262;  // "hlrb"
constexpr uint64_t kStreamWithin = 0x686c7277;  // "hlrw"
constexpr size_t kRowsPerBucket = 32768;        // 768 KiB of rows: shuffled within L2
constexpr size_t kRangeRows = size_t{1} << 20;  // indices per scatter task
constexpr size_t kPrefetchAhead = 8;            // rows gathered ahead

inline uint32_t BucketOf(uint64_t seed, size_t i, uint32_t buckets) {
  return static_cast<uint32_t>(
      (static_cast<unsigned __int128>(StreamHash(seed, kStreamBucket, i)) * buckets) >> 64);
}

// Fisher–Yates over one bucket, with the bucket's own generator.
template <typename T>
void ShuffleBucket(uint64_t seed, size_t bucket, T* first, uint64_t size) {
  Rng rng(seed, kStreamWithin * (uint64_t{1} << 32) + bucket);
  for (uint64_t k = size; k > 1; --k) std::swap(first[k - 1], first[rng.Below(k)]);
}

}  // namespace

ShuffledPass::ShuffledPass(size_t n, uint64_t seed, int threads) : seed_(seed) {
  const auto buckets = static_cast<uint32_t>(std::max<size_t>(1, n / kRowsPerBucket));
  const size_t ranges = (n + kRangeRows - 1) / kRangeRows;
  std::vector<std::vector<uint64_t>> counts(ranges);
  ParallelFor(ranges, threads, [&](size_t r, int) {
    counts[r].assign(buckets, 0);
    const size_t end = std::min(n, (r + 1) * kRangeRows);
    for (size_t i = r * kRangeRows; i < end; ++i) ++counts[r][BucketOf(seed, i, buckets)];
  });
  // Where each (range, bucket) part starts: the buckets in order, and
  // within a bucket the ranges in index order, so the scatter keeps index
  // order within a bucket whatever the thread count.
  bucket_start_.assign(buckets + 1, 0);
  std::vector<std::vector<uint64_t>> cursor(ranges, std::vector<uint64_t>(buckets));
  uint64_t offset = 0;
  for (uint32_t b = 0; b < buckets; ++b) {
    bucket_start_[b] = offset;
    for (size_t r = 0; r < ranges; ++r) {
      cursor[r][b] = offset;
      offset += counts[r][b];
    }
  }
  bucket_start_[buckets] = offset;
  indices_.resize(n);
  ParallelFor(ranges, threads, [&](size_t r, int) {
    std::vector<uint64_t>& at = cursor[r];
    const size_t end = std::min(n, (r + 1) * kRangeRows);
    for (size_t i = r * kRangeRows; i < end; ++i) {
      indices_[at[BucketOf(seed, i, buckets)]++] = static_cast<uint32_t>(i);
    }
  });
}

void ShuffledPass::ForEachBucket(const BlockVector<TraceRow>& rows,
                                 absl::FunctionRef<void(std::span<const TraceRow>)> visit) const {
  std::vector<TraceRow> buffer;
  for (size_t b = 0; b + 1 < bucket_start_.size(); ++b) {
    const uint32_t* index = indices_.data() + bucket_start_[b];
    const size_t size = bucket_start_[b + 1] - bucket_start_[b];
    buffer.resize(size);
    // Increasing addresses, a few hundred bytes apart: prefetched ahead.
    for (size_t k = 0; k < size; ++k) {
      if (k + kPrefetchAhead < size) {
        const char* ahead = reinterpret_cast<const char*>(&rows[index[k + kPrefetchAhead]]);
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + sizeof(TraceRow) - 1);
      }
      buffer[k] = rows[index[k]];
    }
    ShuffleBucket(seed_, b, buffer.data(), size);
    visit(buffer);
  }
}

std::vector<uint32_t> ShuffledPass::Order() const {
  std::vector<uint32_t> order = indices_;
  for (size_t b = 0; b + 1 < bucket_start_.size(); ++b) {
    ShuffleBucket(seed_, b, order.data() + bucket_start_[b],
                  bucket_start_[b + 1] - bucket_start_[b]);
  }
  return order;
}

}  // namespace wv::hlr
