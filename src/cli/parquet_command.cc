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
#include "core/utf8.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "parquet/reader.h"
#include "parquet/schema_convert.h"

namespace wv::cli {
namespace {

using parquet::ColumnSchema;
using parquet::ColumnVector;
using parquet::FileReader;
using parquet::LogicalType;
using parquet::PhysicalType;

// Shortest text that reads back as the same double, always with a decimal
// point or exponent so JSON readers keep it a float (and keep -0.0's sign).
std::string DoubleText(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string FloatText(float v) {
  // Shortest float text: read back as float32 it is exact.
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

// A JSON string literal; invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      out->append(fmt::format("\\u{:04x}", c));
      ++i;
    } else {
      const size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out->append("\xef\xbf\xbd");
        ++i;
      } else {
        out->append(s.substr(i, len));
        i += len;
      }
    }
  }
  out->push_back('"');
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

enum class Style { kJson, kCsv };

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(result.ptr - buf));
}

// Appends value `row` of a column as JSON (exact physical values) or CSV
// (timestamps and dates as ISO 8601 text).
void AppendValue(const ColumnSchema& s, const ColumnVector& c, size_t row, Style style,
                 std::string* out) {
  if (c.is_null(row)) {
    if (style == Style::kJson) out->append("null");
    return;
  }
  auto special = [&](double v) -> bool {
    if (!std::isnan(v) && !std::isinf(v)) return false;
    const char* text = std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    if (style == Style::kJson) {
      out->push_back('"');
      out->append(text);
      out->push_back('"');
    } else {
      out->append(text);
    }
    return true;
  };
  switch (s.physical) {
    case PhysicalType::kBoolean: out->append(c.bools[row] ? "true" : "false"); return;
    case PhysicalType::kInt32:
      if (style == Style::kCsv && s.logical == LogicalType::kDate) {
        out->append(DateString(c.i32[row]));
      } else {
        AppendInt(c.i32[row], out);
      }
      return;
    case PhysicalType::kInt64:
      if (style == Style::kCsv && s.logical == LogicalType::kTimestampMicrosUtc) {
        out->append(IsoTimestampMicrosString(c.i64[row]));
      } else {
        AppendInt(c.i64[row], out);
      }
      return;
    case PhysicalType::kFloat:
      if (!special(c.f32[row])) out->append(FloatText(c.f32[row]));
      return;
    case PhysicalType::kDouble:
      if (!special(c.f64[row])) out->append(DoubleText(c.f64[row]));
      return;
    case PhysicalType::kByteArray: {
      const std::string_view v = c.bytes[row];
      if (s.logical == LogicalType::kString) {
        if (style == Style::kJson) {
          AppendJsonString(v, out);
        } else {
          AppendCsvField(v, out);
        }
      } else {
        const std::string hex = Hex(v);
        if (style == Style::kJson) {
          AppendJsonString(hex, out);
        } else {
          out->append(hex);
        }
      }
      return;
    }
  }
}

Status WriteOut(std::string* buffer, bool force) {
  if (!force && buffer->size() < (1 << 20)) return OkStatus();
  if (std::fwrite(buffer->data(), 1, buffer->size(), stdout) != buffer->size()) {
    return OutputError("writing to standard output failed");
  }
  buffer->clear();
  return OkStatus();
}

struct CatOptions {
  std::string path;
  std::string columns;
  std::string format = "csv";
};

Status RunCat(const CatOptions& o) {
  WV_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, FileReader::Open(o.path));
  const auto& cols = reader->schema().columns;
  std::vector<int> selected;
  if (o.columns.empty()) {
    for (size_t i = 0; i < cols.size(); ++i) selected.push_back(static_cast<int>(i));
  } else {
    size_t start = 0;
    while (start <= o.columns.size()) {
      size_t end = o.columns.find(',', start);
      if (end == std::string::npos) end = o.columns.size();
      const std::string name = o.columns.substr(start, end - start);
      const int idx = reader->ColumnIndex(name);
      if (idx < 0) {
        return UsageError(fmt::format("parquet cat: {} has no column '{}'", o.path, name));
      }
      selected.push_back(idx);
      start = end + 1;
    }
  }
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
  std::vector<std::string> keys;
  for (int idx : selected) {
    std::string key;
    AppendJsonString(cols[idx].name, &key);
    keys.push_back(key + ":");
  }
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    std::vector<ColumnVector> data;
    for (int idx : selected) {
      WV_ASSIGN_OR_RETURN(ColumnVector v, reader->ReadColumn(g, idx));
      data.push_back(std::move(v));
    }
    const auto rows = static_cast<size_t>(reader->row_group_num_rows(g));
    for (size_t r = 0; r < rows; ++r) {
      if (style == Style::kJson) out.push_back('{');
      for (size_t k = 0; k < selected.size(); ++k) {
        if (k > 0) out.push_back(',');
        if (style == Style::kJson) out.append(keys[k]);
        AppendValue(cols[selected[k]], data[k], r, style, &out);
      }
      out.append(style == Style::kJson ? "}\n" : "\n");
      WV_RETURN_IF_ERROR(WriteOut(&out, false));
    }
  }
  WV_RETURN_IF_ERROR(WriteOut(&out, true));
  std::fflush(stdout);
  return OkStatus();
}

struct InspectOptions {
  std::string path;
  std::string format = "table";
};

// A statistics bound as JSON (exact physical value) for inspect.
nlohmann::json StatJson(const ColumnSchema& s, const parquet::ColumnChunkStatistics& st, bool max) {
  switch (s.physical) {
    case PhysicalType::kBoolean: return (max ? st.max_int : st.min_int) != 0;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64: return max ? st.max_int : st.min_int;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: {
      const double v = max ? st.max_double : st.min_double;
      if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
      return v;
    }
    case PhysicalType::kByteArray: {
      const std::string& v = max ? st.max_bytes : st.min_bytes;
      std::string text;
      if (s.logical == LogicalType::kString) {
        AppendJsonString(v, &text);
        return nlohmann::json::parse(text);
      }
      return Hex(v);
    }
  }
  return nullptr;
}

Status RunInspect(const InspectOptions& o) {
  WV_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, FileReader::Open(o.path));
  const auto& cols = reader->schema().columns;
  nlohmann::json j;
  j["file"] = o.path;
  j["file_bytes"] = reader->file_size();
  j["created_by"] = reader->created_by();
  j["num_rows"] = reader->num_rows();
  j["num_row_groups"] = reader->num_row_groups();
  j["key_value_metadata"] = nlohmann::json::object();
  for (const auto& [k, v] : reader->key_values()) {
    std::string ks, vs;
    AppendJsonString(k, &ks);
    AppendJsonString(v, &vs);
    const std::string key = nlohmann::json::parse(ks).get<std::string>();
    j["key_value_metadata"][key] = nlohmann::json::parse(vs);
  }
  j["columns"] = nlohmann::json::array();
  for (const ColumnSchema& c : cols) {
    j["columns"].push_back({{"name", c.name},
                            {"physical_type", parquet::PhysicalTypeName(c.physical)},
                            {"logical_type", parquet::LogicalTypeName(c.logical)},
                            {"repetition", c.repetition == parquet::Repetition::kOptional
                                               ? "OPTIONAL"
                                               : "REQUIRED"}});
  }
  j["row_groups"] = nlohmann::json::array();
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    nlohmann::json rg;
    rg["num_rows"] = reader->row_group_num_rows(g);
    rg["columns"] = nlohmann::json::array();
    for (size_t c = 0; c < cols.size(); ++c) {
      const FileReader::ChunkInfo info = reader->ColumnChunkInfo(g, static_cast<int>(c));
      nlohmann::json cj{{"name", cols[c].name},
                        {"codec", info.codec},
                        {"encodings", info.encodings},
                        {"has_dictionary_page", info.has_dictionary_page},
                        {"compressed_bytes", info.compressed_bytes},
                        {"uncompressed_bytes", info.uncompressed_bytes}};
      WV_ASSIGN_OR_RETURN(parquet::ColumnChunkStatistics st,
                          reader->Statistics(g, static_cast<int>(c)));
      cj["null_count"] = st.null_count ? nlohmann::json(*st.null_count) : nlohmann::json();
      if (st.has_min_max) {
        cj["min"] = StatJson(cols[c], st, false);
        cj["max"] = StatJson(cols[c], st, true);
      }
      rg["columns"].push_back(std::move(cj));
    }
    j["row_groups"].push_back(std::move(rg));
  }
  std::string text;
  if (o.format == "json") {
    text = j.dump(2) + "\n";
  } else {
    text += fmt::format(
        "file        {} ({} bytes)\ncreated_by  {}\nrows        {}\nrow groups  {}\n",
                        o.path, reader->file_size(), reader->created_by(), reader->num_rows(),
                        reader->num_row_groups());
    for (const auto& [k, v] : reader->key_values()) {
      const std::string shown = v.size() > 200 ? v.substr(0, 200) + "..." : v;
      text += fmt::format("metadata    {} = {}\n", k, shown);
    }
    text += "\ncolumns\n";
    for (const auto& c : j["columns"]) {
      text += fmt::format("  {:<24} {:<11} {:<24} {}\n", c["name"].get<std::string>(),
                          c["physical_type"].get<std::string>(),
                          c["logical_type"].get<std::string>(),
                          c["repetition"].get<std::string>());
    }
    for (size_t g = 0; g < j["row_groups"].size(); ++g) {
      const auto& rg = j["row_groups"][g];
      text += fmt::format("\nrow group {} ({} rows)\n", g, rg["num_rows"].get<int64_t>());
      text += fmt::format("  {:<24} {:<12} {:<28} {:>12} {:>12} {:>8}  {}\n", "column", "codec",
                          "encodings", "compressed", "raw", "nulls", "min .. max");
      for (const auto& cj : rg["columns"]) {
        std::string enc;
        for (const auto& e : cj["encodings"]) {
          enc += (enc.empty() ? "" : ",") + e.get<std::string>();
        }
        std::string range = cj.contains("min") ? cj["min"].dump() + " .. " + cj["max"].dump() : "-";
        if (range.size() > 80) range = range.substr(0, 77) + "...";
        text += fmt::format("  {:<24} {:<12} {:<28} {:>12} {:>12} {:>8}  {}\n",
                            cj["name"].get<std::string>(), cj["codec"].get<std::string>(), enc,
                            cj["compressed_bytes"].get<int64_t>(),
                            cj["uncompressed_bytes"].get<int64_t>(),
                            cj["null_count"].is_null() ? std::string("?")
                                                       : cj["null_count"].dump(),
                            range);
      }
    }
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return OutputError("writing to standard output failed");
  }
  std::fflush(stdout);
  return OkStatus();
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
