#include <string>

#include "core/utf8.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

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

TEST(Utf8Test, EscapeForTerminal) {
  EXPECT_EQ(EscapeForTerminal("plain \xc3\xa9 \\ text"), "plain \xc3\xa9 \\ text");
  EXPECT_EQ(EscapeForTerminal(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeForTerminal("\x1b[31mred\x1b[0m\r\n\t"), "\\x1B[31mred\\x1B[0m\\x0D\\x0A\\x09");
  EXPECT_EQ(EscapeForTerminal("del\x7f"), "del\\x7F");
  EXPECT_EQ(EscapeForTerminal("csi\xc2\x9b"
                              "2J"),
            "csi\\xC2\\x9B2J");
  EXPECT_EQ(EscapeForTerminal("bad \xff\xc3 utf8"), "bad \\xFF\\xC3 utf8");
  EXPECT_EQ(EscapeForTerminal("\xe2\x82"), "\\xE2\\x82");  // a cut sequence
  // Idempotent, and the result is always safe.
  for (const std::string& text :
       {std::string("\x01\xff\\x41", 5), std::string("\xc2\x85x"), std::string("ok")}) {
    const std::string once = EscapeForTerminal(text);
    EXPECT_EQ(EscapeForTerminal(once), once);
    EXPECT_TRUE(IsValidUtf8(once));
    EXPECT_EQ(FindControlCharacter(once), std::string_view::npos);
  }
}

}  // namespace
}  // namespace wv
