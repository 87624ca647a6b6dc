#ifndef WV_ANALYTICS_QUERIES_H_
#define WV_ANALYTICS_QUERIES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/fact_snapshot.h"
#include "analytics/result_table.h"
#include "core/status.h"

// The research questions as queries over the star schema. Each query is a
// pure function of a loaded FactSnapshot; results are deterministic (fixed row
// order, ties broken by keys, sums in a fixed order).
//
// Definitions shared by several queries:
//   recall_rate  = Σ session_correct / Σ session_seen (exercise-weighted).
//   ci_low/high  = 95% Wilson score interval of recall_rate, treating each
//                  exercise as an independent Bernoulli trial.
//   median_lag_days = median of delta (seconds) / 86400, the mean of the two
//                  middle values for an even count.
//   half_life_days = maximum-likelihood h of p = 2^(−Δ/h), Δ in days (see
//                  stats.h FitHalfLife); null when not estimable.
//   hour         = UTC hour of `epoch`, floor((epoch mod 86400) / 3600).
namespace wv::analytics {

// How a query runs and the parameters of those that take any. Plain data;
// thread-compatible.
struct QueryOptions {
  int threads = 2;
  // hardest-words: rows per learning language, and the minimum number of
  // views a word needs to be ranked.
  int top = 10;
  int64_t min_views = 50;
};

// A query: its name, what it reads and the function that answers it.
// Immutable (AllQueries()); thread-safe.
struct QueryDef {
  std::string name;
  std::string description;
  uint32_t projection = 0;   // FactProjection bits the query reads
  bool needs_words = false;  // reads dim_words
  std::function<StatusOr<ResultTable>(const FactSnapshot&, const QueryOptions&)> run;
};

// Every query, in the order `--list` shows them.
const std::vector<QueryDef>& AllQueries();
// The query named `name`, or nullptr.
const QueryDef* FindQuery(std::string_view name);

// Loads what `query` needs from `dir` and runs it.
StatusOr<ResultTable> RunQuery(const std::string& dir, const QueryDef& query,
                               const QueryOptions& options);

// The query functions, for the report (which loads the snapshot once).
StatusOr<ResultTable> QueryPairs(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryPairUsers(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryPairViews(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryTimeOfDay(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryTimeOfDayTest(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryRetentionPairs(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryRetentionUi(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryForgettingCurve(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryHardestWords(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryRecallByPos(const FactSnapshot& snapshot, const QueryOptions& o);
// The dashboard's trends (analytics/daily_trends.cc): per UTC day (of epoch)
// and pair, views, distinct active users, exercises, correct and recall_rate
// (rows only where the pair has views that day); and per day over all pairs,
// the same plus new_users (users whose first fact row is that day), every
// day from the first to the last, empty days as zeros.
StatusOr<ResultTable> QueryDailyTrends(const FactSnapshot& snapshot, const QueryOptions& o);
StatusOr<ResultTable> QueryDailyTotals(const FactSnapshot& snapshot, const QueryOptions& o);

// A lag bucket of forgetting-curve: [lower, upper) in seconds and a label.
// Immutable (LagBuckets()); thread-safe.
struct LagBucket {
  int64_t lower_seconds;
  int64_t upper_seconds;  // INT64_MAX for the last
  const char* label;
};
const std::vector<LagBucket>& LagBuckets();

}  // namespace wv::analytics

#endif  // WV_ANALYTICS_QUERIES_H_
