#ifndef WV_CORE_UTF8_H_
#define WV_CORE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 validation and repair, the one implementation for the project
// (validation rule 2, quarantine text columns, `parquet cat` JSON). Valid
// means RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
// The whole-string check is simdjson's SIMD validator; positions and repairs
// walk sequences only when that check fails. Pure; thread-safe.
namespace wv {

// True when every byte of `text` belongs to a valid UTF-8 sequence.
bool IsValidUtf8(std::string_view text);

// Length (1-4) of the valid UTF-8 sequence that starts at text[i], or 0 when
// the bytes there do not start one.
// REQUIRES: i < text.size()
size_t Utf8SequenceLength(std::string_view text, size_t i);

// Offset of the first byte that is not part of a valid sequence, or npos.
size_t FindInvalidUtf8(std::string_view text);

// `text` with every byte that is not part of a valid sequence replaced by
// `replacement` (which must itself be valid UTF-8).
std::string ToValidUtf8(std::string_view text, std::string_view replacement = "?");

}  // namespace wv

#endif  // WV_CORE_UTF8_H_
