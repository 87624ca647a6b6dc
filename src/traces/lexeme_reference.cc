#include "traces/lexeme_reference.h"

#include "absl/strings/string_view.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "traces/bundled_data.h"

namespace wv::traces {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Splits off the next run of non-blanks from `line`, skipping leading blanks.
std::string_view NextColumn(std::string_view* line) {
  size_t i = 0;
  while (i < line->size() && IsBlank((*line)[i])) ++i;
  size_t j = i;
  while (j < line->size() && !IsBlank((*line)[j])) ++j;
  std::string_view column = line->substr(i, j - i);
  line->remove_prefix(j);
  return column;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

const LexemeReference& LexemeReference::Bundled() {
  static const LexemeReference* const bundled = [] {
    StatusOr<LexemeReference> parsed =
        Parse(bundled::kLexemeReference(), "bundled lexeme_reference.txt");
    // The bundled file is part of the build; failing to parse it is a bug.
    if (!parsed.ok()) {
      fmt::print(stderr, "wordviews: {}\n", parsed.status().ToString());
      std::abort();
    }
    return new LexemeReference(std::move(parsed).value());
  }();
  return *bundled;
}

StatusOr<LexemeReference> LexemeReference::Parse(std::string_view text, std::string_view path) {
  // Messages quote the name and values escaped: they reach the terminal.
  const std::string source_name = EscapeForTerminal(path);
  LexemeReference reference;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    line = TrimBlanks(line);
    if (line.empty()) continue;
    const std::string_view original = line;
    const std::string_view tag = NextColumn(&line);
    const std::string_view category = NextColumn(&line);
    const std::string_view description = TrimBlanks(line);
    if (category.empty()) {
      return InputError(fmt::format(
          "{}: line {}: expected 'tag category description' separated by spaces, got '{}'",
          source_name, line_number, EscapeForTerminal(original)));
    }
    if (tag.find_first_of("<>") != std::string_view::npos) {
      return InputError(fmt::format("{}: line {}: tag '{}' contains '<' or '>'", source_name,
                                    line_number, EscapeForTerminal(tag)));
    }
    auto [it, inserted] = reference.index_.emplace(std::string(tag), reference.tags_.size());
    if (!inserted) {
      return InputError(fmt::format("{}: line {}: tag '{}' is listed twice", source_name,
                                    line_number, EscapeForTerminal(tag)));
    }
    reference.tags_.push_back(
        LexemeTag{std::string(tag), std::string(category), std::string(description)});
  }
  if (reference.tags_.empty()) {
    return InputError(fmt::format("{}: no lexeme tags found", source_name));
  }
  return reference;
}

StatusOr<LexemeReference> LexemeReference::Load(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenInput(path));
  WV_ASSIGN_OR_RETURN(std::string text, io::ReadAll(*source));
  return Parse(text, path);
}

const LexemeTag* LexemeReference::Find(std::string_view tag) const {
  auto it = index_.find(absl::string_view(tag.data(), tag.size()));
  return it == index_.end() ? nullptr : &tags_[it->second];
}

}  // namespace wv::traces
