// libFuzzer target: parses arbitrary bytes as a `--config` file with
// cli::ParseConfigText and checks the parser's contract (cli/config_file.h):
// an error is a usage error whose message begins "PATH:LINE: " with LINE a
// line of the input, and never quotes a value (which may be a secret); a
// parsed file's sections and entries carry lines of the input, in order,
// non-empty names, one value for a scalar, and no key or section twice.
// Any crash, sanitizer report or broken property is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "cli/config_file.h"

namespace {

constexpr std::string_view kPath = "fuzz.toml";

int LineCount(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// A value no message may quote: the fuzzer's dictionary and corpus put it
// after '=' (as an [AWS] secret would be).
constexpr std::string_view kSecret = "s3cr3t";

// Whether `kSecret` occurs anywhere but in a value: in a key (before a
// line's first '='), a section header or a line with no '=' at all, where a
// message may rightly quote it.
bool SecretOutsideValues(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    const size_t equals = line.find('=');
    const std::string_view outside =
        equals == std::string_view::npos ? line : line.substr(0, equals);
    if (outside.find(kSecret) != std::string_view::npos) return true;
    start = end + 1;
  }
  return false;
}

void CheckError(const wv::Status& status, std::string_view text) {
  if (status.kind() != wv::ErrorKind::kUsage) std::abort();
  const std::string& message = status.message();
  const std::string prefix = std::string(kPath) + ":";
  if (message.rfind(prefix, 0) != 0) std::abort();
  size_t digits_end = prefix.size();
  while (digits_end < message.size() && message[digits_end] >= '0' && message[digits_end] <= '9') {
    ++digits_end;
  }
  if (digits_end == prefix.size() || message.compare(digits_end, 2, ": ") != 0) std::abort();
  const int line = std::stoi(message.substr(prefix.size(), digits_end - prefix.size()));
  if (line < 1 || line > LineCount(text)) std::abort();
  if (message.find(kSecret) != std::string::npos && !SecretOutsideValues(text)) std::abort();
}

void CheckParsed(const wv::cli::ConfigFile& file, std::string_view text) {
  const int lines = LineCount(text);
  int last_line = 0;
  std::set<std::string> sections;
  for (const wv::cli::ConfigSection& section : file.sections) {
    if (section.name.empty() || section.line <= last_line || section.line > lines) std::abort();
    if (!sections.insert(section.name).second) std::abort();
    last_line = section.line;
    std::set<std::string> keys;
    for (const wv::cli::ConfigEntry& entry : section.entries) {
      if (entry.key.empty() || entry.line <= last_line || entry.line > lines) std::abort();
      if (!entry.array && entry.values.size() != 1) std::abort();
      if (!keys.insert(entry.key).second) std::abort();
      last_line = entry.line;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = wv::cli::ParseConfigText(text, kPath);
  if (parsed.ok()) {
    CheckParsed(*parsed, text);
  } else {
    CheckError(parsed.status(), text);
  }
  return 0;
}
