#include "core/terminal_text.h"

#include <cstdint>

#include "core/utf8.h"

namespace wv {
namespace {

void AppendHexEscape(unsigned char byte, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kDigits[byte >> 4]);
  out->push_back(kDigits[byte & 15]);
}

// The code point of the valid `length`-byte sequence at text[i].
uint32_t DecodeAt(std::string_view text, size_t i, size_t length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t cp = byte(0) & kLeadMask[length];
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
  return cp;
}

// True for code points a terminal acts on or that reorder the text shown.
bool IsUnsafeCodePoint(uint32_t cp, bool keep_newlines) {
  if (cp == '\n') return !keep_newlines;
  if (cp < 0x20 || cp == 0x7F) return true;
  if (cp >= 0x80 && cp <= 0x9F) return true;
  if (cp == 0x2028 || cp == 0x2029) return true;
  if (cp >= 0x202A && cp <= 0x202E) return true;
  return cp >= 0x2066 && cp <= 0x2069;
}

std::string Escape(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      AppendHexEscape(static_cast<unsigned char>(text[i]), &out);
      ++i;
      continue;
    }
    if (IsUnsafeCodePoint(DecodeAt(text, i, length), keep_newlines)) {
      for (size_t k = 0; k < length; ++k) {
        AppendHexEscape(static_cast<unsigned char>(text[i + k]), &out);
      }
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace

std::string EscapeForTerminal(std::string_view text) { return Escape(text, false); }

std::string EscapeForTerminalKeepNewlines(std::string_view text) { return Escape(text, true); }

}  // namespace wv
