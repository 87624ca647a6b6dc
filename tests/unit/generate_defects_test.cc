// Injected defects: an independent implementation of the quarantine rules of
// issue 4 classifies every line of a dirty file, and the result must equal the
// generator's own record (PATH.defects.csv and the truth counts) line by line.
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "generate/generator.h"
#include "generate_test_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "traces/bundled_data.h"
#include "traces/trace_schema.h"

namespace wv::generate {
namespace {

using testing::GenerateToMemory;
using testing::SplitFields;
using testing::SplitLines;
using traces::RejectReason;

std::set<std::string> Alpha2Codes() {
  std::set<std::string> codes;
  for (const auto& row : nlohmann::json::parse(bundled::kLanguageCodesJson())) {
    if (row["alpha2"].is_string()) codes.insert(row["alpha2"].get<std::string>());
  }
  return codes;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 6) {
      extra = 1;
    } else if ((c >> 4) == 14) {
      extra = 2;
    } else if ((c >> 3) == 30) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += 1 + extra;
  }
  return true;
}

// Optional sign, digits, optional fraction, optional exponent; nothing else.
bool IsDecimal(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

bool IsInt64(const std::string& s, long long* out) {
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t k = i; k < s.size(); ++k) {
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return false;
  }
  errno = 0;
  char* end = nullptr;
  *out = std::strtoll(s.c_str(), &end, 10);
  return errno != ERANGE && end == s.c_str() + s.size();
}

bool IsHex32(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsLexemeString(const std::string& s) {
  const size_t slash = s.find('/', s.rfind("<*sf>", 0) == 0 ? 5 : 0);
  if (slash == std::string::npos || slash == 0) return false;
  const size_t open = s.find('<', slash);
  if (open == std::string::npos || open == slash + 1) return false;
  const std::string lemma = s.substr(slash + 1, open - slash - 1);
  if (lemma.find_first_of("<>/") != std::string::npos) return false;
  const size_t close = s.find('>', open);
  return close != std::string::npos && close > open + 1;
}

// True when a quote at the start of a field is never closed on this line: an
// RFC 4180 reader would then continue the row onto the following lines.
bool OpensUnclosedQuote(std::string_view line) {
  bool field_start = true;
  for (size_t i = 0; i < line.size(); ++i) {
    if (field_start && line[i] == '"') {
      size_t j = i + 1;
      for (;;) {
        const size_t q = line.find('"', j);
        if (q == std::string_view::npos) return true;
        if (q + 1 < line.size() && line[q + 1] == '"') {
          j = q + 2;
          continue;
        }
        i = q;
        break;
      }
    }
    field_start = line[i] == ',';
  }
  return false;
}

class Classifier {
 public:
  // The first failing reason of a data line, or nullopt when accepted.
  std::optional<RejectReason> Classify(std::string_view line) {
    if (!ValidUtf8(line)) return RejectReason::kMalformed;
    auto fields = SplitFields(line);
    if (!fields || fields->size() != 12) return RejectReason::kMalformed;
    const auto& f = *fields;
    for (const auto& v : f) {
      if (v.empty()) return RejectReason::kMissingValue;
    }
    long long n[12] = {};
    if (!IsDecimal(f[0])) return RejectReason::kBadNumber;
    for (int c : {1, 2, 8, 9, 10, 11}) {
      if (!IsInt64(f[c], &n[c])) return RejectReason::kBadNumber;
    }
    const double p = std::stod(f[0]);
    if (!(p >= 0 && p <= 1) || n[2] < 0 || n[10] < 1 || n[11] < 0 || n[11] > n[10] || n[8] < 0 ||
        n[9] < 0 || n[9] > n[8] || n[1] < traces::kMinTimestamp ||
        n[1] >= traces::kMaxTimestampExclusive) {
      return RejectReason::kOutOfRange;
    }
    if (!codes_.count(f[4]) || !codes_.count(f[5])) return RejectReason::kUnknownLanguage;
    if (!IsHex32(f[6]) || !IsLexemeString(f[7])) return RejectReason::kBadLexeme;
    std::string key;
    for (const auto& v : f) key += v + '\x1f';
    if (!accepted_.insert(key).second) return RejectReason::kDuplicate;
    return std::nullopt;
  }

 private:
  std::set<std::string> codes_ = Alpha2Codes();
  absl::flat_hash_set<std::string> accepted_;
};

TEST(GenerateDefectsTest, EveryInjectedDefectFailsExactlyItsRule) {
  GenerateOptions o;
  o.rows = 60000;
  o.seed = 11;
  o.dirty_rate = 0.05;
  o.threads = 2;
  const auto g = GenerateToMemory(o);

  std::map<uint64_t, std::string> recorded;  // line -> reason, from PATH.defects.csv
  const auto defect_lines = SplitLines(g.defects);
  ASSERT_FALSE(defect_lines.empty());
  EXPECT_EQ(defect_lines[0], "line_number,reason");
  for (size_t i = 1; i < defect_lines.size(); ++i) {
    const std::string row(defect_lines[i]);
    const size_t comma = row.find(',');
    recorded[std::stoull(row.substr(0, comma))] = row.substr(comma + 1);
  }

  const auto lines = SplitLines(g.csv);
  ASSERT_EQ(lines.size(), o.rows + 1);
  Classifier classifier;
  std::map<std::string, uint64_t> found;
  uint64_t accepted = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const uint64_t line_number = i + 1;
    EXPECT_FALSE(OpensUnclosedQuote(lines[i])) << "line " << line_number << ": " << lines[i];
    const auto reason = classifier.Classify(lines[i]);
    const auto it = recorded.find(line_number);
    if (!reason) {
      EXPECT_EQ(it, recorded.end()) << "line " << line_number << " accepted but recorded as "
                                    << it->second << ": " << lines[i];
      ++accepted;
      continue;
    }
    const std::string name(RejectReasonName(*reason));
    ++found[name];
    ASSERT_NE(it, recorded.end()) << "line " << line_number << " rejected (" << name
                                  << ") but not recorded: " << lines[i];
    EXPECT_EQ(it->second, name) << "line " << line_number << ": " << lines[i];
  }
  EXPECT_EQ(accepted, g.result.rows_clean);
  EXPECT_EQ(recorded.size(), o.rows - g.result.rows_clean);
  for (int r = 0; r < static_cast<int>(RejectReason::kNumReasons); ++r) {
    const std::string name(traces::kRejectReasonNames[r]);
    EXPECT_EQ(found[name], g.result.defects[r]) << name;
    EXPECT_GT(g.result.defects[r], 0u) << name;  // every class is exercised
  }
  // About dirty_rate of all rows are defects.
  const double share = static_cast<double>(o.rows - g.result.rows_clean) / o.rows;
  EXPECT_NEAR(share, o.dirty_rate, 0.01);
}

TEST(GenerateDefectsTest, RobustnessRowsAreAcceptedAndRecorded) {
  GenerateOptions o;
  o.rows = 60000;
  o.seed = 12;
  o.dirty_rate = 0.1;
  const auto g = GenerateToMemory(o);
  const auto lines = SplitLines(g.csv);
  ASSERT_GT(g.result.crlf_rows, 0u);
  ASSERT_GT(g.result.quoted_rows, 0u);
  ASSERT_EQ(g.result.crlf_lines.size(), g.result.crlf_rows);
  std::set<uint64_t> crlf(g.result.crlf_lines.begin(), g.result.crlf_lines.end());
  std::set<uint64_t> quoted(g.result.quoted_lines.begin(), g.result.quoted_lines.end());
  Classifier classifier;
  uint64_t crlf_seen = 0;
  uint64_t quoted_seen = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const uint64_t line_number = i + 1;
    const bool has_cr = !lines[i].empty() && lines[i].back() == '\r';
    const bool has_quote = lines[i].find('"') != std::string_view::npos;
    const auto reason = classifier.Classify(lines[i]);
    EXPECT_EQ(has_cr, crlf.count(line_number) == 1) << line_number;
    if (has_cr) {
      ++crlf_seen;
      EXPECT_FALSE(reason.has_value()) << lines[i];
    }
    if (quoted.count(line_number)) {
      ++quoted_seen;
      EXPECT_TRUE(has_quote);
      EXPECT_FALSE(reason.has_value()) << lines[i];
    }
  }
  EXPECT_EQ(crlf_seen, g.result.crlf_rows);
  EXPECT_EQ(quoted_seen, g.result.quoted_rows);
}

TEST(GenerateDefectsTest, CleanOutputHasNoDefectsAndNoAccidentalDuplicates) {
  GenerateOptions o;
  o.rows = 50000;
  const auto g = GenerateToMemory(o);
  EXPECT_EQ(g.defects, "line_number,reason\n");
  Classifier classifier;
  const auto lines = SplitLines(g.csv);
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto reason = classifier.Classify(lines[i]);
    EXPECT_FALSE(reason.has_value()) << RejectReasonName(*reason) << ": " << lines[i];
  }
  for (uint64_t n : g.result.defects) EXPECT_EQ(n, 0u);
}

TEST(GenerateDefectsTest, UnknownLanguageCodesAreNotInTheReference) {
  const auto codes = Alpha2Codes();
  for (const char* code : {"xx", "zz", "qq", "jp", "eng"}) EXPECT_FALSE(codes.count(code)) << code;
  for (const auto& pair : kLanguagePairs) {
    EXPECT_TRUE(codes.count(pair.learning));
    EXPECT_TRUE(codes.count(pair.ui));
  }
}

TEST(GenerateDefectsTest, TruthJsonCarriesTheCounts) {
  GenerateOptions o;
  o.rows = 20000;
  o.dirty_rate = 0.05;
  const auto g = GenerateToMemory(o);
  const auto truth = nlohmann::json::parse(TruthJson(o, g.result, "x.csv.defects.csv"));
  EXPECT_EQ(truth["rows_total"].get<uint64_t>(), o.rows);
  EXPECT_EQ(truth["rows_clean"].get<uint64_t>(), g.result.rows_clean);
  uint64_t total = 0;
  for (int r = 0; r < static_cast<int>(RejectReason::kNumReasons); ++r) {
    const std::string name(traces::kRejectReasonNames[r]);
    EXPECT_EQ(truth["defects"][name].get<uint64_t>(), g.result.defects[r]);
    total += g.result.defects[r];
  }
  EXPECT_EQ(total + g.result.rows_clean, o.rows);
  EXPECT_EQ(truth["robustness"]["crlf_rows"].get<uint64_t>(), g.result.crlf_rows);
  EXPECT_EQ(truth["pairs"].size(), 8u);
  EXPECT_DOUBLE_EQ(truth["model"]["theta"]["bias"].get<double>(), g.result.theta.bias);
}

}  // namespace
}  // namespace wv::generate
