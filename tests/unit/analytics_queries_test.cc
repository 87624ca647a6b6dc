// The queries over a tiny star schema written with the project's own Parquet
// writer, with every expected number worked out by hand from the five rows.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "analytics/fact_snapshot.h"
#include "analytics/queries.h"
#include "analytics/stats.h"
#include "gtest/gtest.h"
#include "parquet/writer.h"
#include "support/temp_dir.h"
#include "support/test_sinks.h"

namespace wv::analytics {
namespace {

namespace fs = std::filesystem;
using parquet::ColumnSchema;
using parquet::ColumnVector;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;

constexpr int64_t kDay0 = 1362096000;  // 2013-03-01T00:00:00Z
constexpr int64_t kDay1 = kDay0 + 86400;

struct Row {
  const char* learning;
  const char* ui;
  const char* user;
  int64_t epoch;
  int64_t delta;
  int64_t seen;
  int64_t correct;
  const char* lexeme;
};

// es<-en: three rows on day 0 (hours 10, 10, 11); en<-es: two rows on day 1 (hour 10).
const std::vector<Row> kRows = {
    {"es", "en", "u:1", kDay0 + 10 * 3600, 60, 2, 2, "aaaa"},
    {"es", "en", "u:1", kDay0 + 10 * 3600, 7200, 1, 0, "bbbb"},
    {"es", "en", "u:2", kDay0 + 11 * 3600, 100000, 2, 1, "aaaa"},
    {"en", "es", "u:3", kDay1 + 10 * 3600, 3000000, 1, 1, "cccc"},
    {"en", "es", "u:1", kDay1 + 10 * 3600, 8 * 86400, 3, 1, "cccc"},
};

void WriteFile(const std::string& path, const std::vector<ColumnSchema>& schema,
               const std::vector<ColumnVector>& columns, size_t rows, int64_t row_group_rows) {
  fs::create_directories(fs::path(path).parent_path());
  auto sink = testing::NewTestFileSink(path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  parquet::WriterOptions options;
  options.row_group_rows = row_group_rows;
  auto writer =
      parquet::FileWriter::Open(parquet::Schema{schema}, std::move(sink).value(), options);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->WriteBatch(columns, rows).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

ColumnSchema Str(const char* name) {
  return {name, PhysicalType::kByteArray, LogicalType::kString, Repetition::kRequired};
}
ColumnSchema I64(const char* name) {
  return {name, PhysicalType::kInt64, LogicalType::kNone, Repetition::kRequired};
}

void WriteFacts(const std::string& path, size_t begin, size_t end, int64_t row_group_rows) {
  const std::vector<ColumnSchema> schema = {
      I64("epoch"),
      Str("user_id"),
      Str("learning_language"),
      Str("ui_language"),
      Str("lexeme_id"),
      I64("delta"),
      {"p_recall", PhysicalType::kDouble, LogicalType::kNone, Repetition::kRequired},
      I64("session_seen"),
      I64("session_correct")};
  std::vector<ColumnVector> cols(schema.size());
  for (size_t i = begin; i < end; ++i) {
    const Row& r = kRows[i];
    cols[0].i64.push_back(r.epoch);
    cols[1].bytes.push_back(r.user);
    cols[2].bytes.push_back(r.learning);
    cols[3].bytes.push_back(r.ui);
    cols[4].bytes.push_back(r.lexeme);
    cols[5].i64.push_back(r.delta);
    cols[6].f64.push_back(static_cast<double>(r.correct) / static_cast<double>(r.seen));
    cols[7].i64.push_back(r.seen);
    cols[8].i64.push_back(r.correct);
  }
  WriteFile(path, schema, cols, end - begin, row_group_rows);
}

class QueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::UniqueTestPath("wv_queries_").string();
    fs::remove_all(dir_);
    // Day 0 in row groups of two rows; day 1 in one.
    WriteFacts(dir_ + "/fact_wordviews/date=2013-03-01/part-0.parquet", 0, 3, 2);
    WriteFacts(dir_ + "/fact_wordviews/date=2013-03-02/part-0.parquet", 3, 5, 100);
    std::vector<ColumnVector> langs(2);
    for (auto [code, name] : {std::pair{"en", "English"}, std::pair{"es", "Spanish; Castilian"}}) {
      langs[0].bytes.push_back(code);
      langs[1].bytes.push_back(name);
    }
    WriteFile(dir_ + "/dim_langs/part-0.parquet", {Str("alpha2_code"), Str("english_name")}, langs,
              2, 100);
    std::vector<ColumnVector> words(3);
    for (auto [id, s, pos] :
         {std::tuple{"aaaa", "a/a<n>", "n"}, std::tuple{"bbbb", "<b>/b<vblex>", "vblex"},
          std::tuple{"cccc", "c/c<n><pl>", "n"}}) {
      words[0].bytes.push_back(id);
      words[1].bytes.push_back(s);
      words[2].bytes.push_back(pos);
    }
    WriteFile(dir_ + "/dim_words/part-0.parquet",
              {Str("lexeme_id"), Str("lexeme_string"), Str("part_of_speech")}, words, 3, 100);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ResultTable Run(const char* name, QueryOptions options = {}) {
    const QueryDef* q = FindQuery(name);
    EXPECT_NE(q, nullptr) << name;
    auto r = RunQuery(dir_, *q, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  std::string dir_;
};

const std::string& S(const ResultTable& t, const char* col, size_t row) {
  return t.column(t.ColumnIndex(col)).strings[row];
}
int64_t I(const ResultTable& t, const char* col, size_t row) {
  return t.column(t.ColumnIndex(col)).ints[row];
}
double D(const ResultTable& t, const char* col, size_t row) {
  return t.column(t.ColumnIndex(col)).doubles[row];
}
bool Null(const ResultTable& t, const char* col, size_t row) {
  return t.column(t.ColumnIndex(col)).is_null(row);
}

TEST_F(QueriesTest, Pairs) {
  const auto t = Run("pairs");
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(S(t, "learning_language", 0), "en");
  EXPECT_EQ(S(t, "ui_language", 0), "es");
  EXPECT_EQ(S(t, "learning_name", 0), "English");
  EXPECT_EQ(S(t, "ui_name", 0), "Spanish; Castilian");
  EXPECT_EQ(I(t, "views", 0), 2);
  EXPECT_EQ(S(t, "learning_language", 1), "es");
  EXPECT_EQ(I(t, "views", 1), 3);
}

TEST_F(QueriesTest, PairUsersAndViews) {
  const auto users = Run("pair-users");
  ASSERT_EQ(users.num_rows(), 2u);
  // Two users each (u:1 takes both courses): a tie, broken by the pair's key.
  EXPECT_EQ(S(users, "learning_language", 0), "en");
  EXPECT_EQ(I(users, "users", 0), 2);
  EXPECT_EQ(I(users, "users", 1), 2);
  EXPECT_DOUBLE_EQ(D(users, "share", 0), 2.0 / 3.0);

  const auto views = Run("pair-views");
  ASSERT_EQ(views.num_rows(), 2u);
  EXPECT_EQ(S(views, "learning_language", 0), "es");  // most views first
  EXPECT_EQ(I(views, "views", 0), 3);
  EXPECT_EQ(I(views, "sessions", 0), 2);  // u:1 at 10:00 (two rows), u:2 at 11:00
  EXPECT_EQ(I(views, "exercises", 0), 5);
  EXPECT_EQ(I(views, "sessions", 1), 2);  // u:3 and u:1 at the same time: two sessions
  EXPECT_EQ(I(views, "exercises", 1), 4);
}

TEST_F(QueriesTest, TimeOfDayAndTest) {
  const auto hours = Run("time-of-day");
  ASSERT_EQ(hours.num_rows(), 48u);
  EXPECT_EQ(I(hours, "views", 10), 2);       // en<-es at 10:00
  EXPECT_EQ(I(hours, "views", 24 + 10), 2);  // es<-en at 10:00
  EXPECT_EQ(I(hours, "views", 24 + 11), 1);
  EXPECT_DOUBLE_EQ(D(hours, "share_of_pair", 24 + 11), 1.0 / 3.0);

  const auto test = Run("time-of-day-test");
  ASSERT_EQ(test.num_rows(), 3u);
  // Observed [[2, 0], [2, 1]] over hours 10 and 11; expected [[1.6, .4], [2.4, .6]]:
  // chi2 = .16/1.6 + .16/.4 + .16/2.4 + .16/.6 = 5/6.
  EXPECT_EQ(S(test, "scope", 2), "overall");
  EXPECT_TRUE(Null(test, "learning_language", 2));
  EXPECT_NEAR(D(test, "chi2", 2), 5.0 / 6.0, 1e-12);
  EXPECT_EQ(I(test, "dof", 2), 1);
  EXPECT_NEAR(D(test, "p_value", 2), *ChiSquarePValue(5.0 / 6.0, 1), 1e-15);
  EXPECT_NEAR(D(test, "chi2", 0) + D(test, "chi2", 1), 5.0 / 6.0, 1e-12);
  EXPECT_EQ(I(test, "peak_hour", 2), 10);
}

TEST_F(QueriesTest, RetentionAndForgettingCurve) {
  const auto r = Run("retention-pairs");
  ASSERT_EQ(r.num_rows(), 2u);
  EXPECT_EQ(S(r, "learning_language", 0), "es");  // 3/5 beats 2/4
  EXPECT_DOUBLE_EQ(D(r, "recall_rate", 0), 0.6);
  EXPECT_DOUBLE_EQ(D(r, "recall_rate", 1), 0.5);
  EXPECT_EQ(I(r, "rank", 1), 2);
  EXPECT_DOUBLE_EQ(D(r, "median_lag_days", 0), 7200.0 / 86400);
  EXPECT_DOUBLE_EQ(D(r, "median_lag_days", 1), (3000000.0 + 8 * 86400) / 2 / 86400);
  EXPECT_DOUBLE_EQ(D(r, "mean_p_recall", 0), (1.0 + 0.0 + 0.5) / 3);
  const auto ci = WilsonInterval(3, 5);
  EXPECT_DOUBLE_EQ(D(r, "ci_low", 0), ci->low);
  EXPECT_FALSE(Null(r, "half_life_days", 0));

  const auto ui = Run("retention-ui");
  ASSERT_EQ(ui.num_rows(), 2u);
  EXPECT_EQ(S(ui, "ui_language", 0), "en");
  EXPECT_EQ(I(ui, "learning_languages", 0), 1);

  const auto c = Run("forgetting-curve");
  ASSERT_EQ(c.num_rows(), 10u);
  // en<-es: 8 days -> 7d-30d (1 of 3); 3,000,000 s -> >30d (1 of 1).
  EXPECT_EQ(I(c, "views", 3), 1);
  EXPECT_DOUBLE_EQ(D(c, "recall_rate", 3), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(D(c, "recall_rate", 4), 1.0);
  EXPECT_TRUE(Null(c, "recall_rate", 0));
  EXPECT_EQ(I(c, "views", 0), 0);
  // es<-en: 60 s -> <1h (2/2), 7200 s -> 1h-1d (0/1), 100000 s -> 1d-7d (1/2).
  EXPECT_EQ(S(c, "lag_bucket", 5), "<1h");
  EXPECT_DOUBLE_EQ(D(c, "recall_rate", 5), 1.0);
  EXPECT_DOUBLE_EQ(D(c, "recall_rate", 6), 0.0);
  EXPECT_DOUBLE_EQ(D(c, "recall_rate", 7), 0.5);
}

TEST_F(QueriesTest, WordsAndPartsOfSpeech) {
  QueryOptions o;
  o.top = 1;
  o.min_views = 1;
  const auto h = Run("hardest-words", o);
  ASSERT_EQ(h.num_rows(), 2u);
  EXPECT_EQ(S(h, "learning_language", 0), "en");
  EXPECT_EQ(S(h, "lexeme_id", 0), "cccc");
  EXPECT_DOUBLE_EQ(D(h, "recall_rate", 0), 0.5);
  EXPECT_EQ(S(h, "learning_language", 1), "es");
  EXPECT_EQ(S(h, "lexeme_string", 1), "<b>/b<vblex>");
  EXPECT_DOUBLE_EQ(D(h, "recall_rate", 1), 0.0);

  o.min_views = 2;  // bbbb (one view) drops out; aaaa (3/4) is then the hardest in es
  const auto h2 = Run("hardest-words", o);
  ASSERT_EQ(h2.num_rows(), 2u);
  EXPECT_EQ(S(h2, "lexeme_id", 1), "aaaa");

  const auto pos = Run("recall-by-pos");
  ASSERT_EQ(pos.num_rows(), 2u);
  EXPECT_EQ(S(pos, "part_of_speech", 0), "n");
  EXPECT_EQ(I(pos, "words", 0), 2);
  EXPECT_EQ(I(pos, "views", 0), 4);
  EXPECT_DOUBLE_EQ(D(pos, "recall_rate", 0), 5.0 / 8.0);
  EXPECT_EQ(S(pos, "part_of_speech", 1), "vblex");
}

TEST_F(QueriesTest, MissingColumnIsAnInputError) {
  // A fact file without session_seen: queries that need it fail, others work.
  WriteFile(
      dir_ + "/fact_wordviews/date=2013-03-03/part-0.parquet",
      {Str("learning_language"), Str("ui_language")},
      [] {
        std::vector<ColumnVector> c(2);
        c[0].bytes.push_back("es");
        c[1].bytes.push_back("en");
        return c;
      }(),
      1, 100);
  auto bad = RunQuery(dir_, *FindQuery("pair-views"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kInput);
  EXPECT_NE(bad.status().message().find("date=2013-03-03"), std::string::npos);
  auto ok = RunQuery(dir_, *FindQuery("pairs"), {});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(I(*ok, "views", 1), 4);
}

TEST_F(QueriesTest, NotAStarSchemaDir) {
  auto r = RunQuery(dir_ + "/nope", *FindQuery("pairs"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kInput);
  EXPECT_EQ(FindQuery("no-such-query"), nullptr);
}

}  // namespace
}  // namespace wv::analytics
