#ifndef WV_WAREHOUSE_SUMMARY_TABLES_H_
#define WV_WAREHOUSE_SUMMARY_TABLES_H_

#include <string>
#include <string_view>
#include <vector>

#include "analytics/queries.h"
#include "analytics/result_table.h"
#include "core/status.h"
#include "warehouse/copy_binary.h"
#include "warehouse/sql_text.h"

// The summary tables: every `wordviews query` answered at load time by
// analytics' own functions (the same code and defaults as the command, so
// the numbers are the command's), stored as small tables a dashboard reads
// in milliseconds, and the source of what SQL cannot compute (half-lives,
// chi-square p-values). Table "summary_<query>" has the query result's
// columns in order: text, bigint, double precision; NaN and infinities are
// NULL, as in `query --format json`.
// Pure functions; thread-safe.
namespace wv::warehouse {

// One query's answer, to be stored as its summary table.
struct SummaryTable {
  const analytics::QueryDef* query = nullptr;
  analytics::ResultTable result;
};

// Every query of analytics::AllQueries(), answered from the output folder at
// `root` (a PublishedOutput root) with one fact snapshot, on `threads`.
StatusOr<std::vector<SummaryTable>> ComputeSummaries(const std::string& root, int threads);

// The columns of `query`'s result (it run on an empty snapshot), for the DDL
// when there is no data (`wordviews ddl`).
analytics::ResultTable EmptyResult(const analytics::QueryDef& query);

// CREATE TABLE schema.summary_<query> (...) for `result`'s columns, and
// COMMENTs from the query's and the columns' descriptions.
std::string CreateSummaryTableSql(const analytics::QueryDef& query,
                                  const analytics::ResultTable& result, std::string_view schema,
                                  Dialect d);
std::vector<std::string> SummaryCommentSqls(const analytics::QueryDef& query,
                                            const analytics::ResultTable& result,
                                            std::string_view schema, Dialect d);

// The rows of `result` in PostgreSQL's binary COPY format, header and
// trailer included.
std::string EncodeSummaryRows(const analytics::ResultTable& result);

// INSERT INTO schema.summary_<query> VALUES (...), (...); or "" when the
// result has no rows. Doubles are written so that they read back exactly.
std::string SummaryInsertSql(const analytics::QueryDef& query, const analytics::ResultTable& result,
                             std::string_view schema, Dialect d);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_SUMMARY_TABLES_H_
