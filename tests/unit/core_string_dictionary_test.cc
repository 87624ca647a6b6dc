#include <string>

#include "core/string_dictionary.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

TEST(StringDictionaryTest, NumbersByFirstAppearanceThroughGrowth) {
  StringDictionary d;
  bool inserted = false;
  EXPECT_EQ(d.Intern("b", &inserted), 0u);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(d.Intern("a"), 1u);
  EXPECT_EQ(d.Intern("b", &inserted), 0u);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(d.Intern(""), 2u);
  for (int i = 0; i < 20000; ++i) EXPECT_EQ(d.Intern("key" + std::to_string(i)), i + 3u);
  for (int i = 0; i < 20000; i += 997) EXPECT_EQ(d.Intern("key" + std::to_string(i)), i + 3u);
  EXPECT_EQ(d.size(), 20003u);
  EXPECT_EQ(d.value(1), "a");
  EXPECT_EQ(d.value(2), "");
  EXPECT_EQ(d.value(20002), "key19999");
  std::string arena;
  std::vector<uint32_t> offsets;
  d.Release(&arena, &offsets);
  EXPECT_EQ(offsets.size(), 20004u);
  EXPECT_EQ(arena.substr(0, 2), "ba");
  EXPECT_EQ(d.size(), 0u);
}

TEST(StringDictionaryTest, SameBytes) {
  EXPECT_TRUE(SameBytes("0123456789abcdef0", "0123456789abcdef0"));
  EXPECT_FALSE(SameBytes("0123456789abcdef0", "0123456789abcdef1"));
  EXPECT_FALSE(SameBytes("abc", "abcd"));
  EXPECT_TRUE(SameBytes("", ""));
}

}  // namespace
}  // namespace wv
