// `wordviews parquet inspect|cat`: look inside Parquet files (ours or anyone's).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "core/civil_time.h"
#include "core/terminal_text.h"
#include "core/utf8.h"
#include "csv/field_writer.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "parquet/reader.h"
#include "parquet/schema_convert.h"

namespace wv::cli {
namespace {

using csv::AppendCsvField;
using parquet::ColumnSchema;
using parquet::ColumnVector;
using parquet::FileReader;
using parquet::LogicalType;
using parquet::PhysicalType;

// U+FFFD, what a byte that is not valid UTF-8 becomes in printed text.
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Shortest text that reads back as the same value (float or double), always
// with a decimal point or exponent so JSON readers keep it a float (and keep
// -0.0's sign).
template <typename Float>
std::string ShortestFloatText(Float v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Text as valid UTF-8, each bad byte a U+FFFD: Parquet strings from other
// writers need not be valid, and JSON must be.
std::string PrintableText(std::string_view s) { return ToValidUtf8(s, kReplacementCharacter); }

// A JSON string literal (nlohmann's escaping) of PrintableText(s).
void AppendJsonString(std::string_view s, std::string* out) {
  out->append(nlohmann::json(PrintableText(s)).dump());
}

enum class Style { kJson, kCsv };

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(result.ptr - buf));
}

// A float or double: NaN and the infinities have no JSON number, so they are
// strings there ("NaN", "Infinity", "-Infinity") and bare words in CSV.
void AppendFloat(double v, std::string_view shortest_text, Style style, std::string* out) {
  if (!std::isnan(v) && !std::isinf(v)) {
    out->append(shortest_text);
    return;
  }
  const char* text = std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
  if (style == Style::kJson) {
    out->push_back('"');
    out->append(text);
    out->push_back('"');
  } else {
    out->append(text);
  }
}

// A byte array: STRING columns as text, any other as hex.
void AppendByteArray(const ColumnSchema& s, std::string_view v, Style style, std::string* out) {
  if (s.logical == LogicalType::kString) {
    if (style == Style::kJson) {
      AppendJsonString(v, out);
    } else {
      AppendCsvField(v, out);
    }
    return;
  }
  const std::string hex = Hex(v);
  if (style == Style::kJson) {
    AppendJsonString(hex, out);
  } else {
    out->append(hex);
  }
}

// Appends value `row` of a column as JSON (exact physical values) or CSV
// (timestamps and dates as ISO 8601 text).
void AppendValue(const ColumnSchema& s, const ColumnVector& c, size_t row, Style style,
                 std::string* out) {
  if (c.is_null(row)) {
    if (style == Style::kJson) out->append("null");
    return;
  }
  const bool calendar_text = style == Style::kCsv;
  switch (s.physical) {
    case PhysicalType::kBoolean:
      out->append(c.bools[row] ? "true" : "false");
      return;
    case PhysicalType::kInt32:
      if (calendar_text && s.logical == LogicalType::kDate) {
        out->append(DateString(c.i32[row]));
      } else {
        AppendInt(c.i32[row], out);
      }
      return;
    case PhysicalType::kInt64:
      if (calendar_text && s.logical == LogicalType::kTimestampMicrosUtc) {
        out->append(IsoTimestampMicrosString(c.i64[row]));
      } else {
        AppendInt(c.i64[row], out);
      }
      return;
    case PhysicalType::kFloat:
      AppendFloat(c.f32[row], ShortestFloatText(c.f32[row]), style, out);
      return;
    case PhysicalType::kDouble:
      AppendFloat(c.f64[row], ShortestFloatText(c.f64[row]), style, out);
      return;
    case PhysicalType::kByteArray:
      AppendByteArray(s, c.bytes[row], style, out);
      return;
  }
}

// Writes the buffer to standard output when it is large (or `force`).
Status WriteOut(std::string* buffer, bool force) {
  if (!force && buffer->size() < (1 << 20)) return OkStatus();
  WV_RETURN_IF_ERROR(WriteStdout(*buffer));
  buffer->clear();
  return OkStatus();
}

struct CatOptions {
  std::string path;
  std::string columns;
  std::string format = "csv";
};

// The indices of the --columns names (all columns when empty), in order.
StatusOr<std::vector<int>> SelectColumns(const FileReader& reader, const CatOptions& o) {
  std::vector<int> selected;
  if (o.columns.empty()) {
    for (size_t i = 0; i < reader.schema().columns.size(); ++i) {
      selected.push_back(static_cast<int>(i));
    }
    return selected;
  }
  for (size_t start = 0; start <= o.columns.size();) {
    size_t end = o.columns.find(',', start);
    if (end == std::string::npos) end = o.columns.size();
    const std::string name = o.columns.substr(start, end - start);
    const int idx = reader.ColumnIndex(name);
    if (idx < 0) return UsageError(fmt::format("parquet cat: {} has no column '{}'", o.path, name));
    selected.push_back(idx);
    start = end + 1;
  }
  return selected;
}

// Prints the rows of one row group, flushing the buffer as it fills.
Status CatRowGroup(FileReader& reader, int group, const std::vector<int>& selected,
                   const std::vector<std::string>& json_keys, Style style, std::string* out) {
  const auto& cols = reader.schema().columns;
  std::vector<ColumnVector> data;
  for (int idx : selected) {
    WV_ASSIGN_OR_RETURN(ColumnVector v, reader.ReadColumn(group, idx));
    data.push_back(std::move(v));
  }
  const auto rows = static_cast<size_t>(reader.row_group_num_rows(group));
  for (size_t r = 0; r < rows; ++r) {
    if (style == Style::kJson) out->push_back('{');
    for (size_t k = 0; k < selected.size(); ++k) {
      if (k > 0) out->push_back(',');
      if (style == Style::kJson) out->append(json_keys[k]);
      AppendValue(cols[selected[k]], data[k], r, style, out);
    }
    out->append(style == Style::kJson ? "}\n" : "\n");
    WV_RETURN_IF_ERROR(WriteOut(out, false));
  }
  return OkStatus();
}

Status RunCat(const CatOptions& o) {
  WV_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, FileReader::Open(o.path));
  const auto& cols = reader->schema().columns;
  WV_ASSIGN_OR_RETURN(const std::vector<int> selected, SelectColumns(*reader, o));
  const Style style = o.format == "json" ? Style::kJson : Style::kCsv;
  std::string out;
  if (style == Style::kCsv) {
    for (size_t k = 0; k < selected.size(); ++k) {
      if (k > 0) out.push_back(',');
      AppendCsvField(cols[selected[k]].name, &out);
    }
    out.push_back('\n');
  }
  // JSON keys are fixed per column: render them once.
  std::vector<std::string> json_keys;
  for (int idx : selected) {
    std::string key;
    AppendJsonString(cols[idx].name, &key);
    json_keys.push_back(key + ":");
  }
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    WV_RETURN_IF_ERROR(CatRowGroup(*reader, g, selected, json_keys, style, &out));
  }
  return WriteOut(&out, true);
}

struct InspectOptions {
  std::string path;
  std::string format = "table";
};

// A statistics bound as JSON (exact physical value) for inspect.
nlohmann::json StatJson(const ColumnSchema& s, const parquet::ColumnChunkStatistics& st, bool max) {
  switch (s.physical) {
    case PhysicalType::kBoolean:
      return (max ? st.max_int : st.min_int) != 0;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return max ? st.max_int : st.min_int;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: {
      const double v = max ? st.max_double : st.min_double;
      if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
      return v;
    }
    case PhysicalType::kByteArray: {
      const std::string& v = max ? st.max_bytes : st.min_bytes;
      if (s.logical == LogicalType::kString) return PrintableText(v);
      return Hex(v);
    }
  }
  return nullptr;
}

// One column chunk's codec, encodings, sizes and statistics.
StatusOr<nlohmann::json> ChunkJson(FileReader& reader, int group, int column) {
  const ColumnSchema& schema = reader.schema().columns[column];
  const FileReader::ChunkInfo info = reader.ColumnChunkInfo(group, column);
  nlohmann::json cj{{"name", schema.name},
                    {"codec", info.codec},
                    {"encodings", info.encodings},
                    {"has_dictionary_page", info.has_dictionary_page},
                    {"compressed_bytes", info.compressed_bytes},
                    {"uncompressed_bytes", info.uncompressed_bytes}};
  WV_ASSIGN_OR_RETURN(parquet::ColumnChunkStatistics st, reader.Statistics(group, column));
  cj["null_count"] = st.null_count ? nlohmann::json(*st.null_count) : nlohmann::json();
  if (st.has_min_max) {
    cj["min"] = StatJson(schema, st, false);
    cj["max"] = StatJson(schema, st, true);
  }
  return cj;
}

// Everything inspect shows, as JSON (the --format json output, and what the
// table is printed from).
StatusOr<nlohmann::json> InspectJson(FileReader& reader, const std::string& path) {
  nlohmann::json j;
  j["file"] = path;
  j["file_bytes"] = reader.file_size();
  j["created_by"] = reader.created_by();
  j["num_rows"] = reader.num_rows();
  j["num_row_groups"] = reader.num_row_groups();
  j["key_value_metadata"] = nlohmann::json::object();
  for (const auto& [k, v] : reader.key_values()) {
    j["key_value_metadata"][PrintableText(k)] = PrintableText(v);
  }
  j["columns"] = nlohmann::json::array();
  for (const ColumnSchema& c : reader.schema().columns) {
    j["columns"].push_back(
        {{"name", c.name},
         {"physical_type", parquet::PhysicalTypeName(c.physical)},
         {"logical_type", parquet::LogicalTypeName(c.logical)},
         {"repetition", c.repetition == parquet::Repetition::kOptional ? "OPTIONAL" : "REQUIRED"}});
  }
  j["row_groups"] = nlohmann::json::array();
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    nlohmann::json rg;
    rg["num_rows"] = reader.row_group_num_rows(g);
    rg["columns"] = nlohmann::json::array();
    for (size_t c = 0; c < reader.schema().columns.size(); ++c) {
      WV_ASSIGN_OR_RETURN(nlohmann::json cj, ChunkJson(reader, g, static_cast<int>(c)));
      rg["columns"].push_back(std::move(cj));
    }
    j["row_groups"].push_back(std::move(rg));
  }
  return j;
}

// The file, its metadata and its columns, for people.
std::string InspectTableHead(const FileReader& reader, const std::string& path,
                             const nlohmann::json& j) {
  std::string text = fmt::format(
      "file        {} ({} bytes)\ncreated_by  {}\nrows        {}\nrow groups  {}\n",
      EscapeForTerminal(path), reader.file_size(), EscapeForTerminal(reader.created_by()),
      reader.num_rows(), reader.num_row_groups());
  for (const auto& [k, v] : reader.key_values()) {
    const std::string shown = v.size() > 200 ? v.substr(0, 200) + "..." : v;
    text += fmt::format("metadata    {} = {}\n", EscapeForTerminal(k), EscapeForTerminal(shown));
  }
  text += "\ncolumns\n";
  for (const auto& c : j["columns"]) {
    text +=
        fmt::format("  {:<24} {:<11} {:<24} {}\n", EscapeForTerminal(c["name"].get<std::string>()),
                    c["physical_type"].get<std::string>(), c["logical_type"].get<std::string>(),
                    c["repetition"].get<std::string>());
  }
  return text;
}

// One row group's chunks, a line each, for people.
std::string InspectTableRowGroup(size_t g, const nlohmann::json& rg) {
  std::string text = fmt::format("\nrow group {} ({} rows)\n", g, rg["num_rows"].get<int64_t>());
  text += fmt::format("  {:<24} {:<12} {:<28} {:>12} {:>12} {:>8}  {}\n", "column", "codec",
                      "encodings", "compressed", "raw", "nulls", "min .. max");
  for (const auto& cj : rg["columns"]) {
    std::string enc;
    for (const auto& e : cj["encodings"]) {
      if (!enc.empty()) enc += ',';
      enc += e.get<std::string>();
    }
    std::string range = cj.contains("min") ? cj["min"].dump() + " .. " + cj["max"].dump() : "-";
    if (range.size() > 80) range = range.substr(0, 77) + "...";
    range = EscapeForTerminal(range);  // a cut may split a UTF-8 sequence
    text += fmt::format(
        "  {:<24} {:<12} {:<28} {:>12} {:>12} {:>8}  {}\n",
        EscapeForTerminal(cj["name"].get<std::string>()), cj["codec"].get<std::string>(), enc,
        cj["compressed_bytes"].get<int64_t>(), cj["uncompressed_bytes"].get<int64_t>(),
        cj["null_count"].is_null() ? std::string("?") : cj["null_count"].dump(), range);
  }
  return text;
}

Status RunInspect(const InspectOptions& o) {
  WV_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, FileReader::Open(o.path));
  WV_ASSIGN_OR_RETURN(const nlohmann::json j, InspectJson(*reader, o.path));
  std::string text;
  if (o.format == "json") {
    text = j.dump(2) + "\n";
  } else {
    text = InspectTableHead(*reader, o.path, j);
    for (size_t g = 0; g < j["row_groups"].size(); ++g) {
      text += InspectTableRowGroup(g, j["row_groups"][g]);
    }
  }
  return WriteOut(&text, true);
}

}  // namespace

void RegisterParquetCommand(CLI::App& root, CommandAction* selected) {
  auto* sub = root.add_subcommand("parquet", "Inspect or print Parquet files (any writer)");
  sub->require_subcommand(1);

  auto inspect_opts = std::make_shared<InspectOptions>();
  auto* inspect = sub->add_subcommand(
      "inspect", "Schema, logical types, row groups, encodings, codecs and statistics of a file");
  inspect->add_option("file", inspect_opts->path, "Parquet file")->required();
  inspect->add_option("--format", inspect_opts->format, "table (for people) or json")
      ->check(CLI::IsMember({"table", "json"}));
  inspect->callback([selected, inspect_opts] {
    *selected = [inspect_opts] { return RunInspect(*inspect_opts); };
  });

  auto cat_opts = std::make_shared<CatOptions>();
  auto* cat = sub->add_subcommand(
      "cat",
      "Print decoded rows. CSV: header row, nulls empty, dates/timestamps ISO 8601. JSON: one "
      "object per line with exact values (timestamps in microseconds, dates in days since "
      "1970-01-01, NaN/Infinity as strings, non-STRING byte arrays as hex)");
  cat->add_option("file", cat_opts->path, "Parquet file")->required();
  cat->add_option("--columns", cat_opts->columns, "Comma-separated column names (default: all)");
  cat->add_option("--format", cat_opts->format, "csv or json")
      ->check(CLI::IsMember({"csv", "json"}));
  cat->callback([selected, cat_opts] { *selected = [cat_opts] { return RunCat(*cat_opts); }; });
}

}  // namespace wv::cli
