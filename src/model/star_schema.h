#ifndef WV_MODEL_STAR_SCHEMA_H_
#define WV_MODEL_STAR_SCHEMA_H_

#include <array>
#include <string_view>

#include "parquet/schema.h"

// The output tables' Parquet schemas. The column names are the contract with
// readers (issue 4); the enums give each column's position in its schema.
// Stateless; thread-safe.
namespace wv::model {

inline constexpr std::string_view kFactTable = "fact_wordviews";
inline constexpr std::string_view kUsersTable = "dim_users";
inline constexpr std::string_view kTimesTable = "dim_times";
inline constexpr std::string_view kLangsTable = "dim_langs";
inline constexpr std::string_view kWordsTable = "dim_words";
inline constexpr std::string_view kQuarantineTable = "quarantine";
inline constexpr std::array<std::string_view, 6> kAllTables = {
    kFactTable, kUsersTable, kTimesTable, kLangsTable, kWordsTable, kQuarantineTable};

enum FactColumn : int {
  kFactTimestamp = 0,
  kFactEpoch,
  kFactUserId,
  kFactLearningLanguage,
  kFactUiLanguage,
  kFactLexemeId,
  kFactDelta,
  kFactPRecall,
  kFactSessionSeen,
  kFactSessionCorrect,
  kFactHistorySeen,
  kFactHistoryCorrect,
  kFactSessionPct,
  kFactHistoryPct,
  kFactSourceFile,
  kFactLineNumber,
  kNumFactColumns,
};

enum UsersColumn : int {
  kUserId = 0,
  kUserNumberOfSessions,
  kUserFirstSeen,
  kUserLastSeen,
  kUserViews,
  kUserCourses,
  kNumUsersColumns,
};

enum TimesColumn : int {
  kTimeEpoch = 0,
  kTimeTimestamp,
  kTimeHour,
  kTimeDay,
  kTimeWeek,
  kTimeMonth,
  kTimeYear,
  kTimeWeekday,
  kTimeDate,
  kTimeIsoYear,
  kNumTimesColumns,
};

enum LangsColumn : int {
  kLangAlpha2 = 0,
  kLangEnglishName,
  kLangFrenchName,
  kLangAlpha3B,
  kLangAlpha3T,
  kNumLangsColumns,
};

enum WordsColumn : int {
  kWordLexemeId = 0,
  kWordLanguage,
  kWordLexemeString,
  kWordSurface,
  kWordLemma,
  kWordPartOfSpeech,
  kWordPosDescription,
  kWordModifiers,
  kWordGender,
  kWordNumber,
  kWordPerson,
  kWordTense,
  kWordCase,
  kWordDefiniteness,
  kWordSurfaceIsWildcard,
  kWordHasWildcardTag,
  kWordUnknownTags,
  kNumWordsColumns,
};

enum QuarantineColumn : int {
  kQuarantineSourceFile = 0,
  kQuarantineLineNumber,
  kQuarantineReason,
  kQuarantineDetail,
  kQuarantineRawLine,
  kNumQuarantineColumns,
};

const parquet::Schema& FactSchema();
const parquet::Schema& UsersSchema();
const parquet::Schema& TimesSchema();
const parquet::Schema& LangsSchema();
const parquet::Schema& WordsSchema();
const parquet::Schema& QuarantineSchema();
// The schema of `table` (one of kAllTables), or nullptr.
const parquet::Schema* SchemaOf(std::string_view table);

}  // namespace wv::model

#endif  // WV_MODEL_STAR_SCHEMA_H_
