#ifndef WV_WAREHOUSE_VIEWS_H_
#define WV_WAREHOUSE_VIEWS_H_

#include <string>
#include <string_view>
#include <vector>

#include "warehouse/sql_text.h"

// The research questions as SQL views over the star schema, one per
// `wordviews query` (analytics/queries.h), with the same definitions: the
// same groups, filters, lag buckets (analytics::LagBuckets), hour of day,
// exercise-weighted recall rate, 95% Wilson interval (the same expression
// and z as analytics::WilsonInterval), median lag as percentile_cont(0.5)
// (the mean of the two middle values), the same ranking and tie order, and
// the same row order (ORDER BY; text compared bytewise, COLLATE "C" on
// PostgreSQL). hardest-words uses the query's defaults (top 10, at least 50
// views).
//
// What SQL cannot compute is read from the summary tables the loader fills
// with analytics' own functions: the views retention_pairs and retention_ui
// take half_life_days (a maximum-likelihood fit) from summary_retention_pairs
// and summary_retention_ui; time-of-day-test (chi-square p-values) has no
// view, only its summary table.
//
// Pure functions; thread-safe.
namespace wv::warehouse {

// One view: CREATE VIEW and its COMMENT.
struct ViewSql {
  std::string name;        // SQL name: the query's with '_' for '-'
  std::string query_name;  // the `wordviews query` it mirrors
  std::string create;
  std::string comment;
};

// Every research view, in `wordviews query --list` order, in `schema`.
std::vector<ViewSql> ResearchViews(std::string_view schema, Dialect d);

// The summary table of a query: "summary_" + its name with '_' for '-'.
std::string SummaryTableName(std::string_view query_name);

// A query name as an SQL name: '-' becomes '_'.
std::string SqlNameOf(std::string_view query_name);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_VIEWS_H_
