// The DELTA_BINARY_PACKED encoder: the format's own examples byte for byte,
// and round trips through the decoder (parquet/delta_encoding.h) of every
// block and miniblock boundary and of the widths' extremes. pyarrow and
// DuckDB read what it writes in tests/e2e/test_parquet_interop.py.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "parquet/delta_binary_packed.h"
#include "parquet/delta_encoding.h"

namespace wv::parquet {
namespace {

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& values, std::string* encoded) {
  encoded->clear();
  DeltaBinaryPackedEncode(values.data(), values.size(), encoded);
  std::vector<int64_t> back;
  size_t used = 0;
  EXPECT_TRUE(DecodeDeltaBinaryPacked(*encoded, values.size(), "t", &back, &used).ok());
  EXPECT_EQ(used, encoded->size());
  EXPECT_EQ(DeltaBinaryPackedBytes(values.data(), values.size()), encoded->size());
  return back;
}

TEST(ParquetDeltaBinaryPacked, WritesTheSpecExamples) {
  std::string out;
  // Encodings.md example 1: 1 2 3 4 5 (min delta 1, every width 0).
  DeltaBinaryPackedEncode(std::vector<int64_t>{1, 2, 3, 4, 5}.data(), 5, &out);
  EXPECT_EQ(out, std::string("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10));
  // Example 2: 7 5 3 1 2 3 4 5 (min delta -2, one miniblock of width 2).
  out.clear();
  DeltaBinaryPackedEncode(std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}.data(), 8, &out);
  EXPECT_EQ(out, std::string("\x80\x01\x04\x08\x0e\x03\x02\x00\x00\x00\xc0\x3f\x00\x00\x00\x00"
                             "\x00\x00",
                             18));
}

TEST(ParquetDeltaBinaryPacked, RoundTripsEveryLengthAroundTheBlocks) {
  std::mt19937_64 rng(7);
  for (size_t n : {0, 1, 2, 31, 32, 33, 127, 128, 129, 130, 256, 257, 1000}) {
    std::vector<int64_t> values(n);
    for (size_t i = 0; i < n; ++i) values[i] = static_cast<int64_t>(rng() % 100000) - 50000;
    std::string encoded;
    EXPECT_EQ(RoundTrip(values, &encoded), values) << n;
  }
}

TEST(ParquetDeltaBinaryPacked, RoundTripsTheExtremesAtWidth64) {
  // Alternating extremes: deltas of +-(2^64 - 1) wrap, and their spread
  // needs all 64 bits.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> values;
  for (int i = 0; i < 300; ++i) values.push_back(i % 3 == 0 ? kMin : i % 3 == 1 ? kMax : 0);
  std::string encoded;
  EXPECT_EQ(RoundTrip(values, &encoded), values);
  std::mt19937_64 rng(11);
  for (int width = 1; width <= 64; ++width) {
    std::vector<int64_t> random(200);
    for (int64_t& v : random) {
      v = static_cast<int64_t>(width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1));
    }
    EXPECT_EQ(RoundTrip(random, &encoded), random) << width;
  }
}

TEST(ParquetDeltaBinaryPacked, NearlySortedValuesTakeAFewBitsEach) {
  // A day's line numbers: ascending with small gaps.
  std::vector<int64_t> lines;
  int64_t line = 1000000;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 131072; ++i) lines.push_back(line += 1 + static_cast<int64_t>(rng() % 4));
  std::string encoded;
  EXPECT_EQ(RoundTrip(lines, &encoded), lines);
  EXPECT_LT(encoded.size(), lines.size() / 2);  // under 4 bits a value, against PLAIN's 64
}

}  // namespace
}  // namespace wv::parquet
