#ifndef WV_ANALYTICS_RESULT_TABLE_H_
#define WV_ANALYTICS_RESULT_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The answer of a query: a small table of named, typed columns (string,
// int64, double), any cell possibly null. Columnar like the rest of the
// project; results are small (at most a few thousand rows), so simplicity
// beats speed here.
namespace wv::analytics {

enum class ValueType { kString, kInt64, kDouble };

// One column of a ResultTable. Exactly one value array is used, chosen by
// `type`; `valid` has one entry per row (1 = present).
// Not thread-safe.
struct ResultColumn {
  std::string name;
  ValueType type = ValueType::kString;
  // What the column means, for --help, the report and the data dictionary.
  std::string description;
  // fmt format spec used by the human `table` format for doubles (e.g. "{:.4f}").
  // Machine formats always print full precision.
  std::string display_format = "{:.4f}";

  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> valid;

  size_t size() const { return valid.size(); }
  bool is_null(size_t row) const { return valid[row] == 0; }

  void AppendString(std::string_view v);
  void AppendInt(int64_t v);
  void AppendDouble(double v);
  void AppendNull();
  // Appends `v` if present, else a null.
  void AppendOptionalDouble(std::optional<double> v);
  void AppendOptionalString(std::optional<std::string_view> v);
};

// A cell of the optional totals line shown by the `table` format. Plain data;
// thread-compatible.
struct TotalCell {
  std::string text;  // already formatted for people; empty = blank
};

// A query result. Build it column by column: AddColumn, then append one value
// to every column per row. Not thread-safe.
class ResultTable {
 public:
  // Adds a column and returns its index.
  size_t AddColumn(std::string name, ValueType type, std::string description,
                   std::string display_format = "{:.4f}");

  ResultColumn& column(size_t i) { return columns_[i]; }
  const ResultColumn& column(size_t i) const { return columns_[i]; }
  const std::vector<ResultColumn>& columns() const { return columns_; }
  // Index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;

  // REQUIRES: every column has the same number of rows.
  size_t num_rows() const { return columns_.empty() ? 0 : columns_[0].size(); }

  // A totals line for people (the `table` format); one cell per column, or
  // empty when a total would not be meaningful.
  std::vector<TotalCell>& totals() { return totals_; }
  const std::vector<TotalCell>& totals() const { return totals_; }

  // A one-line note printed under the human table (e.g. how a value is defined).
  std::string& note() { return note_; }
  const std::string& note() const { return note_; }

 private:
  std::vector<ResultColumn> columns_;
  std::vector<TotalCell> totals_;
  std::string note_;
};

enum class OutputFormat { kTable, kCsv, kJson };

// Aligned text for people: a header, a rule, the rows, the totals line.
// Doubles use each column's display_format; nulls show as "-". Cells are
// escaped for the terminal (core/terminal_text.h): a control character or
// invalid UTF-8 in the data shows as \xNN instead of acting on the terminal.
std::string FormatAsTable(const ResultTable& table);
// RFC 4180 CSV with a header row; nulls are empty fields; doubles printed as
// the shortest string that round-trips (fmt "{}"). Text is exact (quoted
// where needed, never escaped).
std::string FormatAsCsv(const ResultTable& table);
// {"query": name, "columns": [{"name", "type"}...], "rows": [{column: value}...]};
// nulls are null, doubles shortest round-trip.
std::string FormatAsJson(const ResultTable& table, std::string_view query_name);

// One cell as text for machines ("" for null), used by CSV and the report.
std::string CellText(const ResultColumn& column, size_t row);
// One cell as text for people (display_format; "-" for null).
std::string CellDisplay(const ResultColumn& column, size_t row);

}  // namespace wv::analytics

#endif  // WV_ANALYTICS_RESULT_TABLE_H_
