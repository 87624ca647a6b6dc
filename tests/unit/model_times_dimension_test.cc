#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "model/star_schema.h"
#include "model/times_dimension.h"

namespace wv::model {
namespace {

TEST(TimesAccumulatorTest, OneRowPerEpochInFirstAppearanceOrder) {
  TimesAccumulator times;
  times.Add(1388361600, 2);  // 2013-12-30T00:00:00Z, ISO week 1 of 2014
  times.Add(1362076081, 1);  // 2013-02-28T18:28:01Z
  times.Add(1388361600, 3);
  EXPECT_EQ(times.size(), 2u);
  const TimesAccumulator::Built built = times.Build();
  const TableData& t = built.table;
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.columns[kTimeEpoch].i64[0], 1388361600);
  EXPECT_EQ(t.columns[kTimeTimestamp].i64[0], int64_t{1388361600} * 1000000);
  EXPECT_EQ(t.columns[kTimeIsoYear].i32[0], 2014);
  EXPECT_EQ(t.columns[kTimeWeek].i32[0], 1);
  EXPECT_EQ(t.columns[kTimeEpoch].i64[1], 1362076081);
  EXPECT_EQ(t.columns[kTimeHour].i32[1], 18);
  EXPECT_EQ(t.columns[kTimeDate].i32[1], 15764);
  EXPECT_EQ(built.rows_covered, 6);
}

TEST(TimesAccumulatorTest, RepeatsOfTheLastSecondAndEarlierOnesAreCountedAlike) {
  // Runs in time order repeat the previous second (Add skips its map then)
  // and come back to earlier ones; every row is counted once either way.
  TimesAccumulator times;
  const int64_t epochs[] = {100, 100, 100, 200, 100, 300, 300, 200, 100, 100};
  int64_t rows = 0;
  for (size_t i = 0; i < std::size(epochs); ++i) {
    times.Add(epochs[i], static_cast<int64_t>(i) + 1);
    rows += static_cast<int64_t>(i) + 1;
  }
  EXPECT_EQ(times.size(), 3u);
  const TimesAccumulator::Built built = times.Build();
  ASSERT_EQ(built.table.rows, 3u);
  EXPECT_EQ(built.table.columns[kTimeEpoch].i64, (std::vector<int64_t>{100, 200, 300}));
  EXPECT_EQ(built.rows_covered, rows);
}

TEST(TimesAccumulatorTest, SlicesConcatenateToTheWholeTable) {
  TimesAccumulator times;
  for (int i = 0; i < 1000; ++i) times.Add(1362076081 + (i * 7919) % 100000, 1 + i % 3);
  const TimesAccumulator::Built whole = times.Build();
  TableData joined;
  joined.columns.resize(kNumTimesColumns);
  int64_t rows_covered = 0;
  TableData slice;
  for (size_t begin = 0; begin < times.size(); begin += 300) {
    const size_t end = std::min(times.size(), begin + 300);
    rows_covered += times.BuildRows(begin, end, &slice);
    ASSERT_EQ(slice.rows, end - begin);
    for (int c = 0; c < kNumTimesColumns; ++c) {
      auto& into = joined.columns[c];
      const auto& from = slice.columns[c];
      into.i64.insert(into.i64.end(), from.i64.begin(), from.i64.end());
      into.i32.insert(into.i32.end(), from.i32.begin(), from.i32.end());
    }
  }
  EXPECT_EQ(rows_covered, whole.rows_covered);
  for (int c = 0; c < kNumTimesColumns; ++c) {
    EXPECT_EQ(joined.columns[c].i64, whole.table.columns[c].i64) << c;
    EXPECT_EQ(joined.columns[c].i32, whole.table.columns[c].i32) << c;
  }
  times.BuildRows(0, 0, &slice);
  EXPECT_EQ(slice.rows, 0u);
  EXPECT_EQ(slice.columns.size(), static_cast<size_t>(kNumTimesColumns));
}

}  // namespace
}  // namespace wv::model
