#include <random>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

// The oracle: the Unicode Standard's table of well-formed byte sequences
// (chapter 3, table 3-7), applied literally. It shares nothing with the code
// under test (which decodes the code point and checks its range).
size_t ReferenceSequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> int {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1;
  };
  auto in = [](int b, int lo, int hi) { return b >= lo && b <= hi; };
  const int b0 = at(0);
  if (in(b0, 0x00, 0x7F)) return 1;
  if (in(b0, 0xC2, 0xDF)) return in(at(1), 0x80, 0xBF) ? 2 : 0;
  struct Row {
    int lead_lo, lead_hi, second_lo, second_hi;
  };
  static constexpr Row kThree[] = {{0xE0, 0xE0, 0xA0, 0xBF},
                                   {0xE1, 0xEC, 0x80, 0xBF},
                                   {0xED, 0xED, 0x80, 0x9F},
                                   {0xEE, 0xEF, 0x80, 0xBF}};
  for (const Row& r : kThree) {
    if (in(b0, r.lead_lo, r.lead_hi)) {
      return in(at(1), r.second_lo, r.second_hi) && in(at(2), 0x80, 0xBF) ? 3 : 0;
    }
  }
  static constexpr Row kFour[] = {
      {0xF0, 0xF0, 0x90, 0xBF}, {0xF1, 0xF3, 0x80, 0xBF}, {0xF4, 0xF4, 0x80, 0x8F}};
  for (const Row& r : kFour) {
    if (in(b0, r.lead_lo, r.lead_hi)) {
      return in(at(1), r.second_lo, r.second_hi) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF)
                 ? 4
                 : 0;
    }
  }
  return 0;  // 80..C1, F5..FF never start a sequence
}

// Walks sequences from the start: the first byte that starts no valid one.
size_t ReferenceFindInvalid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = ReferenceSequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string ReferenceRepair(std::string_view s, std::string_view replacement) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = ReferenceSequenceLength(s, i);
    out.append(n == 0 ? replacement : s.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

// Checks every function against the oracle on `s`, at every offset.
void ExpectAgreesWithReference(std::string_view s) {
  const size_t first_invalid = ReferenceFindInvalid(s);
  ASSERT_EQ(IsValidUtf8(s), first_invalid == std::string_view::npos) << ::testing::PrintToString(s);
  ASSERT_EQ(FindInvalidUtf8(s), first_invalid) << ::testing::PrintToString(s);
  for (size_t i = 0; i < s.size(); ++i) {
    ASSERT_EQ(Utf8SequenceLength(s, i), ReferenceSequenceLength(s, i))
        << ::testing::PrintToString(s) << " at " << i;
  }
  ASSERT_EQ(ToValidUtf8(s), ReferenceRepair(s, "?")) << ::testing::PrintToString(s);
  ASSERT_EQ(ToValidUtf8(s, "\xEF\xBF\xBD"), ReferenceRepair(s, "\xEF\xBF\xBD"));
}

TEST(Utf8Test, BoundaryCodePoints) {
  const std::vector<std::string> valid = {
      "",
      "plain ascii",
      std::string(1, '\0'),
      "\x7F",
      "\xC2\x80",          // U+0080, the smallest two-byte
      "\xDF\xBF",          // U+07FF
      "\xE0\xA0\x80",      // U+0800, the smallest three-byte
      "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
      "\xEE\x80\x80",      // U+E000, just above them
      "\xEF\xBF\xBF",      // U+FFFF
      "\xF0\x90\x80\x80",  // U+10000, the smallest four-byte
      "\xF4\x8F\xBF\xBF",  // U+10FFFF, the largest code point
      "lernt/lernen<vblex>\xC3\xA9",
  };
  for (const std::string& s : valid) {
    EXPECT_TRUE(IsValidUtf8(s)) << ::testing::PrintToString(s);
    EXPECT_EQ(FindInvalidUtf8(s), std::string_view::npos);
    EXPECT_EQ(ToValidUtf8(s), s);
    ExpectAgreesWithReference(s);
  }
}

TEST(Utf8Test, AdversarialSequencesAreInvalidAtTheirFirstByte) {
  const std::vector<std::string> invalid = {
      "\x80",  // a lone continuation byte
      "\xBF",
      "\xC0\x80",          // overlong NUL
      "\xC1\xBF",          // overlong U+007F
      "\xE0\x80\x80",      // overlong three-byte
      "\xE0\x9F\xBF",      // overlong U+07FF
      "\xF0\x80\x80\x80",  // overlong four-byte
      "\xF0\x8F\xBF\xBF",  // overlong U+FFFF
      "\xED\xA0\x80",      // U+D800, a surrogate
      "\xED\xBF\xBF",      // U+DFFF
      "\xF4\x90\x80\x80",  // U+110000, above the last code point
      "\xF5\x80\x80\x80",
      "\xF7\xBF\xBF\xBF",
      "\xF8\x88\x80\x80\x80",  // the old five-byte form
      "\xFC\x84\x80\x80\x80\x80",
      "\xFE",
      "\xFF",
      "\xC3",  // truncated at the end
      "\xE2\x82",
      "\xF0\x9F\x98",
      "\xE2\x28\xA1",  // a bad continuation
      "\xC3\x28",
  };
  for (const std::string& s : invalid) {
    EXPECT_FALSE(IsValidUtf8(s)) << ::testing::PrintToString(s);
    EXPECT_EQ(FindInvalidUtf8(s), 0u) << ::testing::PrintToString(s);
    EXPECT_EQ(Utf8SequenceLength(s, 0), 0u) << ::testing::PrintToString(s);
    ExpectAgreesWithReference(s);
    // The same bytes deep inside a long ASCII run, where the validator takes
    // its SIMD path rather than the scalar tail.
    const std::string padded = std::string(70, 'a') + s + std::string(70, 'b');
    EXPECT_EQ(FindInvalidUtf8(padded), 70u) << ::testing::PrintToString(s);
    ExpectAgreesWithReference(padded);
  }
}

TEST(Utf8Test, ToValidUtf8ReplacesEachBadByteAndKeepsGoodSequences) {
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a?b");
  // A truncated sequence is replaced byte by byte; what follows is kept.
  EXPECT_EQ(ToValidUtf8("\xE2\x82"
                        "A"),
            "??A");
  EXPECT_EQ(ToValidUtf8("\xC3\xA9\xC3"), "\xC3\xA9?");
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80", "\xEF\xBF\xBD"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("x\x80y", ""), "xy");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xF4\x90\x80\x80\xC0\xAF", "\xEF\xBF\xBD")));
}

TEST(Utf8Test, EveryStringOfOneAndTwoBytes) {
  std::string s(1, '\0');
  for (int a = 0; a < 256; ++a) {
    s[0] = static_cast<char>(a);
    ExpectAgreesWithReference(s);
  }
  s.resize(2);
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      s[0] = static_cast<char>(a);
      s[1] = static_cast<char>(b);
      ExpectAgreesWithReference(s);
    }
  }
}

TEST(Utf8Test, EveryThreeByteStringWithAThreeByteLead) {
  std::string s(3, '\0');
  for (int a = 0xE0; a <= 0xEF; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c = 0; c < 256; ++c) {
        s[0] = static_cast<char>(a), s[1] = static_cast<char>(b), s[2] = static_cast<char>(c);
        ExpectAgreesWithReference(s);
      }
    }
  }
}

TEST(Utf8Test, FourByteLeadsWithEverySecondAndFourthByte) {
  std::string s(4, '\0');
  for (int a = 0xF0; a <= 0xF7; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : {0x41, 0x80, 0xBF, 0xC0}) {
        for (int d = 0; d < 256; ++d) {
          s[0] = static_cast<char>(a), s[1] = static_cast<char>(b);
          s[2] = static_cast<char>(c), s[3] = static_cast<char>(d);
          ExpectAgreesWithReference(s);
        }
      }
    }
  }
}

// Random strings mostly of plausible UTF-8 pieces, some broken: long enough
// for the SIMD validator, with errors at every kind of offset.
TEST(Utf8Test, RandomMixedStrings) {
  std::mt19937_64 rng(2024);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           "0",
                                           ",",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           "\xF4\x8F\xBF\xBF",
                                           "\x80",
                                           "\xC0\xAF",
                                           "\xED\xA0\x80",
                                           "\xE2\x82",
                                           "\xF5",
                                           "\xFF",
                                           "\xF0\x9F",
                                           "\xEF\xBF\xBF"};
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s;
    const size_t length = rng() % 200;
    const bool clean = rng() % 3 == 0;
    while (s.size() < length) {
      const std::string& piece = pieces[rng() % (clean ? 8 : pieces.size())];
      if (rng() % 20 == 0) {
        s.push_back(static_cast<char>(rng()));  // any byte at all
      } else {
        s += piece;
      }
    }
    ExpectAgreesWithReference(s);
  }
}

TEST(Utf8Test, FindControlCharacterFindsC0DelAndC1) {
  using std::string_view;
  EXPECT_EQ(FindControlCharacter(""), string_view::npos);
  EXPECT_EQ(FindControlCharacter("plain text, \xc3\xa9t\xc3\xa9 ~"), string_view::npos);
  EXPECT_EQ(FindControlCharacter(std::string("a\0b", 3)), 1u);
  for (int c = 0; c < 0x20; ++c) {
    // At every offset, so that both the 16-byte steps and the tail see it.
    for (size_t at : {0, 5, 15, 16, 17, 31, 40}) {
      std::string text(41, 'x');
      text[at] = static_cast<char>(c);
      EXPECT_EQ(FindControlCharacter(text), at) << c << " at " << at;
    }
  }
  EXPECT_EQ(FindControlCharacter("abc\x7f"), 3u);
  EXPECT_EQ(FindControlCharacter("0123456789abcdef\xc2\x9b"), 16u);  // U+009B (CSI)
  EXPECT_EQ(FindControlCharacter("\xc2\x80"), 0u);
  EXPECT_EQ(FindControlCharacter("\xc2\x9f"), 0u);
  EXPECT_EQ(FindControlCharacter("\xc2\xa0 \xc2\xbf"), string_view::npos);    // U+00A0, U+00BF
  EXPECT_EQ(FindControlCharacter("0123456789abcde\xc2"), string_view::npos);  // cut, not C1
  EXPECT_EQ(FindControlCharacter("\x80\xff"), string_view::npos);  // invalid, not control
}

}  // namespace
}  // namespace wv
