#ifndef WV_MODEL_BUILD_STATS_H_
#define WV_MODEL_BUILD_STATS_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/column_vector.h"
#include "parquet/schema.h"
#include "traces/trace_schema.h"

// What the star-schema build counted on the way: plain numbers (and the
// dimension key columns) gathered while the tables were written, so the
// quality checks (src/quality, a layer above) can be computed without
// re-reading any file. The model decides nothing here: whether a count is a
// failure, a warning or information is the checks' business.
//
// Plain data; thread-compatible.
namespace wv::model {

// Relative tolerance for p_recall vs session_correct/session_seen.
inline constexpr double kPRecallTolerance = 1e-9;

// The values of one fact row that FactProfile's rules look at (its key
// strings aside). epoch is in seconds.
struct FactRowValues {
  double p_recall = 0, session_pct = 0;
  bool has_history_pct = false;  // history_pct is not NULL
  double history_pct = 0;
  int64_t delta = 0, session_seen = 0, session_correct = 0, history_seen = 0, history_correct = 0,
          epoch = 0;
};

// Counts over every fact row written: the inputs of the "no NULLs" and
// "value domains" checks and of the p_recall anomaly.
struct FactProfile {
  int64_t rows = 0;
  int64_t empty_required_values = 0;  // empty key strings, NaN doubles
  int64_t p_recall_out_of_domain = 0;
  int64_t pct_out_of_domain = 0;          // session_pct or history_pct outside [0, 1]
  int64_t history_pct_null_mismatch = 0;  // NULL iff history_seen == 0 violated
  int64_t counts_out_of_domain = 0;       // delta, seen/correct rules
  int64_t timestamp_out_of_domain = 0;
  int64_t p_recall_disagrees = 0;  // |p_recall - session_correct/session_seen| > tol

  // Applies the rules to one row: everything but `rows` and the empty key
  // strings, which the callers count over whole columns. The run's
  // FactWriter and `check`'s recount both profile through it, so the checks
  // they compute cannot differ in a rule.
  void AddRow(const FactRowValues& r) {
    empty_required_values += std::isnan(r.p_recall) + std::isnan(r.session_pct);
    p_recall_out_of_domain += !(r.p_recall >= 0.0 && r.p_recall <= 1.0);
    pct_out_of_domain += !(r.session_pct >= 0.0 && r.session_pct <= 1.0);
    if (r.has_history_pct) pct_out_of_domain += !(r.history_pct >= 0.0 && r.history_pct <= 1.0);
    history_pct_null_mismatch += r.has_history_pct != (r.history_seen != 0);
    counts_out_of_domain += r.delta < 0 || r.session_seen < 1 || r.session_correct < 0 ||
                            r.session_correct > r.session_seen || r.history_seen < 0 ||
                            r.history_correct < 0 || r.history_correct > r.history_seen;
    timestamp_out_of_domain +=
        r.epoch < traces::kMinTimestamp || r.epoch >= traces::kMaxTimestampExclusive;
    p_recall_disagrees += !(std::fabs(r.p_recall - r.session_pct) <=
                            kPRecallTolerance * std::max(1.0, std::fabs(r.session_pct)));
  }
  void Merge(const FactProfile& o);
};

// Counted anomalies of the accepted rows (reported, not rejected).
struct DimensionAnomalies {
  int64_t natural_key_collisions = 0;        // rows whose (user_id, epoch, lexeme_id) came before
  int64_t lexemes_with_several_strings = 0;  // distinct lexeme_ids seen with >1 lexeme_string
  int64_t lexemes_with_several_languages = 0;
  int64_t rows_with_conflicting_lexeme = 0;  // rows disagreeing with the lexeme's first string
                                             // or language
  int64_t words_with_unknown_tags = 0;       // counted when dim_words is built
  int64_t unknown_tag_occurrences = 0;
  int64_t words_with_wildcards = 0;
  int64_t words_undecodable = 0;  // lexeme_string not surface/lemma<tag>... (validation should
                                  // prevent it)
  int64_t languages_missing_from_reference = 0;  // counted when dim_langs is built
};

// Fact rows per key, summed over the keys each dimension table emitted: equal
// to the fact rows exactly when every fact row's foreign key resolves to an
// emitted dimension row.
struct KeyCoverage {
  int64_t users = 0, times = 0, learning_langs = 0, ui_langs = 0, words = 0;
};

// The key column of one written dimension table, for the uniqueness check.
struct DimensionKeys {
  std::string table;   // e.g. "dim_users"
  std::string column;  // e.g. "user_id"
  parquet::PhysicalType type = parquet::PhysicalType::kByteArray;
  parquet::ColumnVector values;
  // A table too large to keep its keys (spilled dim_users) counts them as
  // it is written instead: then `values` is empty.
  struct Counted {
    int64_t keys = 0;
    int64_t repeated = 0;  // keys equal to an earlier one, or NULL
  };
  std::optional<Counted> counted;
  // When set (INT64 keys only): the first distinct_prefix_rows values are
  // known distinct and in_distinct_prefix tells whether a value is one of
  // them (`run --append`'s kept rows of dim_times): the uniqueness check
  // inserts only the others.
  size_t distinct_prefix_rows = 0;
  std::function<bool(int64_t)> in_distinct_prefix = nullptr;
};

// Column `column` (a position in the contract of `table`, one of kAllTables)
// holding `values`, named and typed as the contract says.
DimensionKeys MakeDimensionKeys(std::string_view table, int column, parquet::ColumnVector values);

struct BuildStats {
  int64_t input_rows = 0;       // data rows consumed (accepted + rejected)
  int64_t fact_rows = 0;        // as counted in the written fact files
  int64_t quarantine_rows = 0;  // as counted in the written quarantine file
  std::array<int64_t, static_cast<int>(traces::RejectReason::kNumReasons)> rejected_by_reason{};
  int64_t modelled_rows = 0;  // accepted rows the dimensions saw
  // dim_users, dim_times, dim_langs, dim_words, in that order.
  std::vector<DimensionKeys> dimension_keys;
  KeyCoverage coverage;
  FactProfile fact;
  DimensionAnomalies anomalies;
};

}  // namespace wv::model

#endif  // WV_MODEL_BUILD_STATS_H_
