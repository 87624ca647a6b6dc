#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/star_schema.h"
#include "parquet_test_util.h"
#include "run/recount.h"

namespace wv::run {
namespace {

constexpr int64_t kEpoch = 1362076081;  // 2013-02-28T18:28:01Z
constexpr int64_t kDay = kEpoch / 86400;

// Fact rows built column by column, in the contract's column order.
class FactRows {
 public:
  FactRows() : cols_(model::kNumFactColumns) {}

  FactRows& Add(std::string_view user, std::string_view learning, std::string_view lexeme,
                double p_recall = 1.0, int64_t epoch = kEpoch) {
    using namespace model;
    cols_[kFactTimestamp].i64.push_back(epoch * 1000000);
    cols_[kFactEpoch].i64.push_back(epoch);
    cols_[kFactUserId].bytes.push_back(user);
    cols_[kFactLearningLanguage].bytes.push_back(learning);
    cols_[kFactUiLanguage].bytes.push_back("en");
    cols_[kFactLexemeId].bytes.push_back(lexeme);
    cols_[kFactDelta].i64.push_back(10);
    cols_[kFactPRecall].f64.push_back(p_recall);
    cols_[kFactSessionSeen].i64.push_back(2);
    cols_[kFactSessionCorrect].i64.push_back(2);
    cols_[kFactHistorySeen].i64.push_back(0);
    cols_[kFactHistoryCorrect].i64.push_back(0);
    cols_[kFactSessionPct].f64.push_back(1.0);
    cols_[kFactHistoryPct].f64.push_back(0.0);
    cols_[kFactHistoryPct].valid.push_back(0);
    cols_[kFactSourceFile].bytes.push_back("in.csv");
    cols_[kFactLineNumber].i64.push_back(++rows_);
    cols_[kFactBatchId].bytes.push_back("b");
    return *this;
  }

  std::unique_ptr<parquet::FileReader> File() const {
    auto reader = parquet::FileReader::OpenBuffer(
        testing::WriteToString(model::FactSchema(), cols_, rows_, parquet::WriterOptions{}),
        "fact");
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return std::move(reader).value();
  }

 private:
  std::vector<parquet::ColumnVector> cols_;
  size_t rows_ = 0;
};

DimensionIndex SmallIndex() {
  DimensionIndex d;
  d.users.emplace("u:1", 0);
  d.epochs.insert(kEpoch);
  d.langs.insert("es");
  d.langs.insert("en");
  d.words.emplace("w1", 0);
  d.word_language.push_back("es");
  return d;
}

TEST(FactRecountTest, CountsResolutionConflictsAndCollisionsAcrossFilesOfAPartition) {
  const DimensionIndex dims = SmallIndex();
  FactRecount recount(&dims);
  const auto a =
      FactRows().Add("u:1", "es", "w1").Add("u:1", "es", "w1").Add("u:2", "fr", "w1").File();
  const auto b = FactRows().Add("u:1", "es", "w1").Add("u:2", "fr", "w1", 1.5).File();
  ASSERT_TRUE(recount.AddFile(*a, kDay).ok());
  ASSERT_TRUE(recount.AddFile(*b, kDay).ok());
  recount.FinishPartition();
  // Repeats of (u:1, epoch, w1): two; of the unresolved (u:2, epoch, w1): one.
  EXPECT_EQ(recount.natural_key_collisions(), 3);
  EXPECT_EQ(recount.profile().rows, 5);
  EXPECT_EQ(recount.coverage().users, 3);
  EXPECT_EQ(recount.coverage().learning_langs, 3);
  EXPECT_EQ(recount.coverage().ui_langs, 5);
  EXPECT_EQ(recount.coverage().words, 5);
  EXPECT_EQ(recount.coverage().times, 5);
  EXPECT_EQ(recount.rows_with_other_language(), 2);
  EXPECT_EQ(recount.lexemes_with_other_language(), 1);
  EXPECT_EQ(recount.profile().p_recall_out_of_domain, 1);
  EXPECT_EQ(recount.profile().p_recall_disagrees, 1);
  EXPECT_EQ(recount.rows_outside_partition(), 0);
}

TEST(FactRecountTest, CountsCollisionsOfASessionWhoseRowsAreApart) {
  DimensionIndex dims = SmallIndex();
  dims.users.emplace("u:2", 1);
  dims.epochs.insert(kEpoch + 1);
  dims.words.emplace("w2", 1);
  dims.words.emplace("w3", 2);
  dims.word_language.insert(dims.word_language.end(), {"es", "es"});
  FactRecount recount(&dims);
  // The session (u:1, kEpoch) in two runs and (u:2, kEpoch) in two, other
  // sessions between them: (u:1, w1), (u:1, w2) and (u:2, w1) repeat once each
  // across their runs; (u:1, kEpoch + 1, w1) is another key.
  FactRows rows;
  rows.Add("u:1", "es", "w1").Add("u:1", "es", "w2").Add("u:2", "es", "w1");
  rows.Add("u:1", "es", "w1").Add("u:1", "es", "w1", 1.0, kEpoch + 1).Add("u:1", "es", "w2");
  rows.Add("u:2", "es", "w3").Add("u:2", "es", "w1").Add("u:2", "es", "w2");
  ASSERT_TRUE(recount.AddFile(*rows.File(), kDay).ok());
  recount.FinishPartition();
  EXPECT_EQ(recount.natural_key_collisions(), 3);
  EXPECT_EQ(recount.coverage().users, 9);
  EXPECT_EQ(recount.coverage().words, 9);
}

TEST(FactRecountTest, PartitionsDoNotShareKeysAndMergeAddsUp) {
  const DimensionIndex dims = SmallIndex();
  FactRecount first(&dims), second(&dims);
  const auto f = FactRows().Add("u:1", "es", "w1").File();
  ASSERT_TRUE(first.AddFile(*f, kDay).ok());
  first.FinishPartition();
  // The same rows filed under another day: no collision across partitions,
  // but every row is outside its partition.
  ASSERT_TRUE(first.AddFile(*f, kDay + 1).ok());
  first.FinishPartition();
  EXPECT_EQ(first.natural_key_collisions(), 0);
  EXPECT_EQ(first.rows_outside_partition(), 1);
  ASSERT_TRUE(second.AddFile(*FactRows().Add("u:1", "fr", "w1").File(), kDay).ok());
  second.FinishPartition();
  first.Merge(second);
  EXPECT_EQ(first.profile().rows, 3);
  EXPECT_EQ(first.lexemes_with_other_language(), 1);
}

}  // namespace
}  // namespace wv::run
