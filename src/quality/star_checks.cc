#include "quality/star_checks.h"

#include <cstdlib>

#include "core/parallel.h"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::quality {
namespace {

void AddKeyChecks(const model::BuildStats& s, std::vector<CheckResult>* checks) {
  const std::vector<model::DimensionKeys>& keys = s.dimension_keys;
  std::vector<CheckResult> results(keys.size());
  ParallelFor(keys.size(), static_cast<int>(keys.size()), [&](size_t i, int) {
    results[i] = keys[i].counted
                     ? CheckKeyCounts(keys[i].table, keys[i].column, keys[i].counted->keys,
                                      keys[i].counted->repeated)
                     : CheckKeysUnique(keys[i].table, keys[i].column, keys[i].values, keys[i].type,
                                       keys[i].distinct_prefix_rows, keys[i].in_distinct_prefix);
  });
  for (CheckResult& r : results) checks->push_back(std::move(r));
}

void AddForeignKeyChecks(const model::BuildStats& s, std::vector<CheckResult>* checks) {
  const model::KeyCoverage& cov = s.coverage;
  const int64_t fact_rows = s.fact_rows;
  auto add = [&](model::FactColumn column, std::string_view dimension, int64_t covered) {
    checks->push_back(CheckForeignKey(model::ColumnName(column), dimension, fact_rows, covered));
  };
  add(model::kFactUserId, model::kUsersTable, cov.users);
  add(model::kFactEpoch, model::kTimesTable, cov.times);
  add(model::kFactLearningLanguage, model::kLangsTable, cov.learning_langs);
  add(model::kFactUiLanguage, model::kLangsTable, cov.ui_langs);
  add(model::kFactLexemeId, model::kWordsTable, cov.words);
}

void AddFactColumnChecks(const model::BuildStats& s, std::vector<CheckResult>* checks) {
  const model::FactProfile& p = s.fact;
  checks->push_back(CheckZero("fact_wordviews.row_count_matches_dimensions",
                              p.rows != s.modelled_rows ? 1 : 0,
                              "difference between fact rows encoded and rows modelled"));
  checks->push_back(CheckZero("fact_wordviews.required_not_null", p.empty_required_values,
                              "NULL or empty values in required fact columns"));
  checks->push_back(CheckZero("fact_wordviews.p_recall.domain", p.p_recall_out_of_domain,
                              "p_recall values outside [0, 1]"));
  checks->push_back(CheckZero("fact_wordviews.pct.domain", p.pct_out_of_domain,
                              "session_pct/history_pct values outside [0, 1]"));
  checks->push_back(CheckZero("fact_wordviews.history_pct.null_iff_no_history",
                              p.history_pct_null_mismatch,
                              "rows where history_pct is NULL but history_seen > 0 or vice versa"));
  checks->push_back(CheckZero("fact_wordviews.counts.domain", p.counts_out_of_domain,
                              "rows with delta < 0 or seen/correct counts out of range"));
  checks->push_back(CheckZero("fact_wordviews.timestamp.domain", p.timestamp_out_of_domain,
                              "timestamps outside [2000-01-01, 2100-01-01)"));
}

void AddAnomalyChecks(const model::BuildStats& s, std::vector<CheckResult>* checks) {
  const model::DimensionAnomalies& a = s.anomalies;
  checks->push_back(CountAnomaly(
      "anomaly.p_recall_disagrees_with_session", s.fact.p_recall_disagrees,
      fmt::format("rows where p_recall != session_correct/session_seen (relative tolerance {})",
                  model::kPRecallTolerance)));
  checks->push_back(CountAnomaly("anomaly.natural_key_collisions", a.natural_key_collisions,
                                 "rows repeating an earlier (user_id, epoch, lexeme_id)"));
  checks->push_back(CountAnomaly("anomaly.lexeme_id_with_several_strings",
                                 a.lexemes_with_several_strings,
                                 "lexeme_ids seen with more than one lexeme_string"));
  checks->push_back(CountAnomaly("anomaly.lexeme_id_with_several_languages",
                                 a.lexemes_with_several_languages,
                                 "lexeme_ids seen with more than one learning_language"));
  checks->push_back(CountAnomaly("anomaly.rows_with_conflicting_lexeme",
                                 a.rows_with_conflicting_lexeme,
                                 "rows whose lexeme_string or language differs from the "
                                 "lexeme_id's first occurrence (dim_words keeps the first)"));
  checks->push_back(CountAnomaly("anomaly.words_with_unknown_tags", a.words_with_unknown_tags,
                                 fmt::format("words with tags missing from the lexeme "
                                             "reference ({} tag occurrences; wildcards "
                                             "excluded)",
                                             a.unknown_tag_occurrences)));
  checks->push_back(CountInfo("info.words_with_wildcards", a.words_with_wildcards,
                              "words with a wildcard surface or tag (<*sf>, <*numb>, ...)"));
  checks->push_back(CountAnomaly("anomaly.languages_missing_from_reference",
                                 a.languages_missing_from_reference,
                                 "languages in accepted rows without a reference entry"));
  checks->push_back(CheckZero("dim_words.decodable", a.words_undecodable,
                              "lexeme_strings that do not decode as surface/lemma<tag>..."));
}

int64_t RejectedNotDuplicate(const model::BuildStats& s) {
  int64_t n = 0;
  for (int r = 0; r < static_cast<int>(traces::RejectReason::kNumReasons); ++r) {
    if (static_cast<traces::RejectReason>(r) != traces::RejectReason::kDuplicate) {
      n += s.rejected_by_reason[r];
    }
  }
  return n;
}

}  // namespace

std::vector<CheckResult> EvaluateStarChecks(const model::BuildStats& stats) {
  std::vector<CheckResult> checks;
  AddKeyChecks(stats, &checks);
  AddForeignKeyChecks(stats, &checks);
  checks.push_back(CheckReconciliation(stats.input_rows, stats.fact_rows, stats.quarantine_rows));
  AddFactColumnChecks(stats, &checks);
  AddAnomalyChecks(stats, &checks);
  return checks;
}

std::vector<CheckResult> EvaluateRunChecks(const model::BuildStats& stats,
                                           const IngestCounts& ingest, double max_bad_ratio) {
  std::vector<CheckResult> checks;
  checks.push_back(
      CheckRejectedShare(stats.input_rows, RejectedNotDuplicate(stats), max_bad_ratio));
  for (CheckResult& c : EvaluateStarChecks(stats)) checks.push_back(std::move(c));
  // The reader's own row count against the rows that reached the model.
  checks.push_back(CheckZero("ingest.rows_reach_model",
                             std::abs(ingest.rows_read - ingest.rows_consumed) +
                                 std::abs(ingest.rows_consumed - stats.input_rows),
                             "difference between rows read and rows modelled"));
  return checks;
}

}  // namespace wv::quality
