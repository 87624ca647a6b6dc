#include "report/dictionary_section.h"

#include <filesystem>
#include <optional>
#include <vector>

#include "analytics/fact_snapshot.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "parquet/reader.h"
#include "report/html.h"

namespace wv::report {
namespace {

using model::ColumnContract;
using model::TableContract;
using parquet::ColumnSchema;

// The schema of the table's first Parquet file (all files of a table share
// it), or nullopt when the folder has none or it cannot be read.
std::optional<std::vector<ColumnSchema>> FileSchema(const std::string& dir,
                                                    const TableContract& table) {
  auto files = analytics::ListParquetFiles((std::filesystem::path(dir) / table.name).string());
  if (!files.ok() || files->empty()) return std::nullopt;
  auto reader = parquet::FileReader::Open(files->front());
  if (!reader.ok()) return std::nullopt;
  return (*reader)->schema().columns;
}

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

std::string KeysParagraph(const TableContract& table) {
  std::vector<std::string> key;
  for (std::string_view k : table.primary_key) key.push_back(std::string(k));
  std::string s = fmt::format("Primary key: <code>{}</code>.", EscapeHtml(Join(key)));
  std::vector<std::string> references;
  for (const model::ForeignKey& fk : table.foreign_keys) {
    references.push_back(fmt::format("<code>{}</code> &rarr; <code>{}.{}</code>", fk.column,
                                     fk.referenced_table, fk.referenced_column));
  }
  if (!references.empty()) s += " Foreign keys: " + Join(references) + ".";
  return "<p>" + s + "</p>\n";
}

// Where the files' schema differs from the contract, one sentence each.
std::string Deviations(const TableContract& table, const std::vector<ColumnSchema>& file) {
  std::vector<std::string> missing, retyped, nullable, extra;
  for (const ColumnContract& c : table.columns) {
    const ColumnSchema* found = nullptr;
    for (const ColumnSchema& f : file) {
      if (f.name == c.name) found = &f;
    }
    if (found == nullptr) {
      missing.push_back(std::string(c.name));
      continue;
    }
    const std::string expected = TypeName(c.physical, c.logical);
    const std::string actual = TypeName(found->physical, found->logical);
    if (actual != expected) retyped.push_back(fmt::format("{} is {}", c.name, actual));
    if (!c.nullable() && found->repetition == parquet::Repetition::kOptional) {
      nullable.push_back(std::string(c.name));
    }
  }
  for (const ColumnSchema& f : file) {
    if (table.ColumnIndex(f.name) < 0) extra.push_back(f.name);
  }
  std::string s;
  auto add = [&](const std::vector<std::string>& items, std::string_view what) {
    if (!items.empty()) s += fmt::format("<li>{}: {}</li>\n", what, EscapeHtml(Join(items)));
  };
  add(missing, "Missing from the files");
  add(retyped, "Stored with another type");
  add(nullable, "Declared nullable by the files although the contract requires a value");
  add(extra, "In the files but not in the contract");
  if (s.empty()) return "";
  return "<p class=\"bad\">The Parquet files in this folder differ from the contract:</p>\n<ul>\n" +
         s + "</ul>\n";
}

std::string ColumnsTable(const TableContract& table) {
  std::string rows =
      "<thead><tr><th>column</th><th>type</th><th>nullable</th><th>description</th></tr>"
      "</thead><tbody>\n";
  for (const ColumnContract& c : table.columns) {
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        EscapeHtml(c.name), EscapeHtml(TypeName(c.physical, c.logical)),
                        c.nullable() ? "yes" : "no", EscapeHtml(c.description));
  }
  return TableWrap("class=\"dict\"", rows + "</tbody>");
}

std::string TableEntry(const std::string& dir, const TableContract& table) {
  std::string s = fmt::format("<h3 id=\"dict-{0}\">{0}</h3>\n<p>{1}</p>\n", table.name,
                              EscapeHtml(table.description));
  s += KeysParagraph(table);
  const auto file = FileSchema(dir, table);
  if (!file) {
    s += "<p class=\"muted\">(no Parquet file of this table in the folder)</p>\n";
  } else {
    s += Deviations(table, *file);
  }
  return s + ColumnsTable(table);
}

}  // namespace

std::string TypeName(parquet::PhysicalType physical, parquet::LogicalType logical) {
  using parquet::LogicalType;
  using parquet::PhysicalType;
  switch (logical) {
    case LogicalType::kString:
      return "string";
    case LogicalType::kTimestampMicrosUtc:
      return "timestamp (UTC, µs)";
    case LogicalType::kDate:
      return "date";
    case LogicalType::kInt8:
    case LogicalType::kInt16:
    case LogicalType::kInt32:
      return "int32";
    case LogicalType::kInt64:
      return "int64";
    case LogicalType::kNone:
      break;
  }
  switch (physical) {
    case PhysicalType::kBoolean:
      return "boolean";
    case PhysicalType::kInt32:
      return "int32";
    case PhysicalType::kInt64:
      return "int64";
    case PhysicalType::kFloat:
      return "float";
    case PhysicalType::kDouble:
      return "double";
    case PhysicalType::kByteArray:
      return "bytes";
  }
  return "unknown";
}

std::string DictionarySection(const std::string& dir) {
  std::string s = Answer(
      "Each table is a folder of Parquet files. Columns, types, nullability and descriptions are "
      "the star-schema contract the pipeline writes by; where the files in this folder differ "
      "from it, the differences are listed.");
  for (const TableContract& table : model::AllTableContracts()) s += TableEntry(dir, table);
  return s;
}

}  // namespace wv::report
