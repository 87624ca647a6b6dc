#ifndef WV_CORE_UTF8_H_
#define WV_CORE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 validation and repair, the one implementation for the project
// (validation rule 1, quarantine text columns, `parquet cat` JSON), and the
// control-character scan and terminal escaping built on it. Valid
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

// True for the bytes of a C0 control character (U+0000-U+001F: NUL, tab,
// line breaks, ESC, ...) and DEL (U+007F).
inline bool IsAsciiControl(unsigned char byte) { return byte < 0x20 || byte == 0x7F; }

// Offset of the first control character in `text`, or npos: a C0 control or
// DEL byte, or the first byte of a C1 control (U+0080-U+009F, encoded
// C2 80..C2 9F). Bytes of invalid UTF-8 are not control characters here.
// SIMD over 16 bytes a step: cheap enough for every row of an ingest.
size_t FindControlCharacter(std::string_view text);

}  // namespace wv

#endif  // WV_CORE_UTF8_H_
