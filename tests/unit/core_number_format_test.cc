#include <gtest/gtest.h>

#include <cstdint>

#include "core/number_format.h"

namespace wv {
namespace {

TEST(ThousandsTest, GroupsDigitsInThrees) {
  EXPECT_EQ(Thousands(0), "0");
  EXPECT_EQ(Thousands(7), "7");
  EXPECT_EQ(Thousands(999), "999");
  EXPECT_EQ(Thousands(1000), "1,000");
  EXPECT_EQ(Thousands(999999), "999,999");
  EXPECT_EQ(Thousands(1000000), "1,000,000");
  EXPECT_EQ(Thousands(12854226), "12,854,226");
}

TEST(ThousandsTest, Negatives) {
  EXPECT_EQ(Thousands(-1), "-1");
  EXPECT_EQ(Thousands(-999), "-999");
  EXPECT_EQ(Thousands(-1000), "-1,000");
  EXPECT_EQ(Thousands(-1234567), "-1,234,567");
}

TEST(ThousandsTest, Int64Extremes) {
  EXPECT_EQ(Thousands(INT64_MAX), "9,223,372,036,854,775,807");
  // Its magnitude is INT64_MAX + 1: negating it would be undefined behaviour.
  EXPECT_EQ(Thousands(INT64_MIN), "-9,223,372,036,854,775,808");
  EXPECT_EQ(Thousands(INT64_MIN + 1), "-9,223,372,036,854,775,807");
}

}  // namespace
}  // namespace wv
