#include <gtest/gtest.h>

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

}  // namespace
}  // namespace wv::model
