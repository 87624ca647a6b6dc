#include "traces/duplicate_detector.h"

#include <algorithm>

namespace wv::traces {

RunLineNumbers::FileLine RunLineNumbers::Locate(uint64_t line) const {
  // The file holding it: the last reached one whose start lies below it.
  const auto it = std::lower_bound(start_.begin(), start_.begin() + current_ + 1, line) - 1;
  return FileLine{static_cast<uint32_t>(it - start_.begin()), static_cast<int64_t>(line - *it)};
}

size_t DuplicateDetector::MaxRowsWithin(size_t bytes) {
  // A slot is the entry plus one control byte; capacities are 2^k - 1 and a
  // table grows once it is 7/8 full.
  constexpr size_t kSlotBytes = sizeof(SeenRow) + 1;
  size_t capacity = 1;
  while ((2 * capacity + 1) * kSlotBytes <= bytes) capacity = 2 * capacity + 1;
  return capacity - capacity / 8;
}

void DuplicateDetector::Check(std::span<const RowFingerprint> fingerprints, uint64_t line_start,
                              std::span<const int64_t> lines, std::vector<Duplicate>* duplicates) {
  const size_t n = fingerprints.size();
  // Table probes miss the cache almost always (the table is far larger than
  // it); prefetching the slots of rows a little ahead hides most of that.
  constexpr size_t kPrefetchDistance = 16;
  const auto probe = [&](size_t i) {
    return SeenRow{fingerprints[i].hash, fingerprints[i].check, 0};
  };
  for (size_t i = 0; i < std::min(n, kPrefetchDistance); ++i) seen_.prefetch(probe(i));
  try {
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchDistance < n) seen_.prefetch(probe(i + kPrefetchDistance));
      const uint64_t line = line_start + static_cast<uint64_t>(lines[i]);
      SeenRow row = probe(i);
      row.first_line = line > UINT32_MAX ? 0u : static_cast<uint32_t>(line);
      const auto [it, inserted] = seen_.insert(row);
      if (!inserted) duplicates->push_back(Duplicate{i, it->first_line});
    }
  } catch (...) {
    // A refused growth of the table (or of `duplicates`): see seen_.
    abandoned_ = true;
    throw;
  }
}

}  // namespace wv::traces
