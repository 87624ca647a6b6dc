#include "warehouse/summary_tables.h"

#include <cmath>

#include "analytics/fact_snapshot.h"
#include "fmt/core.h"
#include "warehouse/views.h"

namespace wv::warehouse {
namespace {

using analytics::ResultColumn;
using analytics::ResultTable;
using analytics::ValueType;

std::string ColumnType(ValueType t, Dialect d) {
  switch (t) {
    case ValueType::kString:
      return d == Dialect::kPostgres ? "text" : "VARCHAR(65535)";
    case ValueType::kInt64:
      return d == Dialect::kPostgres ? "bigint" : "BIGINT";
    case ValueType::kDouble:
      return d == Dialect::kPostgres ? "double precision" : "DOUBLE PRECISION";
  }
  return "text";
}

bool IsNullCell(const ResultColumn& c, size_t row) {
  return c.is_null(row) || (c.type == ValueType::kDouble && !std::isfinite(c.doubles[row]));
}

std::string LiteralOf(const ResultColumn& c, size_t row, Dialect d) {
  if (IsNullCell(c, row)) return "NULL";
  switch (c.type) {
    case ValueType::kString:
      return QuoteLiteral(c.strings[row], d);
    case ValueType::kInt64:
      return fmt::format("{}", c.ints[row]);
    case ValueType::kDouble:
      return fmt::format("CAST({} AS DOUBLE PRECISION)",
                         QuoteLiteral(fmt::format("{}", c.doubles[row]), d));
  }
  return "NULL";
}

}  // namespace

StatusOr<std::vector<SummaryTable>> ComputeSummaries(const std::string& root, int threads) {
  uint32_t projection = 0;
  bool words = false;
  for (const analytics::QueryDef& q : analytics::AllQueries()) {
    projection |= q.projection;
    words |= q.needs_words;
  }
  WV_ASSIGN_OR_RETURN(const analytics::FactSnapshot snapshot,
                      analytics::LoadFactSnapshot(root, projection, words, threads));
  analytics::QueryOptions options;
  options.threads = threads;
  std::vector<SummaryTable> out;
  for (const analytics::QueryDef& q : analytics::AllQueries()) {
    WV_ASSIGN_OR_RETURN(ResultTable result, q.run(snapshot, options));
    out.push_back({&q, std::move(result)});
  }
  return out;
}

ResultTable EmptyResult(const analytics::QueryDef& query) {
  analytics::FactSnapshot empty;
  empty.facts.projection = ~uint32_t{0};
  empty.words_loaded = true;
  StatusOr<ResultTable> result = query.run(empty, analytics::QueryOptions{});
  return result.ok() ? std::move(result).value() : ResultTable{};
}

std::string CreateSummaryTableSql(const analytics::QueryDef& query, const ResultTable& result,
                                  std::string_view schema, Dialect d) {
  std::string out =
      fmt::format("CREATE TABLE {} (", QualifiedName(schema, SummaryTableName(query.name)));
  for (size_t i = 0; i < result.columns().size(); ++i) {
    const ResultColumn& c = result.column(i);
    out += fmt::format("{}\n  {} {}", i == 0 ? "" : ",", QuoteIdentifier(c.name),
                       ColumnType(c.type, d));
  }
  return out + "\n);";
}

std::vector<std::string> SummaryCommentSqls(const analytics::QueryDef& query,
                                            const ResultTable& result, std::string_view schema,
                                            Dialect d) {
  const std::string table = QualifiedName(schema, SummaryTableName(query.name));
  std::vector<std::string> out;
  out.push_back(fmt::format("COMMENT ON TABLE {} IS {};", table,
                            QuoteLiteral(fmt::format("{}: `wordviews query {}` computed at load",
                                                     query.description, query.name),
                                         d)));
  for (const ResultColumn& c : result.columns()) {
    out.push_back(fmt::format("COMMENT ON COLUMN {}.{} IS {};", table, QuoteIdentifier(c.name),
                              QuoteLiteral(c.description, d)));
  }
  return out;
}

std::string EncodeSummaryRows(const ResultTable& result) {
  CopyBinaryWriter w;
  w.Header();
  const auto fields = static_cast<int16_t>(result.columns().size());
  for (size_t r = 0; r < result.num_rows(); ++r) {
    w.BeginRow(fields);
    for (const ResultColumn& c : result.columns()) {
      if (IsNullCell(c, r)) {
        w.Null();
      } else if (c.type == ValueType::kString) {
        w.Bytes(c.strings[r]);
      } else if (c.type == ValueType::kInt64) {
        w.Int64(c.ints[r]);
      } else {
        w.Float64(c.doubles[r]);
      }
    }
  }
  w.Trailer();
  return w.data();
}

std::string SummaryInsertSql(const analytics::QueryDef& query, const ResultTable& result,
                             std::string_view schema, Dialect d) {
  if (result.num_rows() == 0) return "";
  std::string out =
      fmt::format("INSERT INTO {} VALUES", QualifiedName(schema, SummaryTableName(query.name)));
  for (size_t r = 0; r < result.num_rows(); ++r) {
    out += r == 0 ? "\n  (" : ",\n  (";
    for (size_t c = 0; c < result.columns().size(); ++c) {
      if (c > 0) out += ", ";
      out += LiteralOf(result.column(c), r, d);
    }
    out += ")";
  }
  return out + ";";
}

}  // namespace wv::warehouse
