#include "hlr/metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace wv::hlr {

namespace {

constexpr size_t kBlock = 65536;

// Σ f(i) over [0, n): per block of kBlock indices, then the block sums in
// order (the same grouping whatever computes it).
template <typename F>
double BlockSum(size_t n, F f) {
  double total = 0;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = std::min(n, start + kBlock);
    double partial = 0;
    for (size_t i = start; i < end; ++i) partial += f(i);
    total += partial;
  }
  return total;
}

double Mean(std::span<const double> v) {
  return BlockSum(v.size(), [&](size_t i) { return v[i]; }) / static_cast<double>(v.size());
}

// Indices 0..n-1 sorted by value (ties by index, for a deterministic order).
std::vector<std::pair<double, uint32_t>> SortedWithIndex(std::span<const double> values) {
  std::vector<std::pair<double, uint32_t>> sorted(values.size());
  for (size_t i = 0; i < values.size(); ++i) sorted[i] = {values[i], static_cast<uint32_t>(i)};
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

}  // namespace

double MeanAbsoluteError(std::span<const double> a, std::span<const double> b) {
  if (a.empty()) return std::nan("");
  return BlockSum(a.size(), [&](size_t i) { return std::fabs(a[i] - b[i]); }) /
         static_cast<double>(a.size());
}

std::optional<double> PearsonCorrelation(std::span<const double> a, std::span<const double> b) {
  const size_t n = a.size();
  if (n < 2) return std::nullopt;
  const double ma = Mean(a), mb = Mean(b);
  const double num = BlockSum(n, [&](size_t i) { return (a[i] - ma) * (b[i] - mb); });
  const double da = BlockSum(n, [&](size_t i) { return (a[i] - ma) * (a[i] - ma); });
  const double db = BlockSum(n, [&](size_t i) { return (b[i] - mb) * (b[i] - mb); });
  if (!(da > 0) || !(db > 0)) return std::nullopt;
  return num / std::sqrt(da * db);
}

std::vector<double> AverageRanks(std::span<const double> values) {
  const auto sorted = SortedWithIndex(values);
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < sorted.size();) {
    size_t end = start + 1;
    while (end < sorted.size() && sorted[end].first == sorted[start].first) ++end;
    // Positions start+1 .. end share their mean rank.
    const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (size_t k = start; k < end; ++k) ranks[sorted[k].second] = rank;
    start = end;
  }
  return ranks;
}

std::optional<double> SpearmanFromRanks(std::span<const double> ranks_a,
                                        std::span<const double> b) {
  const std::vector<double> ranks_b = AverageRanks(b);
  return PearsonCorrelation(ranks_a, ranks_b);
}

std::optional<double> SpearmanCorrelation(std::span<const double> a, std::span<const double> b) {
  const std::vector<double> ranks_a = AverageRanks(a);
  return SpearmanFromRanks(ranks_a, b);
}

std::optional<double> AreaUnderRoc(std::span<const uint8_t> labels,
                                   std::span<const double> scores) {
  const auto sorted = SortedWithIndex(scores);
  // U = Σ over positives of (negatives scored below + half the negatives tied).
  double u = 0;
  uint64_t negatives_below = 0, positives = 0;
  for (size_t start = 0; start < sorted.size();) {
    size_t end = start;
    uint64_t pos = 0, neg = 0;
    while (end < sorted.size() && sorted[end].first == sorted[start].first) {
      (labels[sorted[end].second] ? pos : neg) += 1;
      ++end;
    }
    u += static_cast<double>(pos) *
         (static_cast<double>(negatives_below) + static_cast<double>(neg) / 2.0);
    negatives_below += neg;
    positives += pos;
    start = end;
  }
  const uint64_t negatives = negatives_below;
  if (positives == 0 || negatives == 0) return std::nullopt;
  return u / (static_cast<double>(positives) * static_cast<double>(negatives));
}

}  // namespace wv::hlr
