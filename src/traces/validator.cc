#include "traces/validator.h"

#include <emmintrin.h>
#include <isa-l/crc.h>
#include <isa-l/crc64.h>

#include <charconv>
#include <type_traits>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "core/terminal_text.h"
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
    static constexpr double kPowers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
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

UnitInterval LocateInUnitInterval(std::string_view text) {
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '+' || text[0] == '-') ++i;
  const size_t e = std::min(text.find_first_of("eE", i), text.size());
  const std::string_view mantissa = text.substr(i, e - i);
  // The exponent, saturated: beyond +-10^9 its exact size no longer matters
  // (the mantissa has fewer digits than that).
  int64_t exponent = 0;
  if (e < text.size()) {
    size_t k = e + 1;
    const bool exponent_negative = text[k] == '-';
    if (text[k] == '+' || text[k] == '-') ++k;
    for (; k < text.size(); ++k) {
      exponent = std::min<int64_t>(exponent * 10 + (text[k] - '0'), int64_t{1} << 40);
    }
    if (exponent_negative) exponent = -exponent;
  }
  const size_t integer_digits = std::min(mantissa.find('.'), mantissa.size());
  // The first nonzero digit: its power of ten decides unless it is 10^0.
  int64_t index = 0;  // among the digits, '.' skipped
  size_t j = 0;
  for (; j < mantissa.size(); ++j) {
    if (mantissa[j] == '.') continue;
    if (mantissa[j] != '0') break;
    ++index;
  }
  if (j == mantissa.size()) return UnitInterval::kInside;  // zero, whatever its sign
  if (negative) return UnitInterval::kBelow;
  const int64_t power = static_cast<int64_t>(integer_digits) - 1 - index + exponent;
  if (power != 0) return power < 0 ? UnitInterval::kInside : UnitInterval::kAbove;
  if (mantissa[j] != '1') return UnitInterval::kAbove;
  // 1.000...: exactly 1 unless a nonzero digit follows.
  const bool more = mantissa.find_first_of("123456789", j + 1) != std::string_view::npos;
  return more ? UnitInterval::kAbove : UnitInterval::kInside;
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

// MurmurHash3's 64-bit finalizer: spreads the CRC-64's bits over the word,
// which the hash set indexes with.
uint64_t Mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

// Two independent functions of the canonical text: a CRC-64/ECMA, mixed, and
// a CRC-32C (both hardware-accelerated in ISA-L). Both are fixed functions of
// the bytes, the same in every process: `run --append` keeps the
// fingerprints of earlier batches on disk (abseil's hash is seeded per
// process and could not be).
RowFingerprint Fingerprint(std::string_view canonical, uint64_t salt) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(canonical.data());
  const uint64_t first = Mix64(crc64_ecma_refl(salt, bytes, canonical.size()));
  const uint32_t second = crc32_iscsi(
      reinterpret_cast<unsigned char*>(const_cast<char*>(canonical.data())),
      static_cast<int>(canonical.size()), static_cast<unsigned>(salt ^ kSecondHashSalt));
  return RowFingerprint{first, second};
}

}  // namespace

Status CheckTraceHeader(std::string_view line, std::string_view file_name) {
  std::string_view header = line;
  if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (header == kTraceHeader) return OkStatus();
  if (header.empty()) {
    return InputError(fmt::format("{}: line 1 is blank (expected the header '{}')",
                                  EscapeForTerminal(file_name), kTraceHeader));
  }
  // Cut before escaping, so that the escapes are never cut.
  return InputError(fmt::format("{}: line 1: unexpected header '{}{}' (expected '{}')",
                                EscapeForTerminal(file_name), EscapeForTerminal(Shown(header)),
                                Ellipsis(header), kTraceHeader));
}

namespace {

// What rule-checking returns for a row that passes every rule.
constexpr RejectReason kPassed = RejectReason::kNumReasons;

// The typed values of a row that passed rule 3. Left uninitialized from row
// to row: zeroing them per row showed up in profiles.
struct TypedValues {
  double p_recall;
  int64_t ints[kNumTraceColumns];  // indexed by TraceColumn; the integer columns only
};

// Appends "field '<name>': '<value>' <what>" to `detail`.
void AppendFieldDetail(const csv::Row& row, int column, std::string_view what,
                       std::string* detail) {
  const std::string_view value = row.fields[column];
  *detail += fmt::format("field '{}': '{}{}' {}", kTraceColumnNames[column], Shown(value),
                         Ellipsis(value), what);
}

// Names the field of `row` that holds the control character at row.raw[at]
// (fields are views into the raw row, or into the parser's unescaped copy,
// which keeps every byte but quotes), e.g. "control character 0x00 in field
// 'user_id'".
std::string ControlCharacterDetail(const csv::Row& row, size_t at) {
  const auto byte = static_cast<unsigned char>(row.raw[at]);
  const std::string what = byte == 0xC2 ? fmt::format("control character U+{:04X}",
                                                      static_cast<unsigned char>(row.raw[at + 1]))
                                        : fmt::format("control character 0x{:02X}", byte);
  for (int c = 0; c < kNumTraceColumns; ++c) {
    if (FindControlCharacter(row.fields[c]) != std::string_view::npos) {
      return fmt::format("{} in field '{}'", what, kTraceColumnNames[c]);
    }
  }
  return fmt::format("{} at byte {} of the row", what, at + 1);
}

// Rule 1, malformed: too long, broken quoting, a wrong field count, invalid
// UTF-8, a control character (C0 including tab and line breaks inside quoted
// fields, DEL, C1) anywhere in the row.
RejectReason CheckShape(const csv::Row& row, std::string* detail) {
  if (row.raw.size() > csv::kMaxRowBytes) {
    *detail += fmt::format("the row is longer than {} bytes", csv::kMaxRowBytes);
    return RejectReason::kMalformed;
  }
  if (!row.quote_error.empty()) {
    detail->append(row.quote_error);
    return RejectReason::kMalformed;
  }
  if (row.field_count != kNumTraceColumns) {
    *detail += fmt::format("expected {} fields, found {}", int{kNumTraceColumns}, row.field_count);
    return RejectReason::kMalformed;
  }
  if (row.maybe_non_ascii) {
    const size_t bad_utf8 = FindInvalidUtf8(row.raw);
    if (bad_utf8 != std::string_view::npos) {
      *detail += fmt::format("invalid UTF-8 at byte {} of the row", bad_utf8 + 1);
      return RejectReason::kMalformed;
    }
  }
  // The raw row has every byte of the fields (and only ',' and '"' besides),
  // so one scan of it covers all 12. The parser has ruled out C0 and DEL in
  // most rows; C1 controls are possible only in non-ASCII ones.
  if (row.maybe_control || row.maybe_non_ascii) {
    const size_t control = FindControlCharacter(row.raw);
    if (control != std::string_view::npos) {
      *detail += ControlCharacterDetail(row, control);
      return RejectReason::kMalformed;
    }
  }
  return kPassed;
}

// Rule 2, missing_value: the first empty field.
RejectReason CheckPresent(const csv::Row& row, std::string* detail) {
  for (int c = 0; c < kNumTraceColumns; ++c) {
    if (row.fields[c].empty()) {
      *detail += fmt::format("field '{}' is empty", kTraceColumnNames[c]);
      return RejectReason::kMissingValue;
    }
  }
  return kPassed;
}

// Rule 3, bad_number: p_recall a decimal, the other numeric columns base-10
// integers fitting in 64 bits. Fills `values`.
RejectReason ParseNumbers(const csv::Row& row, TypedValues* values, std::string* detail) {
  if (!validation::ParseDecimal(row.fields[kPRecall], &values->p_recall)) {
    AppendFieldDetail(row, kPRecall, "is not a decimal number", detail);
    return RejectReason::kBadNumber;
  }
  for (int c : {kTimestamp, kDelta, kHistorySeen, kHistoryCorrect, kSessionSeen, kSessionCorrect}) {
    const IntParse parsed = validation::ParseInt64(row.fields[c], &values->ints[c]);
    if (parsed != IntParse::kOk) {
      AppendFieldDetail(
          row, c,
          parsed == IntParse::kOverflow ? "does not fit in 64 bits" : "is not a base-10 integer",
          detail);
      return RejectReason::kBadNumber;
    }
  }
  return kPassed;
}

// Whether p_recall's exact value (not its double) lies in [0, 1]. Rounding
// is monotonic and 0 and 1 are doubles, so a double strictly inside or
// outside decides; only a double of exactly 0 or 1 may have been rounded
// onto the bound, and then the digits decide (the common spellings of 0 and
// 1 without looking at them).
bool PRecallInRange(std::string_view text, double p) {
  if (p > 0.0 && p < 1.0) return true;
  if (p != 0.0 && p != 1.0) return false;
  if (text == "1.0" || text == "0.0" || text == "1" || text == "0") return true;
  return validation::LocateInUnitInterval(text) == validation::UnitInterval::kInside;
}

// Rule 4, out_of_range, checked in column order.
RejectReason CheckRanges(const csv::Row& row, const TypedValues& values, std::string* detail) {
  const int64_t* ints = values.ints;
  const auto out_of_range = [&](int column, std::string_view what) {
    AppendFieldDetail(row, column, what, detail);
    return RejectReason::kOutOfRange;
  };
  if (!PRecallInRange(row.fields[kPRecall], values.p_recall)) {
    return out_of_range(kPRecall, "is outside [0, 1]");
  }
  if (ints[kTimestamp] < kMinTimestamp || ints[kTimestamp] >= kMaxTimestampExclusive) {
    return out_of_range(kTimestamp, "is outside [2000-01-01, 2100-01-01)");
  }
  const auto too_large = [&](int column) {
    return out_of_range(column, fmt::format("is above {}", kMaxCount));
  };
  if (ints[kDelta] < 0) return out_of_range(kDelta, "is negative");
  if (ints[kDelta] > kMaxCount) return too_large(kDelta);
  if (ints[kHistorySeen] < 0) return out_of_range(kHistorySeen, "is negative");
  if (ints[kHistorySeen] > kMaxCount) return too_large(kHistorySeen);
  if (ints[kHistoryCorrect] < 0 || ints[kHistoryCorrect] > ints[kHistorySeen]) {
    return out_of_range(kHistoryCorrect,
                        fmt::format("is outside [0, history_seen = {}]", ints[kHistorySeen]));
  }
  if (ints[kSessionSeen] < 1) return out_of_range(kSessionSeen, "is less than 1");
  if (ints[kSessionSeen] > kMaxCount) return too_large(kSessionSeen);
  if (ints[kSessionCorrect] < 0 || ints[kSessionCorrect] > ints[kSessionSeen]) {
    return out_of_range(kSessionCorrect,
                        fmt::format("is outside [0, session_seen = {}]", ints[kSessionSeen]));
  }
  return kPassed;
}

// Rule 5, unknown_language: both codes in the language reference.
RejectReason CheckLanguages(const csv::Row& row, const LanguageCodes& languages,
                            std::string* detail) {
  for (int c : {kLearningLanguage, kUiLanguage}) {
    if (languages.Find(row.fields[c]) == nullptr) {
      AppendFieldDetail(row, c, "is not an alpha2 code of the language reference", detail);
      return RejectReason::kUnknownLanguage;
    }
  }
  return kPassed;
}

// Rule 6, bad_lexeme: a 32-hex-digit id and a parsable lexeme string.
// `lexeme` is scratch space.
RejectReason CheckLexeme(const csv::Row& row, LexemeParts* lexeme, std::string* detail) {
  if (!validation::IsLexemeId(row.fields[kLexemeId])) {
    AppendFieldDetail(row, kLexemeId, "is not 32 lowercase hex digits", detail);
    return RejectReason::kBadLexeme;
  }
  std::string_view error;
  if (!ParseLexeme(row.fields[kLexemeString], lexeme, &error)) {
    AppendFieldDetail(row, kLexemeString, fmt::format("is not surface/lemma<tag>...: {}", error),
                      detail);
    return RejectReason::kBadLexeme;
  }
  return kPassed;
}

// Rules 1-6 in precedence order: the first failing rule (with `detail` set),
// or kPassed with `values` filled.
RejectReason FirstFailingRule(const csv::Row& row, const References& refs, TypedValues* values,
                              LexemeParts* lexeme, std::string* detail) {
  RejectReason reason = CheckShape(row, detail);
  if (reason == kPassed) reason = CheckPresent(row, detail);
  if (reason == kPassed) reason = ParseNumbers(row, values, detail);
  if (reason == kPassed) reason = CheckRanges(row, *values, detail);
  if (reason == kPassed) reason = CheckLanguages(row, *refs.languages, detail);
  if (reason == kPassed) reason = CheckLexeme(row, lexeme, detail);
  return reason;
}

// Byte estimate for the string column `column` of `batch` in a chunk of
// `rows` rows and `chunk_bytes` bytes. The string columns differ too much
// for one estimate: 2-byte language codes, 32-digit lexeme ids, lexeme
// strings about a third of a row, short user ids.
size_t EstimatedBytes(const TraceBatch& batch, const parquet::ByteArrayVector& column, size_t rows,
                      size_t chunk_bytes) {
  if (&column == &batch.learning_language || &column == &batch.ui_language) return rows * 2;
  if (&column == &batch.lexeme_id) return rows * 32;
  if (&column == &batch.lexeme_string) return chunk_bytes / 3;
  return rows * 8;  // user_id (and any new string column)
}

// Reserves room in `batch` (and `dedup`) for the accepted rows of a chunk of
// `chunk_bytes`. Real rows are about 95 bytes; reserving for 64-byte rows
// avoids regrowth (untouched reserved pages cost nothing).
void ReserveForChunk(size_t chunk_bytes, TraceBatch* batch, DedupInput* dedup) {
  const size_t rows = chunk_bytes / 64 + 16;
  ForEachColumn(*batch, [&](auto& column) {
    if constexpr (std::is_same_v<std::decay_t<decltype(column)>, parquet::ByteArrayVector>) {
      column.reserve(rows, EstimatedBytes(*batch, column, rows, chunk_bytes));
    } else {
      column.reserve(rows);
    }
  });
  if (dedup != nullptr) {
    dedup->fingerprints.reserve(rows);
    dedup->raw_offset.reserve(rows);
    dedup->raw_length.reserve(rows);
  }
}

void AppendAccepted(const csv::Row& row, const TypedValues& values, uint32_t source_file,
                    int64_t line, TraceBatch* ok) {
  const auto* f = row.fields.data();
  const int64_t* ints = values.ints;
  ok->p_recall.push_back(values.p_recall);
  ok->timestamp.push_back(ints[kTimestamp]);
  ok->delta.push_back(ints[kDelta]);
  ok->user_id.push_back(f[kUserId]);
  ok->learning_language.push_back(f[kLearningLanguage]);
  ok->ui_language.push_back(f[kUiLanguage]);
  ok->lexeme_id.push_back(f[kLexemeId]);
  ok->lexeme_string.push_back(f[kLexemeString]);
  ok->history_seen.push_back(ints[kHistorySeen]);
  ok->history_correct.push_back(ints[kHistoryCorrect]);
  ok->session_seen.push_back(ints[kSessionSeen]);
  ok->session_correct.push_back(ints[kSessionCorrect]);
  ok->source_file.push_back(source_file);
  ok->line_number.push_back(line);
}

// The canonical text of a row's 12 values: joined with ',' -- which, for a
// row read without quotes, is its raw text minus any '\r', returned without
// copying. Values that themselves contain ',' get an escaped form (in
// `scratch`) and a different `salt`, so that distinct value lists never
// share a canonical text.
std::string_view CanonicalText(const csv::Row& row, std::string* scratch, uint64_t* salt) {
  const auto* f = row.fields.data();
  *salt = 0;
  const bool plain =
      row.raw.size() == static_cast<size_t>(f[kSessionCorrect].data() + f[kSessionCorrect].size() -
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
  if (contiguous) return row.raw;
  scratch->clear();
  bool has_comma = false;
  for (int c = 0; c < kNumTraceColumns; ++c) {
    has_comma |= f[c].find(',') != std::string_view::npos;
  }
  for (int c = 0; c < kNumTraceColumns; ++c) {
    if (c > 0) scratch->push_back(',');
    if (!has_comma) {
      scratch->append(f[c]);
      continue;
    }
    for (char ch : f[c]) {
      if (ch == ',' || ch == '\\') scratch->push_back('\\');
      scratch->push_back(ch);
    }
  }
  *salt = has_comma ? kEscapedFormSalt : 0;
  return *scratch;
}

}  // namespace

void ChunkValidator::AddDedupInput(std::string_view rows, const csv::Row& row, DedupInput* dedup) {
  uint64_t salt;
  const std::string_view canonical = CanonicalText(row, &canonical_, &salt);
  dedup->fingerprints.push_back(Fingerprint(canonical, salt));
  dedup->raw_offset.push_back(static_cast<uint64_t>(row.raw.data() - rows.data()));
  dedup->raw_length.push_back(static_cast<uint32_t>(row.raw.size()));
}

void ChunkValidator::Validate(std::string_view rows, uint32_t source_file, int64_t first_line,
                              ValidatedChunk* out, DedupInput* dedup) {
  if (out->accepted.size() == 0) ReserveForChunk(rows.size(), &out->accepted, dedup);
  csv::RowParser parser(rows, kNumTraceColumns);
  csv::Row row;
  // Declared outside the loop: zeroing them per row showed up in profiles.
  TypedValues values;
  LexemeParts lexeme;
  while (parser.Next(&row)) {
    ++out->input_rows;
    const int64_t line = first_line + static_cast<int64_t>(row.first_line);
    detail_.clear();
    const RejectReason reason = FirstFailingRule(row, refs_, &values, &lexeme, &detail_);
    if (reason != kPassed) {
      // An over-long row keeps only its start (the chunker cuts longer lines
      // anyway), so the quarantine stays bounded too.
      out->rejected.Add(source_file, line, reason, detail_, row.raw.substr(0, csv::kMaxRowBytes));
      continue;
    }
    AppendAccepted(row, values, source_file, line, &out->accepted);
    if (dedup != nullptr) AddDedupInput(rows, row, dedup);
  }
  out->blank_lines += parser.blank_lines();
  if (dedup != nullptr) dedup->physical_lines += parser.lines();
}

}  // namespace wv::traces
