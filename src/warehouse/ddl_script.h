#ifndef WV_WAREHOUSE_DDL_SCRIPT_H_
#define WV_WAREHOUSE_DDL_SCRIPT_H_

#include <string>
#include <vector>

#include "warehouse/sql_text.h"
#include "warehouse/summary_tables.h"

// The whole schema as one SQL script, for `wordviews ddl`: the schema, the
// tables with their keys, indexes and comments, the summary tables, the
// views; for Redshift also the COPY statements when an S3 prefix is given,
// and for either dialect the summary tables' rows when computed ones are
// given. Pure function; thread-safe.
namespace wv::warehouse {

struct DdlScriptOptions {
  Dialect dialect = Dialect::kPostgres;
  std::string schema = "wordviews";
  // Redshift: where `run` published the tables; COPY reads
  // <s3_prefix>/<table>.manifest. Empty: no COPY statements.
  std::string s3_prefix;
  std::string iam_role;  // empty: IAM_ROLE default
  // PostgreSQL: the optional indexes to include (OptionalIndexColumns()).
  std::vector<std::string> indexes;
  // INSERT statements filling the summary tables; none when null.
  const std::vector<SummaryTable>* summaries = nullptr;
};

std::string DdlScript(const DdlScriptOptions& options);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_DDL_SCRIPT_H_
