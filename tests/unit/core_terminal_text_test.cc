#include <string>

#include "core/terminal_text.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

TEST(EscapeForTerminal, LeavesPrintableAsciiAndUtf8Alone) {
  EXPECT_EQ(EscapeForTerminal("plain ascii 123 ~!@#$%^&*()\\"), "plain ascii 123 ~!@#$%^&*()\\");
  EXPECT_EQ(EscapeForTerminal("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeForTerminal(""), "");
}

TEST(EscapeForTerminal, EscapesEveryC0ControlAndDel) {
  for (int c = 0; c < 0x20; ++c) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\x%02x", c);
    EXPECT_EQ(EscapeForTerminal(std::string(1, static_cast<char>(c))), buf) << c;
  }
  EXPECT_EQ(EscapeForTerminal("\x7f"), "\\x7f");
  EXPECT_EQ(EscapeForTerminal("red\x1b[31mtext\x1b]0;title\x07"),
            "red\\x1b[31mtext\\x1b]0;title\\x07");
  EXPECT_EQ(EscapeForTerminal("over\rwrite\ttab\nline"), "over\\x0dwrite\\x09tab\\x0aline");
}

TEST(EscapeForTerminal, EscapesC1ControlsByteByByte) {
  EXPECT_EQ(EscapeForTerminal("a\xC2\x9B"
                              "31mb"),
            "a\\xc2\\x9b31mb");  // CSI
  EXPECT_EQ(EscapeForTerminal("\xC2\x80\xC2\x9F"), "\\xc2\\x80\\xc2\\x9f");
  EXPECT_EQ(EscapeForTerminal("\xC2\xA0"), "\xC2\xA0");  // NBSP is printable
}

TEST(EscapeForTerminal, EscapesBidiOverridesAndLineSeparators) {
  EXPECT_EQ(EscapeForTerminal("x\xE2\x80\xAEy"), "x\\xe2\\x80\\xaey");  // U+202E
  EXPECT_EQ(EscapeForTerminal("\xE2\x81\xA6"), "\\xe2\\x81\\xa6");      // U+2066
  EXPECT_EQ(EscapeForTerminal("\xE2\x80\xA8"), "\\xe2\\x80\\xa8");      // U+2028
  EXPECT_EQ(EscapeForTerminal("\xE2\x80\x94"), "\xE2\x80\x94");         // em dash stays
}

TEST(EscapeForTerminal, EscapesInvalidUtf8) {
  EXPECT_EQ(EscapeForTerminal("a\xFF"
                              "b"),
            "a\\xffb");
  EXPECT_EQ(EscapeForTerminal("\xC3"), "\\xc3");                    // truncated
  EXPECT_EQ(EscapeForTerminal("\xC0\xAF"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(EscapeForTerminal("\xED\xA0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(EscapeForTerminal(std::string("nul\0in", 6)), "nul\\x00in");
}

TEST(EscapeForTerminal, KeepNewlinesVariantKeepsOnlyNewlines) {
  EXPECT_EQ(EscapeForTerminalKeepNewlines("one\ntwo\r\n\x1b"), "one\ntwo\\x0d\n\\x1b");
}

TEST(EscapeForTerminal, ResultIsAlwaysValidPrintableText) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string escaped = EscapeForTerminal(all);
  for (unsigned char c : escaped) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << static_cast<int>(c);
  }
}

}  // namespace
}  // namespace wv
