#include "cli/config_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/utf8.h"
#include "fmt/core.h"

namespace wv::cli {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Appends the UTF-8 form of `cp`; false when it is not a Unicode scalar value.
bool AppendUtf8(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return true;
}

// Parses one line of a config file. Errors carry "PATH:LINE: ".
class LineParser {
 public:
  LineParser(std::string_view path, int line, std::string_view text)
      : path_(path), line_(line), text_(text) {}

  Status Error(std::string_view what) const {
    return UsageError(fmt::format("{}:{}: {}", path_, line_, what));
  }

  // The bytes must be UTF-8 text: no NUL, no control character but tab.
  Status CheckText() const {
    const size_t invalid = FindInvalidUtf8(text_);
    for (size_t i = 0; i < text_.size() && i < invalid; ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return Error(fmt::format("control character 0x{:02x} at column {}; is this a config file?",
                                 c, i + 1));
      }
    }
    if (invalid != std::string_view::npos) {
      return Error(
          fmt::format("not UTF-8 text (byte 0x{:02x} at column {}); is this a config file?",
                      static_cast<unsigned char>(text_[invalid]), invalid + 1));
    }
    return OkStatus();
  }

  // "[name]" with optional blanks and a trailing comment.
  StatusOr<std::string> SectionName() {
    if (text_.substr(pos_).starts_with("[[")) {
      return Error("arrays of tables ([[...]]) are not supported");
    }
    const size_t close = text_.find(']', pos_);
    if (close == std::string_view::npos) return Error("'[' without a closing ']'");
    const std::string_view name = Trim(text_.substr(pos_ + 1, close - pos_ - 1));
    bool valid = !name.empty() && name.front() != '.' && name.back() != '.' &&
                 name.find("..") == std::string_view::npos;
    for (char c : name) valid = valid && (IsKeyChar(c) || c == '.');
    if (!valid) {
      return Error(
          "a section name is letters, digits, '_' and '-', with '.' between a "
          "subcommand's parts ([parquet.cat])");
    }
    pos_ = close + 1;
    WV_RETURN_IF_ERROR(ExpectLineEnd("after the section name"));
    return std::string(name);
  }

  // "key = value" with optional blanks and a trailing comment.
  StatusOr<ConfigEntry> KeyValue() {
    ConfigEntry entry;
    entry.line = line_;
    if (text_[pos_] == '"' || text_[pos_] == '\'') return Error("quoted keys are not supported");
    const size_t start = pos_;
    while (pos_ < text_.size() && IsKeyChar(text_[pos_])) ++pos_;
    entry.key = std::string(text_.substr(start, pos_ - start));
    if (entry.key.empty()) return Error("expected 'key = value', '[section]' or a comment");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      return Error(
          fmt::format("dotted keys are not supported ('{}.'); use a [section]", entry.key));
    }
    SkipBlanks();
    if (pos_ >= text_.size() || text_[pos_] != '=') {
      return Error(fmt::format("expected '=' after '{}'", entry.key));
    }
    ++pos_;
    SkipBlanks();
    if (pos_ >= text_.size() || text_[pos_] == '#') {
      return Error(fmt::format("'{}' has no value", entry.key));
    }
    if (text_[pos_] == '[') {
      entry.array = true;
      WV_RETURN_IF_ERROR(Array(entry.key, &entry.values));
    } else {
      entry.values.emplace_back();
      WV_RETURN_IF_ERROR(Scalar(entry.key, /*in_array=*/false, &entry.values.back()));
    }
    WV_RETURN_IF_ERROR(ExpectLineEnd(fmt::format("after the value of '{}'", entry.key)));
    return entry;
  }

  // Positions the parser at the first non-blank byte; true if the line holds
  // anything but blanks and a comment.
  bool HasContent() {
    SkipBlanks();
    return pos_ < text_.size() && text_[pos_] != '#' && text_[pos_] != ';';
  }
  bool AtSection() const { return text_[pos_] == '['; }

 private:
  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  Status ExpectLineEnd(std::string_view where) {
    SkipBlanks();
    if (pos_ < text_.size() && text_[pos_] != '#') {
      return Error(fmt::format("unexpected text {}", where));
    }
    pos_ = text_.size();
    return OkStatus();
  }

  // A string, a literal string or a bare value.
  Status Scalar(std::string_view key, bool in_array, std::string* out) {
    const char c = text_[pos_];
    if (c == '{') return Error(fmt::format("inline tables are not supported ('{}')", key));
    if (c == '[') return Error(fmt::format("nested arrays are not supported ('{}')", key));
    if (c == '"' || c == '\'') {
      if (text_.substr(pos_).starts_with(std::string(3, c))) {
        return Error(fmt::format("multi-line strings are not supported ('{}')", key));
      }
      return c == '"' ? BasicString(key, out) : LiteralString(key, out);
    }
    // A bare value ends at a comment (a '#' after a blank) or, in an array,
    // at ',' or ']'.
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char d = text_[pos_];
      if (in_array && (d == ',' || d == ']' || IsBlank(d) || d == '#')) break;
      if (d == '#' && IsBlank(text_[pos_ - 1])) break;
      ++pos_;
    }
    *out = std::string(Trim(text_.substr(start, pos_ - start)));
    if (out->empty()) return Error(fmt::format("an empty item in the array '{}'", key));
    return OkStatus();
  }

  Status LiteralString(std::string_view key, std::string* out) {
    const size_t close = text_.find('\'', pos_ + 1);
    if (close == std::string_view::npos) {
      return Error(fmt::format("the string value of '{}' has no closing quote", key));
    }
    *out = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return OkStatus();
  }

  Status BasicString(std::string_view key, std::string* out) {
    for (++pos_; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return OkStatus();
      }
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (++pos_ >= text_.size()) break;
      WV_RETURN_IF_ERROR(Escape(key, out));
    }
    return Error(fmt::format("the string value of '{}' has no closing quote", key));
  }

  // The escape whose letter is at pos_ (TOML's set).
  Status Escape(std::string_view key, std::string* out) {
    static constexpr std::string_view kFrom = "btnfr\"\\";
    static constexpr std::string_view kTo = "\b\t\n\f\r\"\\";
    const char c = text_[pos_];
    if (const size_t k = kFrom.find(c); k != std::string_view::npos) {
      out->push_back(kTo[k]);
      return OkStatus();
    }
    const size_t digits = c == 'u' ? 4 : c == 'U' ? 8 : 0;
    uint32_t cp = 0;
    bool valid = digits > 0 && pos_ + digits < text_.size();
    for (size_t i = 1; valid && i <= digits; ++i) {
      const char h = text_[pos_ + i];
      const int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
      valid = v >= 0;
      cp = cp * 16 + static_cast<uint32_t>(std::max(v, 0));
    }
    if (!valid || !AppendUtf8(cp, out)) {
      return Error(fmt::format("a bad escape sequence in the string value of '{}'", key));
    }
    pos_ += digits;
    return OkStatus();
  }

  // "[item, item, ...]" on this line; a trailing comma is allowed.
  Status Array(std::string_view key, std::vector<std::string>* out) {
    ++pos_;
    for (;;) {
      SkipBlanks();
      if (pos_ >= text_.size() || text_[pos_] == '#') {
        return Error(
            fmt::format("the array '{}' has no closing ']' (arrays must be on one line)", key));
      }
      if (text_[pos_] == ']') break;
      out->emplace_back();
      WV_RETURN_IF_ERROR(Scalar(key, /*in_array=*/true, &out->back()));
      SkipBlanks();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < text_.size() && text_[pos_] != ']' && text_[pos_] != '#') {
        return Error(fmt::format("expected ',' or ']' in the array '{}'", key));
      }  // else the loop's top finds the ']' or the line's end
    }
    ++pos_;
    return OkStatus();
  }

  std::string_view path_;
  int line_;
  std::string_view text_;
  size_t pos_ = 0;
};

// Adds what one line holds to *file.
Status ParseLine(LineParser& parser, int line, ConfigFile* file) {
  WV_RETURN_IF_ERROR(parser.CheckText());
  if (!parser.HasContent()) return OkStatus();
  if (parser.AtSection()) {
    WV_ASSIGN_OR_RETURN(std::string name, parser.SectionName());
    if (const ConfigSection* seen = file->Find(name)) {
      return parser.Error(
          fmt::format("section [{}] appears twice (first on line {})", name, seen->line));
    }
    file->sections.push_back({std::move(name), line, {}});
    return OkStatus();
  }
  WV_ASSIGN_OR_RETURN(ConfigEntry entry, parser.KeyValue());
  if (file->sections.empty()) {
    return parser.Error(fmt::format(
        "'{}' is outside any section; options go under their subcommand's section, e.g. [run]",
        entry.key));
  }
  ConfigSection& section = file->sections.back();
  for (const ConfigEntry& e : section.entries) {
    if (e.key == entry.key) {
      return parser.Error(fmt::format("'{}' appears twice in [{}] (first on line {})", entry.key,
                                      section.name, e.line));
    }
  }
  section.entries.push_back(std::move(entry));
  return OkStatus();
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const ConfigSection* ConfigFile::Find(std::string_view name) const {
  for (const ConfigSection& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

StatusOr<ConfigFile> ParseConfigText(std::string_view text, std::string_view path) {
  ConfigFile file;
  file.path = std::string(path);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  int line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(start, end - start);
    if (content.ends_with('\r')) content.remove_suffix(1);
    LineParser parser(path, ++line, content);
    WV_RETURN_IF_ERROR(ParseLine(parser, line, &file));
    start = end + 1;
  }
  return file;
}

StatusOr<ConfigFile> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(fmt::format("--config {}: cannot open: {}", path, std::strerror(errno)));
  }
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return UsageError(fmt::format("--config {}: cannot read: {}", path, std::strerror(errno)));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) {
    return UsageError(fmt::format("--config {}: larger than 1 MiB; is this a config file?", path));
  }
  return ParseConfigText(text, path);
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 3;  // more than 2 edits is not a typo
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance && 2 * d < std::min(word.size(), c.size())) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace wv::cli
