// The star-schema contract: every enum position names the column it says,
// the derived Parquet schemas are the contract's columns, and the keys refer
// to columns that exist with matching types.
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

template <typename Enum>
void ExpectPositions(std::string_view table, int count,
                     const std::vector<std::pair<Enum, std::string_view>>& expected) {
  SCOPED_TRACE(std::string(table));
  ASSERT_EQ(static_cast<int>(expected.size()), count);
  ASSERT_EQ(static_cast<int>(Table(table).columns.size()), count);
  for (int i = 0; i < count; ++i) {
    const auto& [position, name] = expected[i];
    EXPECT_EQ(static_cast<int>(position), i) << name;
    EXPECT_EQ(ColumnName(position), name);
    EXPECT_EQ(Table(table).columns[i].name, name);
    EXPECT_EQ(ColumnIndex(table, name), i);
  }
}

TEST(StarSchemaTest, FactPositionsMatchNames) {
  ExpectPositions<FactColumn>(kFactTable, kNumFactColumns,
                              {{kFactTimestamp, "timestamp"},
                               {kFactEpoch, "epoch"},
                               {kFactUserId, "user_id"},
                               {kFactLearningLanguage, "learning_language"},
                               {kFactUiLanguage, "ui_language"},
                               {kFactLexemeId, "lexeme_id"},
                               {kFactDelta, "delta"},
                               {kFactPRecall, "p_recall"},
                               {kFactSessionSeen, "session_seen"},
                               {kFactSessionCorrect, "session_correct"},
                               {kFactHistorySeen, "history_seen"},
                               {kFactHistoryCorrect, "history_correct"},
                               {kFactSessionPct, "session_pct"},
                               {kFactHistoryPct, "history_pct"},
                               {kFactSourceFile, "source_file"},
                               {kFactLineNumber, "line_number"},
                               {kFactBatchId, "batch_id"}});
}

TEST(StarSchemaTest, DimensionPositionsMatchNames) {
  ExpectPositions<UsersColumn>(kUsersTable, kNumUsersColumns,
                               {{kUserId, "user_id"},
                                {kUserNumberOfSessions, "number_of_sessions"},
                                {kUserFirstSeen, "first_seen"},
                                {kUserLastSeen, "last_seen"},
                                {kUserViews, "views"},
                                {kUserCourses, "courses"}});
  ExpectPositions<TimesColumn>(kTimesTable, kNumTimesColumns,
                               {{kTimeEpoch, "epoch"},
                                {kTimeTimestamp, "timestamp"},
                                {kTimeHour, "hour"},
                                {kTimeDay, "day"},
                                {kTimeWeek, "week"},
                                {kTimeMonth, "month"},
                                {kTimeYear, "year"},
                                {kTimeWeekday, "weekday"},
                                {kTimeDate, "date"},
                                {kTimeIsoYear, "iso_year"}});
  ExpectPositions<LangsColumn>(kLangsTable, kNumLangsColumns,
                               {{kLangAlpha2, "alpha2_code"},
                                {kLangEnglishName, "english_name"},
                                {kLangFrenchName, "french_name"},
                                {kLangAlpha3B, "alpha3_b"},
                                {kLangAlpha3T, "alpha3_t"}});
  ExpectPositions<WordsColumn>(kWordsTable, kNumWordsColumns,
                               {{kWordLexemeId, "lexeme_id"},
                                {kWordLanguage, "language"},
                                {kWordLexemeString, "lexeme_string"},
                                {kWordSurface, "surface"},
                                {kWordLemma, "lemma"},
                                {kWordPartOfSpeech, "part_of_speech"},
                                {kWordPosDescription, "pos_description"},
                                {kWordModifiers, "modifiers"},
                                {kWordGender, "gender"},
                                {kWordNumber, "number"},
                                {kWordPerson, "person"},
                                {kWordTense, "tense"},
                                {kWordCase, "case"},
                                {kWordDefiniteness, "definiteness"},
                                {kWordSurfaceIsWildcard, "surface_is_wildcard"},
                                {kWordHasWildcardTag, "has_wildcard_tag"},
                                {kWordUnknownTags, "unknown_tags"}});
  ExpectPositions<QuarantineColumn>(kQuarantineTable, kNumQuarantineColumns,
                                    {{kQuarantineSourceFile, "source_file"},
                                     {kQuarantineLineNumber, "line_number"},
                                     {kQuarantineReason, "reason"},
                                     {kQuarantineDetail, "detail"},
                                     {kQuarantineRawLine, "raw_line"},
                                     {kQuarantineBatchId, "batch_id"}});
}

TEST(StarSchemaTest, EveryTableIsDescribedCompletely) {
  ASSERT_EQ(AllTableContracts().size(), kAllTables.size());
  for (size_t t = 0; t < kAllTables.size(); ++t) {
    const TableContract& table = AllTableContracts()[t];
    SCOPED_TRACE(std::string(table.name));
    EXPECT_EQ(table.name, kAllTables[t]);
    EXPECT_EQ(&Table(table.name), &table);
    EXPECT_FALSE(table.description.empty());
    EXPECT_EQ(table.description.find('\n'), std::string_view::npos);
    EXPECT_FALSE(table.primary_key.empty());
    std::set<std::string_view> names;
    for (const ColumnContract& c : table.columns) {
      EXPECT_TRUE(names.insert(c.name).second) << "duplicate column " << c.name;
      EXPECT_FALSE(c.description.empty()) << c.name;
      EXPECT_EQ(c.description.find('\n'), std::string_view::npos) << c.name;
    }
    for (std::string_view key : table.primary_key) {
      const int i = table.ColumnIndex(key);
      ASSERT_GE(i, 0) << key;
      EXPECT_FALSE(table.columns[i].nullable()) << "nullable key " << key;
    }
  }
  EXPECT_EQ(FindTable("no_such_table"), nullptr);
  EXPECT_EQ(ColumnIndex(kFactTable, "no_such_column"), -1);
  EXPECT_EQ(ColumnIndex("no_such_table", "epoch"), -1);
}

TEST(StarSchemaTest, DerivedSchemasAreTheContractsColumns) {
  for (const TableContract& table : AllTableContracts()) {
    SCOPED_TRACE(std::string(table.name));
    const parquet::Schema& schema = table.schema();
    EXPECT_EQ(SchemaOf(table.name), &schema);
    ASSERT_EQ(schema.columns.size(), table.columns.size());
    for (size_t i = 0; i < schema.columns.size(); ++i) {
      EXPECT_EQ(schema.columns[i].name, table.columns[i].name);
      EXPECT_EQ(schema.columns[i].physical, table.columns[i].physical);
      EXPECT_EQ(schema.columns[i].logical, table.columns[i].logical);
      EXPECT_EQ(schema.columns[i].repetition, table.columns[i].repetition);
    }
  }
  EXPECT_EQ(&FactSchema(), &Table(kFactTable).schema());
  EXPECT_EQ(&UsersSchema(), &Table(kUsersTable).schema());
  EXPECT_EQ(&TimesSchema(), &Table(kTimesTable).schema());
  EXPECT_EQ(&LangsSchema(), &Table(kLangsTable).schema());
  EXPECT_EQ(&WordsSchema(), &Table(kWordsTable).schema());
  EXPECT_EQ(&QuarantineSchema(), &Table(kQuarantineTable).schema());
  EXPECT_EQ(SchemaOf("no_such_table"), nullptr);
}

TEST(StarSchemaTest, NullabilityFollowsTheBuilders) {
  // The columns the builders may leave NULL, and only those.
  std::set<std::pair<std::string_view, std::string_view>> nullable;
  for (const TableContract& table : AllTableContracts()) {
    for (const ColumnContract& c : table.columns) {
      if (c.nullable()) nullable.emplace(table.name, c.name);
    }
  }
  const std::set<std::pair<std::string_view, std::string_view>> expected = {
      {kFactTable, "history_pct"}, {kLangsTable, "english_name"}, {kLangsTable, "french_name"},
      {kLangsTable, "alpha3_b"},   {kLangsTable, "alpha3_t"},     {kWordsTable, "pos_description"},
      {kWordsTable, "gender"},     {kWordsTable, "number"},       {kWordsTable, "person"},
      {kWordsTable, "tense"},      {kWordsTable, "case"},         {kWordsTable, "definiteness"},
  };
  EXPECT_EQ(nullable, expected);
}

TEST(StarSchemaTest, ForeignKeysReferenceKeysOfTheSameType) {
  const TableContract& fact = Table(kFactTable);
  std::set<std::string_view> columns;
  for (const ForeignKey& fk : fact.foreign_keys) {
    SCOPED_TRACE(std::string(fk.column));
    columns.insert(fk.column);
    const int from = fact.ColumnIndex(fk.column);
    ASSERT_GE(from, 0);
    const TableContract& target = Table(fk.referenced_table);
    ASSERT_EQ(target.primary_key.size(), 1u);
    EXPECT_EQ(target.primary_key[0], fk.referenced_column);
    const int to = target.ColumnIndex(fk.referenced_column);
    ASSERT_GE(to, 0);
    EXPECT_EQ(fact.columns[from].physical, target.columns[to].physical);
    EXPECT_EQ(fact.columns[from].logical, target.columns[to].logical);
  }
  EXPECT_EQ(columns, (std::set<std::string_view>{"user_id", "epoch", "learning_language",
                                                 "ui_language", "lexeme_id"}));
  for (const TableContract& table : AllTableContracts()) {
    if (table.name != kFactTable) {
      EXPECT_TRUE(table.foreign_keys.empty()) << table.name;
    }
  }
}

}  // namespace
}  // namespace wv::model
