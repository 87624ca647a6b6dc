#include <gtest/gtest.h>

#include "core/civil_time.h"

namespace wv {
namespace {

// Seconds of a UTC date-time, computed independently of the code under test
// (days from civil per H. Hinnant's published algorithm).
int64_t Epoch(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

TEST(CalendarTest, RealFirstRowOfTheDataSet) {
  // 1362076081 = 2013-02-28T18:28:01Z, a Thursday in ISO week 9.
  const CivilTime t = CivilFromEpochSeconds(1362076081);
  EXPECT_EQ(t.year, 2013);
  EXPECT_EQ(t.month, 2);
  EXPECT_EQ(t.day, 28);
  EXPECT_EQ(t.hour, 18);
  EXPECT_EQ(t.iso_weekday, 4);
  EXPECT_EQ(t.iso_week, 9);
  EXPECT_EQ(t.iso_year, 2013);
  EXPECT_EQ(DateString(t.days_since_epoch), "2013-02-28");
}

struct IsoCase {
  int y, m, d;
  int iso_year, iso_week, iso_weekday;
};

TEST(CalendarTest, IsoWeekEdgeCases) {
  // Known ISO 8601 dates (checked against `date +%G-W%V-%u`).
  const IsoCase cases[] = {
      {2013, 12, 30, 2014, 1, 1},                              // Monday of week 1 of 2014
      {2014, 1, 1, 2014, 1, 3},    {2010, 1, 3, 2009, 53, 7},  // Sunday still in 2009's week 53
      {2010, 1, 4, 2010, 1, 1},    {2015, 12, 31, 2015, 53, 4}, {2016, 1, 1, 2015, 53, 5},
      {2016, 1, 3, 2015, 53, 7},   {2016, 1, 4, 2016, 1, 1},    {2008, 12, 29, 2009, 1, 1},
      {2012, 12, 31, 2013, 1, 1},  {2013, 3, 10, 2013, 10, 7},  {2000, 1, 1, 1999, 52, 6},
      {2020, 2, 29, 2020, 9, 6},  // leap day
      {2099, 12, 31, 2099, 53, 4},
  };
  for (const IsoCase& c : cases) {
    const CivilTime t = CivilFromEpochSeconds(Epoch(c.y, c.m, c.d, 12));
    EXPECT_EQ(t.year, c.y) << c.y << "-" << c.m << "-" << c.d;
    EXPECT_EQ(t.month, c.m);
    EXPECT_EQ(t.day, c.d);
    EXPECT_EQ(t.iso_year, c.iso_year) << c.y << "-" << c.m << "-" << c.d;
    EXPECT_EQ(t.iso_week, c.iso_week) << c.y << "-" << c.m << "-" << c.d;
    EXPECT_EQ(t.iso_weekday, c.iso_weekday) << c.y << "-" << c.m << "-" << c.d;
  }
}

TEST(CalendarTest, HourAndDayBoundaries) {
  const int64_t midnight = Epoch(2013, 3, 1);
  EXPECT_EQ(CivilFromEpochSeconds(midnight).day, 1);
  EXPECT_EQ(CivilFromEpochSeconds(midnight).hour, 0);
  EXPECT_EQ(CivilFromEpochSeconds(midnight - 1).day, 28);
  EXPECT_EQ(CivilFromEpochSeconds(midnight - 1).hour, 23);
  EXPECT_EQ(CivilFromEpochSeconds(midnight - 1).month, 2);
  EXPECT_EQ(DaysFromEpochSeconds(-1), -1);
  EXPECT_EQ(DaysFromEpochSeconds(0), 0);
  EXPECT_EQ(DaysFromEpochSeconds(86399), 0);
  EXPECT_EQ(DaysFromEpochSeconds(86400), 1);
  EXPECT_EQ(DateString(0), "1970-01-01");
  EXPECT_EQ(CivilFromEpochSeconds(0).iso_weekday, 4);  // Thursday
}

TEST(CalendarTest, EveryDayOfTwoCenturiesIsConsistent) {
  // Consecutive days: the weekday cycles, week numbers advance on Mondays.
  CivilTime prev = CivilFromEpochSeconds(Epoch(2000, 1, 1));
  for (int64_t d = 1; d < 36525; ++d) {
    const CivilTime t = CivilFromEpochSeconds(Epoch(2000, 1, 1) + d * 86400);
    EXPECT_EQ(t.iso_weekday, prev.iso_weekday % 7 + 1);
    if (t.iso_weekday == 1) {
      EXPECT_TRUE(t.iso_week == prev.iso_week + 1 ||
                  (t.iso_week == 1 && t.iso_year == prev.iso_year + 1))
          << DateString(t.days_since_epoch);
    } else {
      EXPECT_EQ(t.iso_week, prev.iso_week);
      EXPECT_EQ(t.iso_year, prev.iso_year);
    }
    prev = t;
  }
}

TEST(CivilTimeText, MatchesIso8601IncludingBeforeTheEpoch) {
  EXPECT_EQ(IsoDateTimeString(1362076081), "2013-02-28T18:28:01Z");
  EXPECT_EQ(IsoDateTimeString(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(CompactIsoDateTimeString(1362076081), "20130228T182801Z");
  EXPECT_EQ(IsoTimestampMicrosString(1362076081000001), "2013-02-28T18:28:01.000001Z");
  EXPECT_EQ(IsoTimestampMicrosString(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(DateString(-719468), "0000-03-01");
}

TEST(ParseDateStringTest, IsTheInverseOfDateStringOverCenturies) {
  for (int64_t day = Epoch(1900, 1, 1) / 86400; day <= Epoch(2100, 12, 31) / 86400; day += 17) {
    const StatusOr<int64_t> parsed = ParseDateString(DateString(day));
    ASSERT_TRUE(parsed.ok()) << DateString(day);
    ASSERT_EQ(*parsed, day);
  }
  EXPECT_EQ(*ParseDateString("2013-02-28"), Epoch(2013, 2, 28) / 86400);
  EXPECT_EQ(*ParseDateString("2000-02-29"), Epoch(2000, 2, 29) / 86400);  // leap (÷400)
  EXPECT_EQ(*ParseDateString("1969-12-31"), -1);
}

TEST(ParseDateStringTest, RejectsAnythingButYyyyMmDdAndImpossibleDates) {
  for (const char* text : {"", "2013-2-28", " 2013-2-28", "2013-02-28 ", "+013-02-28", "2013/02/28",
                           "20130228", "2013-02-2x", "2013-+2-28", "13-02-28"}) {
    const StatusOr<int64_t> parsed = ParseDateString(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kUsage);
    EXPECT_NE(parsed.status().message().find("must be YYYY-MM-DD"), std::string::npos) << text;
  }
  for (const char* text : {"2013-02-30", "2013-02-29", "1900-02-29", "2013-13-01", "2013-00-10",
                           "2013-04-31", "2013-01-00"}) {
    const StatusOr<int64_t> parsed = ParseDateString(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find("not a calendar date"), std::string::npos) << text;
  }
}

TEST(ParseIsoDateTimeStringTest, IsTheInverseOfIsoDateTimeString) {
  for (int64_t t = Epoch(1960, 1, 1); t <= Epoch(2100, 1, 1); t += 86400 * 13 + 3607) {
    const StatusOr<int64_t> parsed = ParseIsoDateTimeString(IsoDateTimeString(t));
    ASSERT_TRUE(parsed.ok()) << IsoDateTimeString(t);
    ASSERT_EQ(*parsed, t);
  }
  EXPECT_EQ(*ParseIsoDateTimeString("2013-02-28T18:28:01Z"), 1362076081);
  EXPECT_EQ(*ParseIsoDateTimeString("2013-02-28T18:28:01.999999Z"), 1362076081);
  EXPECT_EQ(*ParseIsoDateTimeString("2013-02-28T18:28:01+00:00"), 1362076081);
}

TEST(ParseIsoDateTimeStringTest, RejectsOtherZonesShapesAndTimes) {
  for (const char* text : {"", "2013-02-28", "2013-02-28T18:28:01", "2013-02-28 18:28:01Z",
                           "2013-02-28T18:28:01+01:00", "2013-02-28T18:28Z", "2013-02-28T1a:28:01Z",
                           "2013-02-28T18:28:01.Z", "2013-02-28T18:28:01Zx"}) {
    const StatusOr<int64_t> parsed = ParseIsoDateTimeString(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kUsage) << text;
  }
  EXPECT_FALSE(ParseIsoDateTimeString("2013-02-30T00:00:00Z").ok());
  EXPECT_FALSE(ParseIsoDateTimeString("2013-02-28T24:00:00Z").ok());
  EXPECT_FALSE(ParseIsoDateTimeString("2013-02-28T23:60:00Z").ok());
}

}  // namespace
}  // namespace wv
