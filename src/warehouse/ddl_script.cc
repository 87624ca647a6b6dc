#include "warehouse/ddl_script.h"

#include "analytics/queries.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "warehouse/ddl.h"
#include "warehouse/views.h"

namespace wv::warehouse {
namespace {

void Section(std::string* out, std::string_view title) {
  *out += fmt::format("\n-- ---- {} ", title);
  *out += std::string(title.size() < 68 ? 72 - title.size() : 4, '-') + "\n";
}

void AppendTables(const DdlScriptOptions& o, std::string* out) {
  const bool pg = o.dialect == Dialect::kPostgres;
  Section(out, "tables (the star schema contract)");
  for (const model::TableContract* t : TablesInCreationOrder()) {
    *out += CreateTableSql(*t, o.schema, o.dialect) + "\n";
    // (The fact table's partitions, one per load, are created by `load`: their bounds are the
    // loaded input files.)
    for (const std::string& c : CommentSqls(*t, o.schema, o.dialect)) *out += c + "\n";
  }
  if (!pg) return;
  Section(out, "primary keys, indexes, foreign keys (added after the data by wordviews load)");
  for (const model::TableContract* t : TablesInCreationOrder()) {
    *out += IsPartitioned(*t, o.dialect) ? PrimaryKeySql(*t, o.schema) + "\n"
                                         : PrimaryKeyIndexSql(*t, o.schema) + "\n" +
                                               AttachPrimaryKeySql(*t, o.schema) + "\n";
    for (const IndexSql& index : SecondaryIndexes(*t, o.schema, o.indexes)) {
      *out += index.create + "\n" + index.comment + "\n";
    }
  }
  for (const model::TableContract* t : TablesInCreationOrder()) {
    if (!t->foreign_keys.empty()) *out += ForeignKeysSql(*t, o.schema) + "\n";
  }
}

void AppendSummaryTables(const DdlScriptOptions& o, std::string* out) {
  Section(out, "summary tables (every `wordviews query`, computed at load)");
  for (const analytics::QueryDef& q : analytics::AllQueries()) {
    const analytics::ResultTable columns = EmptyResult(q);
    *out += CreateSummaryTableSql(q, columns, o.schema, o.dialect) + "\n";
    for (const std::string& c : SummaryCommentSqls(q, columns, o.schema, o.dialect)) {
      *out += c + "\n";
    }
  }
}

void AppendViews(const DdlScriptOptions& o, std::string* out) {
  Section(out, "research views (as `wordviews query`)");
  for (const ViewSql& v : ResearchViews(o.schema, o.dialect)) {
    *out += v.create + "\n" + v.comment + "\n";
  }
}

void AppendCopies(const DdlScriptOptions& o, std::string* out) {
  if (o.dialect != Dialect::kRedshift || o.s3_prefix.empty()) return;
  Section(out, "data: one Redshift COPY manifest per table, written by `wordviews run`");
  std::string prefix = o.s3_prefix;
  while (prefix.size() > 5 && prefix.back() == '/') prefix.pop_back();
  for (const model::TableContract* t : TablesInCreationOrder()) {
    *out += RedshiftCopySql(*t, o.schema, prefix, o.iam_role) + "\n";
  }
}

void AppendSummaryRows(const DdlScriptOptions& o, std::string* out) {
  if (o.summaries == nullptr) return;
  Section(out, "summary tables' rows");
  for (const SummaryTable& s : *o.summaries) {
    const std::string insert = SummaryInsertSql(*s.query, s.result, o.schema, o.dialect);
    if (!insert.empty()) *out += insert + "\n";
  }
}

}  // namespace

std::string DdlScript(const DdlScriptOptions& o) {
  std::string out = fmt::format(
      "-- wordviews {}: the star schema for {}, generated from its contract "
      "(src/model/star_schema.cc)\n",
      WV_VERSION, o.dialect == Dialect::kPostgres ? "PostgreSQL" : "Amazon Redshift");
  out += fmt::format("CREATE SCHEMA IF NOT EXISTS {};\n", QuoteIdentifier(o.schema));
  AppendTables(o, &out);
  AppendSummaryTables(o, &out);
  AppendViews(o, &out);
  AppendCopies(o, &out);
  AppendSummaryRows(o, &out);
  return out;
}

}  // namespace wv::warehouse
