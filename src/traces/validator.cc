#include "traces/validator.h"

#include <emmintrin.h>
#include <isa-l/crc.h>

#include <charconv>
#include <cstring>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "core/utf8.h"
#include "csv/row_parser.h"
#include "fast_float/fast_float.h"
#include "fmt/core.h"
#include "traces/lexeme.h"

namespace wv::traces {
namespace validation {

bool ParseDecimal(std::string_view text, double* value) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* const first = p;
  bool negative = false;
  if (p < end && (*p == '+' || *p == '-')) {
    negative = *p == '-';
    ++p;
  }
  const char* const number = p;
  // The digits, as an integer while they fit, for the exact fast path below.
  uint64_t mantissa = 0;
  int digit_count = 0;
  auto digits = [&] {
    const char* start = p;
    for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
      ++digit_count;
    }
    return p > start;
  };
  if (!digits()) return false;
  int fraction_digits = 0;
  if (p < end && *p == '.') {
    ++p;
    const int before = digit_count;
    if (!digits()) return false;
    fraction_digits = digit_count - before;
  }
  if (p == end && digit_count <= 15) {
    // Clinger's fast path: both operands are exact doubles (< 2^53 and a
    // power of ten up to 1e15), so one correctly rounded division gives
    // the correctly rounded value -- the same as fast_float.
    static constexpr double kPowers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6, 1e7,
                                         1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const double magnitude = static_cast<double>(mantissa) / kPowers[fraction_digits];
    *value = (negative ? -magnitude : magnitude) + 0.0;  // -0 -> +0
    return true;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (!digits()) return false;
  }
  if (p != end) return false;
  double parsed = 0;
  // fast_float takes a '-' but not a '+'.
  const char* start = negative ? first : number;
  const auto result = fast_float::from_chars(start, end, parsed);
  if (result.ptr != end) return false;
  // Out-of-range exponents come back as inf or 0, which the range rule handles.
  *value = parsed + 0.0;  // -0 -> +0
  return true;
}

IntParse ParseInt64(std::string_view text, int64_t* value) {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '+' || *p == '-')) {
    negative = *p == '-';
    ++p;
  }
  if (p == end) return IntParse::kNotInteger;
  const char* const digits = p;
  uint64_t v = 0;
  for (; p < end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p - '0');
    if (digit >= 10) return IntParse::kNotInteger;
    v = v * 10 + digit;
  }
  if (end - digits <= 18) {  // cannot overflow
    *value = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return IntParse::kOk;
  }
  int64_t parsed = 0;
  const auto [ptr, ec] = std::from_chars(negative ? digits - 1 : digits, end, parsed);
  if (ec == std::errc::result_out_of_range) return IntParse::kOverflow;
  if (ec != std::errc() || ptr != end) return IntParse::kNotInteger;
  *value = parsed;
  return IntParse::kOk;
}

bool IsLexemeId(std::string_view text) {
  if (text.size() != 32) return false;
  // 32 bytes in two SSE2 registers: each must lie in ['0','9'] or ['a','f'].
  auto in_range = [](__m128i v, char lo, char hi) {
    return _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(lo)), v),
                         _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(hi)), v));
  };
  int all = 0xFFFF;
  for (int half = 0; half < 2; ++half) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 16 * half));
    all &= _mm_movemask_epi8(_mm_or_si128(in_range(v, '0', '9'), in_range(v, 'a', 'f')));
  }
  return all == 0xFFFF;
}

}  // namespace validation

namespace {

using validation::IntParse;

constexpr uint64_t kSecondHashSalt = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kEscapedFormSalt = 0xc2b2ae3d27d4eb4fULL;

// A value as quoted in a detail message: at most 60 bytes, cut on a UTF-8
// character boundary (rows reaching these rules are valid UTF-8).
std::string_view Shown(std::string_view value) {
  if (value.size() <= 60) return value;
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut);
}
std::string_view Ellipsis(std::string_view value) { return value.size() > 60 ? "..." : ""; }

// Two independent functions of the canonical text: abseil's 64-bit hash and
// a CRC-32C (hardware-accelerated in ISA-L, cheaper than a second hash).
RowFingerprint Fingerprint(std::string_view canonical, uint64_t salt) {
  const absl::string_view bytes(canonical.data(), canonical.size());
  const uint64_t first = absl::HashOf(salt, bytes);
  const uint32_t second =
      crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(canonical.data())),
                  static_cast<int>(canonical.size()), static_cast<unsigned>(salt ^ kSecondHashSalt));
  return RowFingerprint{first, second};
}

}  // namespace

Status CheckTraceHeader(std::string_view line, std::string_view file_name) {
  std::string_view header = line;
  if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (header == kTraceHeader) return OkStatus();
  const bool printable = FindInvalidUtf8(header) == std::string_view::npos;
  return InputError(fmt::format("{}: line 1: unexpected header '{}{}' (expected '{}')", file_name,
                                printable ? Shown(header) : "<invalid UTF-8>",
                                printable ? Ellipsis(header) : "", kTraceHeader));
}

void ChunkValidator::Validate(std::string_view rows, uint32_t source_file, int64_t first_line,
                              ValidatedChunk* out, ChunkSideData* side) {
  TraceBatch& ok = out->accepted;
  QuarantineBatch& bad = out->rejected;
  if (ok.size() == 0) {
    // Real rows are about 95 bytes; reserving avoids regrowth (untouched
    // reserved pages cost nothing).
    const size_t estimate = rows.size() / 64 + 16;
    ok.p_recall.reserve(estimate);
    ok.timestamp.reserve(estimate);
    ok.delta.reserve(estimate);
    ok.user_id.reserve(estimate, estimate * 8);
    ok.learning_language.reserve(estimate, estimate * 2);
    ok.ui_language.reserve(estimate, estimate * 2);
    ok.lexeme_id.reserve(estimate, estimate * 32);
    ok.lexeme_string.reserve(estimate, rows.size() / 3);
    ok.history_seen.reserve(estimate);
    ok.history_correct.reserve(estimate);
    ok.session_seen.reserve(estimate);
    ok.session_correct.reserve(estimate);
    ok.source_file.reserve(estimate);
    ok.line_number.reserve(estimate);
    if (side != nullptr) {
      side->fingerprints.reserve(estimate);
      side->raw_offset.reserve(estimate);
      side->raw_length.reserve(estimate);
    }
  }

  csv::RowParser parser(rows, kNumTraceColumns);
  csv::Row row;
  const auto* f = row.fields.data();
  // Declared outside the loop: zeroing them per row showed up in profiles.
  int64_t ints[kNumTraceColumns];
  LexemeParts lexeme;
  while (parser.Next(&row)) {
    ++out->input_rows;
    const int64_t line = first_line + static_cast<int64_t>(row.first_line);
    detail_.clear();
    RejectReason reason = RejectReason::kNumReasons;
    auto reject = [&](RejectReason why) { reason = why; };
    auto field_detail = [&](int column, std::string_view what) {
      detail_ += fmt::format("field '{}': '{}{}' {}", kTraceColumnNames[column], Shown(f[column]),
                     Ellipsis(f[column]), what);
    };

    double p_recall = 0;
    std::string_view lexeme_error;
    size_t bad_utf8;
    do {
      // Rule 1: malformed.
      if (!row.quote_error.empty()) {
        detail_.append(row.quote_error);
        reject(RejectReason::kMalformed);
        break;
      }
      if (row.field_count != kNumTraceColumns) {
        detail_ += fmt::format("expected {} fields, found {}", int{kNumTraceColumns},
                       row.field_count);
        reject(RejectReason::kMalformed);
        break;
      }
      if (row.maybe_non_ascii &&
          (bad_utf8 = FindInvalidUtf8(row.raw)) != std::string_view::npos) {
        detail_ += fmt::format("invalid UTF-8 at byte {} of the row", bad_utf8 + 1);
        reject(RejectReason::kMalformed);
        break;
      }
      // Rule 2: missing_value.
      for (int c = 0; c < kNumTraceColumns; ++c) {
        if (f[c].empty()) {
          detail_ += fmt::format("field '{}' is empty", kTraceColumnNames[c]);
          reject(RejectReason::kMissingValue);
          break;
        }
      }
      if (reason != RejectReason::kNumReasons) break;
      // Rule 3: bad_number.
      if (!validation::ParseDecimal(f[kPRecall], &p_recall)) {
        field_detail(kPRecall, "is not a decimal number");
        reject(RejectReason::kBadNumber);
        break;
      }
      for (int c : {kTimestamp, kDelta, kHistorySeen, kHistoryCorrect, kSessionSeen,
                    kSessionCorrect}) {
        const IntParse parsed = validation::ParseInt64(f[c], &ints[c]);
        if (parsed != IntParse::kOk) {
          field_detail(c, parsed == IntParse::kOverflow ? "does not fit in 64 bits"
                                                        : "is not a base-10 integer");
          reject(RejectReason::kBadNumber);
          break;
        }
      }
      if (reason != RejectReason::kNumReasons) break;
      // Rule 4: out_of_range, in column order.
      reject(RejectReason::kOutOfRange);
      if (!(p_recall >= 0.0 && p_recall <= 1.0)) {
        field_detail(kPRecall, "is outside [0, 1]");
        break;
      }
      if (ints[kTimestamp] < kMinTimestamp || ints[kTimestamp] >= kMaxTimestampExclusive) {
        field_detail(kTimestamp, "is outside [2000-01-01, 2100-01-01)");
        break;
      }
      if (ints[kDelta] < 0) {
        field_detail(kDelta, "is negative");
        break;
      }
      if (ints[kHistorySeen] < 0) {
        field_detail(kHistorySeen, "is negative");
        break;
      }
      if (ints[kHistoryCorrect] < 0 || ints[kHistoryCorrect] > ints[kHistorySeen]) {
        field_detail(kHistoryCorrect,
                     fmt::format("is outside [0, history_seen = {}]", ints[kHistorySeen]));
        break;
      }
      if (ints[kSessionSeen] < 1) {
        field_detail(kSessionSeen, "is less than 1");
        break;
      }
      if (ints[kSessionCorrect] < 0 || ints[kSessionCorrect] > ints[kSessionSeen]) {
        field_detail(kSessionCorrect,
                     fmt::format("is outside [0, session_seen = {}]", ints[kSessionSeen]));
        break;
      }
      reason = RejectReason::kNumReasons;
      // Rule 5: unknown_language.
      reject(RejectReason::kUnknownLanguage);
      if (refs_.languages->Find(f[kLearningLanguage]) == nullptr) {
        field_detail(kLearningLanguage, "is not an alpha2 code of the language reference");
        break;
      }
      if (refs_.languages->Find(f[kUiLanguage]) == nullptr) {
        field_detail(kUiLanguage, "is not an alpha2 code of the language reference");
        break;
      }
      // Rule 6: bad_lexeme.
      reject(RejectReason::kBadLexeme);
      if (!validation::IsLexemeId(f[kLexemeId])) {
        field_detail(kLexemeId, "is not 32 lowercase hex digits");
        break;
      }
      if (!ParseLexeme(f[kLexemeString], &lexeme, &lexeme_error)) {
        field_detail(kLexemeString, fmt::format("is not surface/lemma<tag>...: {}", lexeme_error));
        break;
      }
      reason = RejectReason::kNumReasons;
    } while (false);

    if (reason != RejectReason::kNumReasons) {
      bad.source_file.push_back(source_file);
      bad.line_number.push_back(line);
      bad.reason.push_back(reason);
      bad.detail.push_back(detail_);
      bad.raw_line.push_back(row.raw);
      continue;
    }

    ok.p_recall.push_back(p_recall);
    ok.timestamp.push_back(ints[kTimestamp]);
    ok.delta.push_back(ints[kDelta]);
    ok.user_id.push_back(f[kUserId]);
    ok.learning_language.push_back(f[kLearningLanguage]);
    ok.ui_language.push_back(f[kUiLanguage]);
    ok.lexeme_id.push_back(f[kLexemeId]);
    ok.lexeme_string.push_back(f[kLexemeString]);
    ok.history_seen.push_back(ints[kHistorySeen]);
    ok.history_correct.push_back(ints[kHistoryCorrect]);
    ok.session_seen.push_back(ints[kSessionSeen]);
    ok.session_correct.push_back(ints[kSessionCorrect]);
    ok.source_file.push_back(source_file);
    ok.line_number.push_back(line);
    if (side == nullptr) continue;

    // The canonical form of the 12 values: joined with ',' -- which, for a
    // row read without quotes, is its raw text minus any '\r'. Values that
    // themselves contain ',' get an escaped, differently salted form so
    // that distinct value lists never share a canonical text.
    std::string_view canonical = row.raw;
    uint64_t salt = 0;
    const bool plain = row.raw.size() ==
                       static_cast<size_t>(f[kSessionCorrect].data() + f[kSessionCorrect].size() -
                                           row.raw.data()) &&
                       f[kPRecall].data() == row.raw.data();
    bool contiguous = plain;
    if (plain) {
      for (int c = 0; c + 1 < kNumTraceColumns; ++c) {
        if (f[c].data() + f[c].size() + 1 != f[c + 1].data()) {
          contiguous = false;
          break;
        }
      }
    }
    if (!contiguous) {
      canonical_.clear();
      bool has_comma = false;
      for (int c = 0; c < kNumTraceColumns; ++c) {
        has_comma |= f[c].find(',') != std::string_view::npos;
      }
      for (int c = 0; c < kNumTraceColumns; ++c) {
        if (c > 0) canonical_.push_back(',');
        if (!has_comma) {
          canonical_.append(f[c]);
          continue;
        }
        for (char ch : f[c]) {
          if (ch == ',' || ch == '\\') canonical_.push_back('\\');
          canonical_.push_back(ch);
        }
      }
      canonical = canonical_;
      salt = has_comma ? kEscapedFormSalt : 0;
    }
    side->fingerprints.push_back(Fingerprint(canonical, salt));
    side->raw_offset.push_back(static_cast<uint64_t>(row.raw.data() - rows.data()));
    side->raw_length.push_back(static_cast<uint32_t>(row.raw.size()));
  }
  if (side != nullptr) side->physical_lines += parser.lines();
}

}  // namespace wv::traces
