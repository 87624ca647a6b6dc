#ifndef WV_MODEL_STAR_SCHEMA_H_
#define WV_MODEL_STAR_SCHEMA_H_

#include <array>
#include <span>
#include <string_view>

#include "parquet/schema.h"

// The star schema's contract with its readers (issue 4), in one place: every
// table with a description, every column with its name, Parquet types,
// nullability and meaning, each table's primary key and the fact table's
// foreign keys. The Parquet schemas the writers use (FactSchema() ...) are
// derived from it, and so are the report's data dictionary and the readers'
// column lookups; the SQL DDL will be too. The enums give each column's
// position in its table (a unit test checks them against the names).
// Immutable static data; thread-safe.
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
  kFactBatchId,
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
  kQuarantineBatchId,
  kNumQuarantineColumns,
};

// One column of a table.
struct ColumnContract {
  std::string_view name;
  parquet::PhysicalType physical;
  parquet::LogicalType logical;
  parquet::Repetition repetition;
  std::string_view description;  // one line: what the column holds, for people

  bool nullable() const { return repetition == parquet::Repetition::kOptional; }
};

// `column` of the fact table holds keys of `referenced_table.referenced_column`.
struct ForeignKey {
  std::string_view column;
  std::string_view referenced_table;
  std::string_view referenced_column;
};

// One table of the star schema.
struct TableContract {
  std::string_view name;                          // also its folder under the output directory
  std::string_view description;                   // one line
  std::span<const ColumnContract> columns;        // in file order; index = the table's enum
  std::span<const std::string_view> primary_key;  // column names; several = composite
  std::span<const ForeignKey> foreign_keys;       // empty except for the fact table

  // The position of `column`, or -1.
  int ColumnIndex(std::string_view column) const;
  // The Parquet schema of the table's files, derived from `columns`.
  const parquet::Schema& schema() const;
};

// Every table, in kAllTables order.
std::span<const TableContract> AllTableContracts();
// The table named `name`, or nullptr.
const TableContract* FindTable(std::string_view name);
// The table named `name`.
// REQUIRES: `name` is one of kAllTables (anything else is a programming error: aborts).
const TableContract& Table(std::string_view name);
// The position of `column` in `table`, or -1 (also for an unknown table).
int ColumnIndex(std::string_view table, std::string_view column);

// The name of a column given its position: readers look columns up by these,
// never by a string spelled again.
std::string_view ColumnName(FactColumn c);
std::string_view ColumnName(UsersColumn c);
std::string_view ColumnName(TimesColumn c);
std::string_view ColumnName(LangsColumn c);
std::string_view ColumnName(WordsColumn c);
std::string_view ColumnName(QuarantineColumn c);

// The Parquet schemas, derived from the contracts above.
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
