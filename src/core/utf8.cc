#include "core/utf8.h"

#include <emmintrin.h>

#include <cstdint>

#include "simdjson.h"

namespace wv {

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  uint32_t code_point;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  // The smallest code point each length may encode: anything below is overlong.
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

size_t FindInvalidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string_view::npos;
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string ToValidUtf8(std::string_view text, std::string_view replacement) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out.append(replacement);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

size_t FindControlCharacter(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const auto is_c1 = [&](const char* p) {
    return static_cast<unsigned char>(p[0]) == 0xC2 && p + 1 < end &&
           static_cast<unsigned char>(p[1]) >= 0x80 && static_cast<unsigned char>(p[1]) <= 0x9F;
  };
  const __m128i c0_max = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i c1_lead = _mm_set1_epi8(static_cast<char>(0xC2));
  const char* p = begin;
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Unsigned v <= 0x1F is min(v, 0x1F) == v.
    const __m128i control =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, c0_max), v), _mm_cmpeq_epi8(v, del));
    unsigned mask =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_cmpeq_epi8(v, c1_lead))));
    for (; mask != 0; mask &= mask - 1) {
      const char* hit = p + __builtin_ctz(mask);
      if (static_cast<unsigned char>(*hit) != 0xC2 || is_c1(hit)) return hit - begin;
    }
  }
  for (; p < end; ++p) {
    if (IsAsciiControl(static_cast<unsigned char>(*p)) || is_c1(p)) return p - begin;
  }
  return std::string_view::npos;
}

}  // namespace wv
