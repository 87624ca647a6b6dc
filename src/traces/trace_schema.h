#ifndef WV_TRACES_TRACE_SCHEMA_H_
#define WV_TRACES_TRACE_SCHEMA_H_

#include <array>
#include <optional>
#include <string_view>

// The learning-traces CSV format (Settles & Meeder 2016) and the quarantine
// reasons, shared by the generator (which writes it, defects included) and the
// pipeline (which validates it).
namespace wv::traces {

// The columns in file order.
enum TraceColumn : int {
  kPRecall = 0,
  kTimestamp,
  kDelta,
  kUserId,
  kLearningLanguage,
  kUiLanguage,
  kLexemeId,
  kLexemeString,
  kHistorySeen,
  kHistoryCorrect,
  kSessionSeen,
  kSessionCorrect,
  kNumTraceColumns,
};

inline constexpr std::array<std::string_view, kNumTraceColumns> kTraceColumnNames = {
    "p_recall",          "timestamp",       "delta",        "user_id",
    "learning_language", "ui_language",     "lexeme_id",    "lexeme_string",
    "history_seen",      "history_correct", "session_seen", "session_correct"};

// The header line exactly as the real file has it (without line end).
inline constexpr std::string_view kTraceHeader =
    "p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,lexeme_string,"
    "history_seen,history_correct,session_seen,session_correct";

// Why a row was quarantined. A row gets the first failing reason in this
// order (the enum order is the precedence).
enum class RejectReason : int {
  kMalformed = 0,    // wrong field count, unbalanced quotes, invalid UTF-8
  kMissingValue,     // an empty field
  kBadNumber,        // a numeric field that does not parse
  kOutOfRange,       // a number outside its domain
  kUnknownLanguage,  // a code that is not an alpha2 code of the reference
  kBadLexeme,        // malformed lexeme_id or lexeme_string
  kDuplicate,        // equal in all 12 values to an earlier accepted row
  kNumReasons,
};

inline constexpr std::array<std::string_view, static_cast<int>(RejectReason::kNumReasons)>
    kRejectReasonNames = {"malformed",        "missing_value", "bad_number", "out_of_range",
                          "unknown_language", "bad_lexeme",    "duplicate"};

inline std::string_view RejectReasonName(RejectReason r) {
  return kRejectReasonNames[static_cast<int>(r)];
}

inline std::optional<RejectReason> ParseRejectReason(std::string_view name) {
  for (int i = 0; i < static_cast<int>(RejectReason::kNumReasons); ++i) {
    if (kRejectReasonNames[i] == name) return static_cast<RejectReason>(i);
  }
  return std::nullopt;
}

// The timestamp domain: [2000-01-01, 2100-01-01) UTC. Needs 64 bits
// (2^31 seconds is 2038): PostgreSQL/Redshift `bigint` or a timestamp.
inline constexpr long long kMinTimestamp = 946684800;
inline constexpr long long kMaxTimestampExclusive = 4102444800;

// The largest delta, history_seen and session_seen accepted (and so, by the
// rules, history_correct and session_correct): 2^31 - 1, so that every
// accepted count fits the 32-bit integers its consumers use (the analytics
// load session counts as int32; PostgreSQL/Redshift `integer`). The real
// data's are far below (counts in the thousands, delta a few years).
inline constexpr long long kMaxCount = 2147483647;

}  // namespace wv::traces

#endif  // WV_TRACES_TRACE_SCHEMA_H_
