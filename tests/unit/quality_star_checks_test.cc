#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "quality/star_checks.h"

namespace wv::quality {
namespace {

// A consistent build: 10 input rows, 8 in the fact table, 2 quarantined.
model::BuildStats GoodStats() {
  model::BuildStats s;
  s.input_rows = 10;
  s.fact_rows = 8;
  s.quarantine_rows = 2;
  s.rejected_by_reason[static_cast<int>(traces::RejectReason::kDuplicate)] = 2;
  s.modelled_rows = 8;
  s.coverage = {8, 8, 8, 8, 8};
  s.fact.rows = 8;
  model::DimensionKeys users{
      "dim_users", "user_id", parquet::PhysicalType::kByteArray, {}, std::nullopt};
  users.values.bytes.push_back("u:a");
  users.values.bytes.push_back("u:b");
  model::DimensionKeys times{"dim_times", "epoch", parquet::PhysicalType::kInt64, {}, std::nullopt};
  times.values.i64 = {1, 2, 3};
  model::DimensionKeys langs{
      "dim_langs", "alpha2_code", parquet::PhysicalType::kByteArray, {}, std::nullopt};
  langs.values.bytes.push_back("es");
  model::DimensionKeys words{
      "dim_words", "lexeme_id", parquet::PhysicalType::kByteArray, {}, std::nullopt};
  words.values.bytes.push_back("w");
  s.dimension_keys = {users, times, langs, words};
  return s;
}

std::vector<std::string> Names(const std::vector<CheckResult>& checks) {
  std::vector<std::string> names;
  for (const CheckResult& c : checks) names.push_back(c.name);
  return names;
}

TEST(StarChecksTest, RunChecksInManifestOrder) {
  const std::vector<CheckResult> checks = EvaluateRunChecks(GoodStats(), {10, 10}, 0.05);
  const std::vector<std::string> expected = {
      "rejected_share",
      "dim_users.user_id.unique",
      "dim_times.epoch.unique",
      "dim_langs.alpha2_code.unique",
      "dim_words.lexeme_id.unique",
      "fact_wordviews.user_id.resolves",
      "fact_wordviews.epoch.resolves",
      "fact_wordviews.learning_language.resolves",
      "fact_wordviews.ui_language.resolves",
      "fact_wordviews.lexeme_id.resolves",
      "reconciliation",
      "fact_wordviews.row_count_matches_dimensions",
      "fact_wordviews.required_not_null",
      "fact_wordviews.p_recall.domain",
      "fact_wordviews.pct.domain",
      "fact_wordviews.history_pct.null_iff_no_history",
      "fact_wordviews.counts.domain",
      "fact_wordviews.timestamp.domain",
      "anomaly.p_recall_disagrees_with_session",
      "anomaly.natural_key_collisions",
      "anomaly.lexeme_id_with_several_strings",
      "anomaly.lexeme_id_with_several_languages",
      "anomaly.rows_with_conflicting_lexeme",
      "anomaly.words_with_unknown_tags",
      "info.words_with_wildcards",
      "anomaly.languages_missing_from_reference",
      "dim_words.decodable",
      "ingest.rows_reach_model",
  };
  EXPECT_EQ(Names(checks), expected);
  EXPECT_TRUE(AllErrorChecksPassed(checks));
  for (const CheckResult& c : checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
  EXPECT_EQ(checks[0].observed, 0);  // duplicates do not count against the share
}

TEST(StarChecksTest, BadCountsFailTheirChecks) {
  model::BuildStats s = GoodStats();
  s.coverage.words = 7;                        // one fact row without its word
  s.modelled_rows = 9;                         // rows modelled != rows encoded
  s.fact.p_recall_out_of_domain = 2;           // an error
  s.anomalies.natural_key_collisions = 3;      // a warning
  s.anomalies.words_with_wildcards = 4;        // information
  s.dimension_keys[1].values.i64 = {1, 1, 1};  // repeated epochs
  const std::vector<CheckResult> checks = EvaluateStarChecks(s);
  auto find = [&](const std::string& name) {
    for (const CheckResult& c : checks) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << name;
    return CheckResult{};
  };
  EXPECT_EQ(find("dim_times.epoch.unique").observed, 2);
  EXPECT_FALSE(find("fact_wordviews.lexeme_id.resolves").passed);
  EXPECT_EQ(find("fact_wordviews.lexeme_id.resolves").observed, 1);
  EXPECT_FALSE(find("fact_wordviews.row_count_matches_dimensions").passed);
  EXPECT_EQ(find("fact_wordviews.p_recall.domain").detail, "2 p_recall values outside [0, 1]");
  const CheckResult collisions = find("anomaly.natural_key_collisions");
  EXPECT_FALSE(collisions.passed);
  EXPECT_EQ(collisions.severity, Severity::kWarning);
  const CheckResult wildcards = find("info.words_with_wildcards");
  EXPECT_TRUE(wildcards.passed);
  EXPECT_EQ(wildcards.observed, 4);
  EXPECT_FALSE(AllErrorChecksPassed(checks));
}

TEST(StarChecksTest, RowsLostBetweenReaderAndModelFailTheRun) {
  const std::vector<CheckResult> checks = EvaluateRunChecks(GoodStats(), {11, 10}, 0.05);
  EXPECT_EQ(checks.back().name, "ingest.rows_reach_model");
  EXPECT_FALSE(checks.back().passed);
  EXPECT_EQ(checks.back().observed, 1);
}

TEST(StarChecksTest, RejectedShareCountsAllButDuplicates) {
  model::BuildStats s = GoodStats();
  s.rejected_by_reason[static_cast<int>(traces::RejectReason::kBadNumber)] = 1;
  const CheckResult share = EvaluateRunChecks(s, {10, 10}, 0.05).front();
  EXPECT_EQ(share.name, "rejected_share");
  EXPECT_EQ(share.observed, 1);
  EXPECT_FALSE(share.passed);  // 10% > 5%
}

}  // namespace
}  // namespace wv::quality
