// Invariants of `wordviews generate` output, checked by parsing the CSV text
// independently of the generator's internals.
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "generate/generator.h"
#include "generate_test_util.h"
#include "gtest/gtest.h"
#include "traces/trace_schema.h"

namespace wv::generate {
namespace {

using testing::GenerateToMemory;
using testing::SplitFields;
using testing::SplitLines;

int64_t ToInt(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(ec == std::errc() && ptr == s.data() + s.size()) << "not an integer: " << s;
  return v;
}

struct ParsedRow {
  double p_recall;
  std::string p_recall_text;
  int64_t timestamp, delta;
  std::string user, learning, ui, lexeme_id, lexeme_string;
  int64_t history_seen, history_correct, session_seen, session_correct;
};

std::vector<ParsedRow> ParseClean(const std::string& csv) {
  std::vector<ParsedRow> rows;
  const auto lines = SplitLines(csv);
  EXPECT_EQ(lines.at(0), traces::kTraceHeader);
  for (size_t i = 1; i < lines.size(); ++i) {
    auto fields = SplitFields(lines[i]);
    EXPECT_TRUE(fields.has_value()) << lines[i];
    if (!fields) continue;
    EXPECT_EQ(fields->size(), 12u) << lines[i];
    if (fields->size() != 12) continue;
    const auto& f = *fields;
    rows.push_back({std::stod(f[0]), f[0], ToInt(f[1]), ToInt(f[2]), f[3], f[4], f[5], f[6], f[7],
                    ToInt(f[8]), ToInt(f[9]), ToInt(f[10]), ToInt(f[11])});
  }
  return rows;
}

GenerateOptions Small(uint64_t rows, int threads = 2) {
  GenerateOptions o;
  o.rows = rows;
  o.seed = 7;
  o.threads = threads;
  return o;
}

TEST(GenerateOutputTest, WritesExactlyTheRequestedRowsAndUsers) {
  for (uint64_t rows : {0ull, 1ull, 2ull, 109ull, 5000ull, 33333ull}) {
    auto g = GenerateToMemory(Small(rows));
    const auto lines = SplitLines(g.csv);
    ASSERT_EQ(lines.size(), rows + 1) << rows;
    EXPECT_EQ(g.result.rows_total, rows);
    EXPECT_EQ(g.result.rows_clean, rows);
    const auto parsed = ParseClean(g.csv);
    std::set<std::string> users;
    for (const auto& r : parsed) users.insert(r.user);
    EXPECT_EQ(users.size(), g.result.users);
    EXPECT_EQ(users.size(), rows == 0 ? 0 : std::max<uint64_t>(1, (rows + 55) / 110));
  }
  GenerateOptions o = Small(5000);
  o.users = 321;
  auto g = GenerateToMemory(o);
  std::set<std::string> users;
  for (const auto& r : ParseClean(g.csv)) users.insert(r.user);
  EXPECT_EQ(users.size(), 321u);
}

TEST(GenerateOutputTest, ValuesStayInTheirDomains) {
  GenerateOptions o = Small(40000);
  auto g = GenerateToMemory(o);
  const int64_t end = o.start_epoch + o.days * 86400;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& r : ParseClean(g.csv)) {
    EXPECT_GE(r.timestamp, o.start_epoch);
    EXPECT_LT(r.timestamp, end);
    EXPECT_GE(r.delta, 1);
    EXPECT_LT(r.delta, 500LL * 86400);
    EXPECT_GE(r.session_seen, 1);
    EXPECT_GE(r.session_correct, 0);
    EXPECT_LE(r.session_correct, r.session_seen);
    EXPECT_GE(r.history_seen, 1);
    EXPECT_GE(r.history_correct, 0);
    EXPECT_LE(r.history_correct, r.history_seen);
    EXPECT_EQ(r.user.rfind("u:", 0), 0u);
    EXPECT_GE(r.user.size(), 3u);
    EXPECT_LE(r.user.size(), 7u);
    for (char c : r.user.substr(2)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') << r.user;
    }
    pairs.emplace(r.learning, r.ui);
  }
  std::set<std::pair<std::string, std::string>> expected;
  for (const auto& p : kLanguagePairs) expected.emplace(p.learning, p.ui);
  EXPECT_EQ(pairs, expected);
}

TEST(GenerateOutputTest, PRecallIsSessionCorrectOverSessionSeenPrintedLikeTheRealFile) {
  EXPECT_EQ(FormatPRecall(1.0), "1.0");
  EXPECT_EQ(FormatPRecall(0.0), "0.0");
  EXPECT_EQ(FormatPRecall(0.5), "0.5");
  EXPECT_EQ(FormatPRecall(1.0 / 3), "0.333333333333");
  EXPECT_EQ(FormatPRecall(2.0 / 3), "0.666666666667");
  EXPECT_EQ(FormatPRecall(1.0 / 7), "0.142857142857");
  EXPECT_EQ(FormatPRecall(0.75), "0.75");
  auto g = GenerateToMemory(Small(30000));
  double sum = 0;
  size_t n = 0;
  for (const auto& r : ParseClean(g.csv)) {
    const double exact = static_cast<double>(r.session_correct) / r.session_seen;
    EXPECT_NEAR(r.p_recall, exact, 1e-11);
    EXPECT_EQ(r.p_recall_text, FormatPRecall(exact));
    sum += r.p_recall;
    ++n;
  }
  EXPECT_NEAR(sum / n, g.result.p_recall_sum / g.result.rows_clean, 1e-9);
  EXPECT_GT(sum / n, 0.80);
  EXPECT_LT(sum / n, 0.92);
}

TEST(GenerateOutputTest, HistoriesAreConsistentAcrossSessions) {
  GenerateOptions o = Small(60000);
  auto g = GenerateToMemory(o);
  const auto rows = ParseClean(g.csv);
  // (user, lexeme) -> row indices; order by timestamp.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> views;
  for (size_t i = 0; i < rows.size(); ++i) views[{rows[i].user, rows[i].lexeme_id}].push_back(i);
  size_t repeated = 0;
  for (auto& [key, idx] : views) {
    std::sort(idx.begin(), idx.end(),
              [&](size_t a, size_t b) { return rows[a].timestamp < rows[b].timestamp; });
    // A first view carries a history and a last view from before the window.
    const ParsedRow& first = rows[idx[0]];
    EXPECT_GE(first.history_seen, 1);
    EXPECT_GT(first.delta, first.timestamp - o.start_epoch);
    for (size_t k = 1; k < idx.size(); ++k) {
      const ParsedRow& prev = rows[idx[k - 1]];
      const ParsedRow& cur = rows[idx[k]];
      ASSERT_LT(prev.timestamp, cur.timestamp) << key.first << " " << key.second;
      EXPECT_EQ(cur.history_seen, prev.history_seen + prev.session_seen);
      EXPECT_EQ(cur.history_correct, prev.history_correct + prev.session_correct);
      EXPECT_EQ(cur.delta, cur.timestamp - prev.timestamp);
      EXPECT_EQ(cur.lexeme_string, prev.lexeme_string);
      EXPECT_EQ(cur.learning, prev.learning);
      ++repeated;
    }
  }
  EXPECT_GT(repeated, rows.size() / 10);  // reviews within the window are common
}

TEST(GenerateOutputTest, SessionsAreAdjacentAndNaturalKeysUnique) {
  auto g = GenerateToMemory(Small(30000));
  const auto rows = ParseClean(g.csv);
  std::set<std::tuple<std::string, int64_t, std::string>> keys;
  std::set<std::pair<std::string, int64_t>> closed_sessions;
  size_t sessions = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_TRUE(keys.emplace(rows[i].user, rows[i].timestamp, rows[i].lexeme_id).second);
    const bool continues =
        i > 0 && rows[i - 1].user == rows[i].user && rows[i - 1].timestamp == rows[i].timestamp;
    if (!continues) {
      if (i > 0) closed_sessions.emplace(rows[i - 1].user, rows[i - 1].timestamp);
      EXPECT_FALSE(closed_sessions.count({rows[i].user, rows[i].timestamp}))
          << "session split: " << rows[i].user << " " << rows[i].timestamp;
      ++sessions;
    }
  }
  const double mean_size = static_cast<double>(rows.size()) / sessions;
  EXPECT_GT(mean_size, 2.5);
  EXPECT_LT(mean_size, 12.0);
}

TEST(GenerateOutputTest, ByteIdenticalForAnyThreadCount) {
  GenerateOptions o = Small(70000, 1);
  o.dirty_rate = 0.03;
  const auto reference = GenerateToMemory(o);
  for (int threads : {2, 3, 8}) {
    o.threads = threads;
    const auto other = GenerateToMemory(o);
    EXPECT_TRUE(other.csv == reference.csv) << threads << " threads";
    EXPECT_EQ(other.defects, reference.defects) << threads << " threads";
  }
  o.seed = 8;
  EXPECT_FALSE(GenerateToMemory(o).csv == reference.csv);
}

TEST(GenerateOutputTest, OneStringAndOneLanguagePerLexemeId) {
  auto g = GenerateToMemory(Small(40000));
  absl::flat_hash_map<std::string, std::pair<std::string, std::string>> seen;
  for (const auto& r : ParseClean(g.csv)) {
    ASSERT_EQ(r.lexeme_id.size(), 32u);
    for (char c : r.lexeme_id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    auto [it, inserted] = seen.try_emplace(r.lexeme_id, r.lexeme_string, r.learning);
    if (!inserted) {
      EXPECT_EQ(it->second.first, r.lexeme_string);
      EXPECT_EQ(it->second.second, r.learning);
    }
  }
  EXPECT_EQ(seen.size(), g.result.lexemes_used);
}

TEST(GenerateOutputTest, TruthCountsPerPairMatchTheRows) {
  auto g = GenerateToMemory(Small(30000));
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> sums;
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  for (const auto& r : ParseClean(g.csv)) {
    sums[{r.learning, r.ui}].first += r.session_seen;
    sums[{r.learning, r.ui}].second += r.session_correct;
    ++counts[{r.learning, r.ui}];
  }
  for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
    const std::pair<std::string, std::string> key{kLanguagePairs[p].learning, kLanguagePairs[p].ui};
    EXPECT_EQ(g.result.pairs[p].rows, counts[key]);
    EXPECT_EQ(static_cast<int64_t>(g.result.pairs[p].session_seen), sums[key].first);
    EXPECT_EQ(static_cast<int64_t>(g.result.pairs[p].session_correct), sums[key].second);
  }
}

TEST(GenerateOutputTest, RejectsBadOptions) {
  GenerateOptions o;
  o.rows = 10;
  o.users = 11;
  EXPECT_EQ(ValidateOptions(o).kind(), ErrorKind::kUsage);
  o = GenerateOptions();
  o.dirty_rate = 0.9;
  EXPECT_EQ(ValidateOptions(o).kind(), ErrorKind::kUsage);
  o = GenerateOptions();
  o.threads = 0;
  EXPECT_EQ(ValidateOptions(o).kind(), ErrorKind::kUsage);
  o = GenerateOptions();
  o.days = 0;
  EXPECT_EQ(ValidateOptions(o).kind(), ErrorKind::kUsage);
  o = GenerateOptions();
  o.rows = 1000000;
  o.users = 10;
  EXPECT_EQ(ValidateOptions(o).kind(), ErrorKind::kUsage);
  EXPECT_TRUE(ValidateOptions(GenerateOptions()).ok());
}

}  // namespace
}  // namespace wv::generate
