#include "traces/language_codes.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "core/terminal_text.h"
#include "csv/row_parser.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "nlohmann/json.hpp"
#include "traces/bundled_data.h"

namespace wv::traces {
namespace {

constexpr std::array<std::string_view, 5> kColumns = {"alpha3-b", "alpha3-t", "alpha2", "English",
                                                      "French"};

// The upstream CSV carries a carriage return inside some quoted values.
std::string Clean(std::string_view value) {
  while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return std::string(value);
}

int TwoLetterIndex(std::string_view code) {
  if (code.size() != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z') {
    return -1;
  }
  return (code[0] - 'a') * 26 + (code[1] - 'a');
}

size_t LineOfOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace

const LanguageCodes& LanguageCodes::Bundled() {
  static const LanguageCodes* const bundled = [] {
    StatusOr<LanguageCodes> parsed =
        Parse(bundled::kLanguageCodesJson(), "bundled language-codes-full_json.json");
    // The bundled file is part of the build; failing to parse it is a bug.
    if (!parsed.ok()) {
      fmt::print(stderr, "wordviews: {}\n", parsed.status().ToString());
      std::abort();
    }
    return new LanguageCodes(std::move(parsed).value());
  }();
  return *bundled;
}

Status LanguageCodes::Add(Language language, std::string_view where) {
  if (language.alpha2.empty()) return OkStatus();
  if (Find(language.alpha2) != nullptr) {
    return InputError(fmt::format("{}: alpha2 code '{}' is listed twice", where,
                                  EscapeForTerminal(language.alpha2)));
  }
  const int index = static_cast<int>(languages_.size());
  const int slot = TwoLetterIndex(language.alpha2);
  if (slot >= 0) {
    by_code_[slot] = index;
  } else {
    others_.push_back(index);
  }
  languages_.push_back(std::move(language));
  return OkStatus();
}

StatusOr<LanguageCodes> LanguageCodes::Parse(std::string_view text, std::string_view path) {
  // Messages quote the name and values escaped: they reach the terminal.
  const std::string source_name = EscapeForTerminal(path);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return InputError(fmt::format("{}: empty language reference", source_name));
  }
  LanguageCodes codes;
  if (text[first] == '[') {
    nlohmann::json array;
    try {
      array = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
      return InputError(fmt::format("{}: line {}: invalid JSON: {}", source_name,
                                    LineOfOffset(text, e.byte > 0 ? e.byte - 1 : 0),
                                    EscapeForTerminal(e.what())));
    }
    for (size_t i = 0; i < array.size(); ++i) {
      const nlohmann::json& item = array[i];
      const std::string where = fmt::format("{}: element {}", source_name, i + 1);
      if (!item.is_object()) return InputError(where + ": expected an object");
      std::array<std::string, 5> values;
      for (size_t c = 0; c < kColumns.size(); ++c) {
        auto it = item.find(kColumns[c]);
        if (it == item.end() || it->is_null()) continue;
        if (!it->is_string()) {
          return InputError(fmt::format("{}: \"{}\" is not a string or null", where, kColumns[c]));
        }
        values[c] = Clean(it->get_ref<const std::string&>());
      }
      WV_RETURN_IF_ERROR(
          codes.Add(Language{values[2], values[3], values[4], values[0], values[1]}, where));
    }
  } else {
    csv::RowParser parser(text, kColumns.size());
    csv::Row row;
    bool header = true;
    while (parser.Next(&row)) {
      const std::string where = fmt::format("{}: line {}", source_name, row.first_line + 1);
      if (row.raw.empty()) continue;
      if (!row.quote_error.empty()) return InputError(where + ": " + std::string(row.quote_error));
      if (row.field_count != kColumns.size()) {
        return InputError(fmt::format("{}: expected {} fields, found {}", where, kColumns.size(),
                                      row.field_count));
      }
      if (header) {
        header = false;
        for (size_t c = 0; c < kColumns.size(); ++c) {
          if (Clean(row.fields[c]) != kColumns[c]) {
            return InputError(
                fmt::format("{}: unexpected header (expected \"alpha3-b\",\"alpha3-t\",\"alpha2\","
                            "\"English\",\"French\" or a JSON array)",
                            where));
          }
        }
        continue;
      }
      WV_RETURN_IF_ERROR(
          codes.Add(Language{Clean(row.fields[2]), Clean(row.fields[3]), Clean(row.fields[4]),
                             Clean(row.fields[0]), Clean(row.fields[1])},
                    where));
    }
  }
  if (codes.languages_.empty()) {
    return InputError(fmt::format("{}: no language has an alpha2 code", source_name));
  }
  return codes;
}

StatusOr<LanguageCodes> LanguageCodes::Load(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenInput(path));
  WV_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*source));
  return Parse(text, path);
}

const Language* LanguageCodes::FindOther(std::string_view alpha2) const {
  for (int index : others_) {
    if (languages_[index].alpha2 == alpha2) return &languages_[index];
  }
  return nullptr;
}

}  // namespace wv::traces
