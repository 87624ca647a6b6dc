#include "analytics/result_table.h"

#include <algorithm>
#include <cmath>

#include "core/terminal_text.h"
#include "csv/field_writer.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"

namespace wv::analytics {

void ResultColumn::AppendString(std::string_view v) {
  strings.emplace_back(v);
  valid.push_back(1);
}
void ResultColumn::AppendInt(int64_t v) {
  ints.push_back(v);
  valid.push_back(1);
}
void ResultColumn::AppendDouble(double v) {
  // NaN and infinities have no portable CSV/JSON spelling: they are nulls.
  if (!std::isfinite(v)) {
    AppendNull();
    return;
  }
  doubles.push_back(v);
  valid.push_back(1);
}
void ResultColumn::AppendNull() {
  switch (type) {
    case ValueType::kString:
      strings.emplace_back();
      break;
    case ValueType::kInt64:
      ints.push_back(0);
      break;
    case ValueType::kDouble:
      doubles.push_back(0);
      break;
  }
  valid.push_back(0);
}
void ResultColumn::AppendOptionalDouble(std::optional<double> v) {
  if (v) {
    AppendDouble(*v);
  } else {
    AppendNull();
  }
}
void ResultColumn::AppendOptionalString(std::optional<std::string_view> v) {
  if (v) {
    AppendString(*v);
  } else {
    AppendNull();
  }
}

size_t ResultTable::AddColumn(std::string name, ValueType type, std::string description,
                              std::string display_format) {
  ResultColumn c;
  c.name = std::move(name);
  c.type = type;
  c.description = std::move(description);
  c.display_format = std::move(display_format);
  columns_.push_back(std::move(c));
  return columns_.size() - 1;
}

int ResultTable::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string CellText(const ResultColumn& column, size_t row) {
  if (column.is_null(row)) return "";
  switch (column.type) {
    case ValueType::kString:
      return column.strings[row];
    case ValueType::kInt64:
      return fmt::format("{}", column.ints[row]);
    case ValueType::kDouble:
      return fmt::format("{}", column.doubles[row]);
  }
  return "";
}

std::string CellDisplay(const ResultColumn& column, size_t row) {
  if (column.is_null(row)) return "-";
  if (column.type == ValueType::kDouble) {
    return fmt::format(fmt::runtime(column.display_format), column.doubles[row]);
  }
  return CellText(column, row);
}

namespace {

// Width on a terminal, counting UTF-8 code points (surface forms carry accents).
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void AppendPadded(std::string& out, std::string_view s, size_t width, bool right) {
  const size_t w = DisplayWidth(s);
  const size_t pad = width > w ? width - w : 0;
  if (right) out.append(pad, ' ');
  out.append(s);
  if (!right) out.append(pad, ' ');
}

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kDouble:
      return "double";
  }
  return "string";
}

}  // namespace

std::string FormatAsTable(const ResultTable& table) {
  const auto& cols = table.columns();
  const size_t rows = table.num_rows();
  std::vector<std::vector<std::string>> cells(cols.size());
  std::vector<size_t> width(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    width[c] = DisplayWidth(cols[c].name);
    cells[c].reserve(rows);
    for (size_t r = 0; r < rows; ++r) {
      // Text from the data (user ids, surface forms) may hold terminal controls.
      cells[c].push_back(EscapeForTerminal(CellDisplay(cols[c], r)));
      width[c] = std::max(width[c], DisplayWidth(cells[c].back()));
    }
    if (c < table.totals().size())
      width[c] = std::max(width[c], DisplayWidth(table.totals()[c].text));
  }
  std::string out;
  auto line = [&](auto cell_of) {
    std::string row;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c > 0) row.append("  ");
      AppendPadded(row, cell_of(c), width[c], cols[c].type != ValueType::kString);
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out.append(row).push_back('\n');
  };
  auto rule = [&] {
    size_t total = 0;
    for (size_t c = 0; c < cols.size(); ++c) total += width[c] + (c > 0 ? 2 : 0);
    out.append(total, '-').push_back('\n');
  };
  line([&](size_t c) -> std::string_view { return cols[c].name; });
  rule();
  for (size_t r = 0; r < rows; ++r) line([&](size_t c) -> std::string_view { return cells[c][r]; });
  if (!table.totals().empty()) {
    rule();
    line([&](size_t c) -> std::string_view {
      return c < table.totals().size() ? std::string_view(table.totals()[c].text) : "";
    });
  }
  out.append(fmt::format("({} row{})\n", rows, rows == 1 ? "" : "s"));
  if (!table.note().empty()) out.append(table.note()).push_back('\n');
  return out;
}

std::string FormatAsCsv(const ResultTable& table) {
  const auto& cols = table.columns();
  std::string out;
  for (size_t c = 0; c < cols.size(); ++c) {
    if (c > 0) out.push_back(',');
    csv::AppendCsvField(cols[c].name, &out);
  }
  out.push_back('\n');
  for (size_t r = 0; r < table.num_rows(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c > 0) out.push_back(',');
      csv::AppendCsvField(CellText(cols[c], r), &out);
    }
    out.push_back('\n');
  }
  return out;
}

std::string FormatAsJson(const ResultTable& table, std::string_view query_name) {
  // Written by hand (not nlohmann's dump) so that doubles use fmt's shortest
  // round-trip form, the same spelling as the CSV output.
  const auto& cols = table.columns();
  // Invalid UTF-8 (which validation should have rejected) is replaced, not thrown.
  auto quote = [](std::string_view s) {
    return nlohmann::json(std::string(s))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string out = "{\"query\": " + quote(query_name) + ",\n \"columns\": [";
  for (size_t c = 0; c < cols.size(); ++c) {
    if (c > 0) out.append(", ");
    out.append(fmt::format("{{\"name\": {}, \"type\": \"{}\"}}", quote(cols[c].name),
                           TypeName(cols[c].type)));
  }
  out.append("],\n \"rows\": [");
  for (size_t r = 0; r < table.num_rows(); ++r) {
    out.append(r > 0 ? ",\n  {" : "\n  {");
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c > 0) out.append(", ");
      out.append(quote(cols[c].name)).append(": ");
      if (cols[c].is_null(r)) {
        out.append("null");
      } else if (cols[c].type == ValueType::kString) {
        out.append(quote(cols[c].strings[r]));
      } else {
        out.append(CellText(cols[c], r));
      }
    }
    out.push_back('}');
  }
  out.append(table.num_rows() > 0 ? "\n ]}\n" : "]}\n");
  return out;
}

}  // namespace wv::analytics
