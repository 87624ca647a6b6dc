// The shuffled pass: a permutation that depends on the seed only, delivered bucket by bucket.
#include <algorithm>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "hlr/shuffle.h"

namespace wv::hlr {
namespace {

BlockVector<TraceRow> NumberedRows(size_t n) {
  BlockVector<TraceRow> rows;
  for (size_t i = 0; i < n; ++i) rows.push_back(TraceRow{0.5, static_cast<uint32_t>(i), 0, 0, 0});
  return rows;
}

TEST(HlrShuffleTest, IsAPermutationIndependentOfThreads) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{100000}, size_t{1300000}}) {
    const std::vector<uint32_t> one = ShuffledPass(n, 9, 1).Order();
    EXPECT_EQ(one, ShuffledPass(n, 9, 2).Order()) << n;
    EXPECT_EQ(one, ShuffledPass(n, 9, 5).Order()) << n;
    std::vector<uint32_t> sorted = one;
    std::sort(sorted.begin(), sorted.end());
    std::vector<uint32_t> identity(n);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(sorted, identity) << n;
  }
  EXPECT_NE(ShuffledPass(1000, 1, 2).Order(), ShuffledPass(1000, 2, 2).Order());
}

TEST(HlrShuffleTest, BucketsDeliverTheRowsInThatOrder) {
  const size_t n = 200000;  // several buckets, and more than one block of rows
  const BlockVector<TraceRow> rows = NumberedRows(n + 5);
  const ShuffledPass pass(n, 4, 2);
  std::vector<uint32_t> seen;
  pass.ForEachBucket(rows, [&](std::span<const TraceRow> bucket) {
    for (const TraceRow& r : bucket) seen.push_back(r.delta);
  });
  EXPECT_EQ(seen, pass.Order());
}

TEST(HlrShuffleTest, PositionsAreUniform) {
  // Where the first tenth of the indices land: each tenth of the positions should get a tenth
  // of them (a chi-square test with 9 degrees of freedom; 27.9 is its 0.999 quantile).
  const size_t n = 400000;
  const std::vector<uint32_t> order = ShuffledPass(n, 11, 2).Order();
  std::vector<double> counts(10, 0);
  for (size_t k = 0; k < n; ++k) {
    if (order[k] < n / 10) counts[k * 10 / n] += 1;
  }
  double chi2 = 0;
  const double expected = n / 100.0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 27.9);
}

}  // namespace
}  // namespace wv::hlr
