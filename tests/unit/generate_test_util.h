#ifndef WV_TESTS_UNIT_GENERATE_TEST_UTIL_H_
#define WV_TESTS_UNIT_GENERATE_TEST_UTIL_H_

// Helpers shared by the generator and sink tests: a deliberately simple,
// independent CSV line reader (not the pipeline's) and generation to memory.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "generate/generator.h"
#include "gtest/gtest.h"
#include "io/byte_sink.h"
#include "support/test_sinks.h"

namespace wv::testing {

// Splits text into physical lines without their "\n" (a "\r" stays).
inline std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// RFC 4180 fields of one line (a trailing "\r" is the line end). nullopt when
// a quote is unbalanced or text follows a closing quote.
inline std::optional<std::vector<std::string>> SplitFields(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields;
  std::string field;
  size_t i = 0;
  for (;;) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return std::nullopt;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',') return std::nullopt;
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') return std::nullopt;
        field.push_back(line[i++]);
      }
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

struct Generated {
  std::string csv;
  std::string defects;
  generate::GenerateResult result;
};

inline Generated GenerateToMemory(const generate::GenerateOptions& options) {
  Generated g;
  const std::unique_ptr<io::ByteSink> sink = NewStringSink(&g.csv);
  const std::unique_ptr<io::ByteSink> defects = NewStringSink(&g.defects);
  auto result = generate::Generate(options, *sink, defects.get(), nullptr);
  EXPECT_TRUE(result.ok()) << result.status().message();
  if (result.ok()) g.result = *result;
  return g;
}

}  // namespace wv::testing

#endif  // WV_TESTS_UNIT_GENERATE_TEST_UTIL_H_
