#include "generate/generator.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "core/random.h"
#include "generate/vocabulary.h"

// GCC 12 reports false -Wrestrict errors on std::string assignment once
// inlined (GCC bug 105329); the code here only assigns string literals.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no -Wrestrict (fuzz builds)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace wv::generate {
namespace {

using traces::RejectReason;

constexpr uint64_t kUsersPerBlock = 256;
constexpr int kMaxSessionSeen = 10;
constexpr int64_t kSecondsPerDay = 86400;
// Streams of the counter-based randomness (see core/random.h).
constexpr uint64_t kStreamUserWeight = 1;
constexpr uint64_t kStreamDifficulty = 2;
constexpr uint64_t kStreamTokenKey = 3;
constexpr uint64_t kStreamPairOffset = 4;
constexpr uint64_t kStreamUserBase = uint64_t{1} << 40;
constexpr uint64_t kMaxUsers = uint64_t{1} << 30;
// Lexeme strings are short (Vocabulary keeps them under this), so a row
// always fits AppendRow's stack buffer.
constexpr size_t kMaxLexemeBytes = 128;  // user tokens are a bijection on 30 bits

// Share of the defect rows per quarantine reason (enum order).
constexpr std::array<double, static_cast<int>(RejectReason::kNumReasons)> kDefectMix = {
    0.14, 0.12, 0.12, 0.16, 0.10, 0.14, 0.22};
// Robustness cases (accepted rows), as a share of dirty_rate each.
constexpr double kRobustShare = 0.04;

constexpr std::string_view kTokenAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

// --users, or by default the real file's 110 rows per user (rounded, at
// least one).
uint64_t UserCount(const GenerateOptions& options) {
  return options.users > 0 ? options.users : std::max<uint64_t>(1, (options.rows + 55) / 110);
}

// A user's id token: a seeded Feistel permutation of the user number over the
// smallest even-bit domain that holds every user (so ids look random, stay
// short like the real `u:FO`, and never collide), in bijective base 64.
std::string UserToken(uint64_t seed, uint64_t user, uint64_t users) {
  int half_bits = 6;
  while ((uint64_t{1} << (2 * half_bits)) < users) ++half_bits;
  const uint32_t mask = (uint32_t{1} << half_bits) - 1;
  const uint64_t key = StreamHash(seed, kStreamTokenKey, 0);
  uint32_t left = static_cast<uint32_t>(user >> half_bits) & mask;
  uint32_t right = static_cast<uint32_t>(user) & mask;
  for (uint64_t round = 0; round < 4; ++round) {
    const uint32_t f = static_cast<uint32_t>(Mix64(key + round * 0x100000001ULL + right)) & mask;
    const uint32_t next = left ^ f;
    left = right;
    right = next;
  }
  uint64_t value = ((static_cast<uint64_t>(left) << half_bits) | right) + 1;
  char digits[8];
  int n = 0;
  while (value > 0) {
    const uint64_t d = (value - 1) % 64;
    digits[n++] = kTokenAlphabet[d];
    value = (value - 1) / 64;
  }
  std::string token = "u:";
  for (int i = n - 1; i >= 0; --i) token.push_back(digits[i]);
  return token;
}

// Activity weight of a user: log-normal, heavy-tailed like the real file's
// rows per user (a few very active students, many occasional ones).
double UserWeight(uint64_t seed, uint64_t user) {
  const double u1 = 1.0 - ToUnit(StreamHash(seed, kStreamUserWeight, 2 * user));
  const double u2 = ToUnit(StreamHash(seed, kStreamUserWeight, 2 * user + 1));
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  return std::exp(1.3 * std::min(z, 4.0));
}

// The pair of a user, stratified (a golden-ratio sequence over the shares) so
// small samples still have the real proportions.
int PairForUser(uint64_t seed, uint64_t user) {
  const double offset = ToUnit(StreamHash(seed, kStreamPairOffset, 0));
  double x = std::fmod(offset + static_cast<double>(user) * 0.6180339887498949, 1.0);
  for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
    if (x < kLanguagePairs[p].share) return static_cast<int>(p);
    x -= kLanguagePairs[p].share;
  }
  return 0;
}

Language LanguageOf(std::string_view code) {
  for (int l = 0; l < kNumLanguages; ++l) {
    if (kLanguageCodes[l] == code) return static_cast<Language>(l);
  }
  return kEn;
}

// Relative study activity at a UTC time, in [0.1, 1]: peak at 19:00.
double DailyActivity(int64_t t) {
  const int64_t second_of_day = ((t % kSecondsPerDay) + kSecondsPerDay) % kSecondsPerDay;
  const double hour = static_cast<double>(second_of_day) / 3600.0;
  return 0.55 + 0.45 * std::cos(6.283185307179586 * (hour - 19.0) / 24.0);
}

// Read-only state shared by all workers.
struct Model {
  const Vocabulary* vocabulary;
  std::array<std::vector<double>, kNumLanguages> zipf_cdf;
  std::vector<double> difficulty;  // per lexeme, in log2 days of half-life
  std::array<std::array<std::string, kMaxSessionSeen + 1>, kMaxSessionSeen + 1> p_recall_text;
  std::array<Language, kLanguagePairs.size()> pair_language;
  TrueTheta theta;
  GenerateOptions options;
  uint64_t users = 0;
  uint64_t budget_rows = 0;  // rows beyond the one every user gets
  double total_weight = 0;
  std::vector<double> block_weight_prefix;  // cumulative weight before each block
};

uint64_t BlockCount(const Model& model) {
  return (model.users + kUsersPerBlock - 1) / kUsersPerBlock;
}

struct Row {
  int64_t timestamp;
  int64_t delta;
  int64_t history_seen;
  int64_t history_correct;
  uint32_t lexeme;
  uint8_t seen;
  uint8_t correct;
  uint8_t pair;
};

// A block of users' output, handed from a worker to the writer.
struct BlockOutput {
  std::string text;
  uint64_t lines = 0;
  uint64_t users = 0;
  uint64_t clean = 0;
  std::vector<std::pair<uint32_t, RejectReason>> defects;  // (line within block, reason)
  std::vector<uint32_t> crlf;
  std::vector<uint32_t> quoted;
  std::array<PairTotals, kLanguagePairs.size()> pairs{};
  double p_recall_sum = 0;
  std::vector<uint64_t> lexeme_bits;

  void Reset(size_t vocabulary_size) {
    text.clear();
    lines = users = clean = 0;
    defects.clear();
    crlf.clear();
    quoted.clear();
    pairs = {};
    p_recall_sum = 0;
    lexeme_bits.assign((vocabulary_size + 63) / 64, 0);
  }
};

struct WordState {
  int64_t history_seen;
  int64_t history_correct;
  int64_t last_view;
};

// How a clean row is written (see BlockGenerator::DrawRowStyle).
struct RowStyle {
  bool crlf = false;
  bool quoted = false;
};

// (Not std::string::insert(0, ...): GCC 12 warns falsely (-Wrestrict) on it.)
void Prefix(std::string_view prefix, std::string& field) {
  std::string joined;
  joined.reserve(prefix.size() + field.size());
  joined.append(prefix);
  joined.append(field);
  field.swap(joined);
}

// ---- Defect rows --------------------------------------------------------
// A defect row is a clean row's fields with one rule broken (BreakOneRule);
// the Break* functions each break one rule of the validator, in a way that
// every rule before it in the precedence still passes.

RejectReason PickDefectReason(Rng& rng) {
  const double pick = rng.Unit();
  double acc = 0;
  for (int r = 0; r < static_cast<int>(RejectReason::kNumReasons); ++r) {
    acc += kDefectMix[r];
    if (pick < acc) return static_cast<RejectReason>(r);
  }
  return static_cast<RejectReason>(static_cast<int>(RejectReason::kNumReasons) - 1);
}

// A row's fields (the text holds no quotes or line end: a plain row).
std::vector<std::string> SplitAtCommas(std::string_view row_text) {
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    const size_t comma = row_text.find(',', start);
    fields.emplace_back(row_text.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

void AppendJoined(const std::vector<std::string>& fields, std::string& text) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) text.push_back(',');
    text.append(fields[i]);
  }
  text.push_back('\n');
}

// A wrong field count, invalid UTF-8 or broken quoting.
void BreakRowShape(Rng& rng, std::vector<std::string>& fields) {
  switch (rng.Below(4)) {
    case 0:
      fields.pop_back();  // 11 fields
      break;
    case 1:
      fields.push_back(fields.back());  // 13 fields
      break;
    case 2:
      Prefix("\xff", fields[traces::kLexemeString]);  // invalid UTF-8
      break;
    default: {
      // Broken quoting that stays within its line: a quote never opens a
      // quoted field mid-field, so a row cannot swallow the lines after it.
      std::string& text = fields[traces::kLexemeString];
      if (rng.Bernoulli(0.5)) {
        text.insert(text.begin() + 1, '"');  // a stray quote inside a bare field
      } else {
        Prefix("\"", text);
        text += "\"x";  // text after the closing quote
      }
      break;
    }
  }
}

// A numeric field that does not parse as its type.
void BreakNumber(Rng& rng, std::vector<std::string>& fields) {
  static constexpr std::array<int, 7> kNumeric = {
      traces::kPRecall,        traces::kTimestamp,   traces::kDelta,         traces::kHistorySeen,
      traces::kHistoryCorrect, traces::kSessionSeen, traces::kSessionCorrect};
  static constexpr std::array<const char*, 8> kBadDecimals = {"1.0.0", "abc", "0.5x", "nan",
                                                              "inf",   ".",   "1e",   "0..5"};
  static constexpr std::array<const char*, 7> kBadIntegers = {
      "12x", "x7", "1.5", "3e2", "99999999999999999999", "+-3", "1 2"};
  const int column = kNumeric[rng.Below(kNumeric.size())];
  fields[column] = column == traces::kPRecall ? kBadDecimals[rng.Below(kBadDecimals.size())]
                                              : kBadIntegers[rng.Below(kBadIntegers.size())];
}

// Numbers that parse but break a range or consistency rule.
void BreakRange(Rng& rng, const Row& base, std::vector<std::string>& fields) {
  switch (rng.Below(8)) {
    case 0:
      fields[traces::kPRecall] = "1.5";
      break;
    case 1:
      fields[traces::kPRecall] = "-0.25";
      break;
    case 2:
      fields[traces::kDelta] = fmt::format("-{}", std::max<int64_t>(base.delta, 5));
      break;
    case 3:
      fields[traces::kSessionSeen] = "0";
      fields[traces::kSessionCorrect] = "0";
      break;
    case 4:
      fields[traces::kSessionCorrect] = fmt::format("{}", base.seen + 1);
      break;
    case 5:
      fields[traces::kHistorySeen] = "-3";
      fields[traces::kHistoryCorrect] = "0";
      break;
    case 6:
      fields[traces::kHistoryCorrect] = fmt::format("{}", base.history_seen + 2);
      break;
    default:
      fields[traces::kTimestamp] = rng.Bernoulli(0.5) ? "4102444800" : "946684799";
      break;
  }
}

// A language code that is not in the reference list.
void BreakLanguage(Rng& rng, std::vector<std::string>& fields) {
  static constexpr std::array<const char*, 5> kUnknown = {"xx", "zz", "qq", "jp", "eng"};
  // (C++17 evaluates the right side of `=` first: the code is drawn before
  // the column, an order the seeds' outputs depend on.)
  fields[rng.Bernoulli(0.5) ? traces::kLearningLanguage : traces::kUiLanguage] =
      kUnknown[rng.Below(kUnknown.size())];
}

// A malformed lexeme id (case, length, a non-hex digit) or lexeme string (no
// surface/lemma separator, no tag).
void BreakLexeme(Rng& rng, std::vector<std::string>& fields) {
  std::string& id = fields[traces::kLexemeId];
  std::string& text = fields[traces::kLexemeString];
  switch (rng.Below(6)) {
    case 0:
      if (std::any_of(id.begin(), id.end(), [](char c) { return c >= 'a' && c <= 'f'; })) {
        for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else {
        id[0] = 'g';
      }
      break;
    case 1:
      id.pop_back();  // 31 digits
      break;
    case 2:
      id[0] = 'g';
      break;
    case 3:
      id.push_back('0');  // 33 digits
      break;
    case 4:
      text.erase(text.find('/'), 1);  // no surface/lemma separator
      break;
    default:
      text.erase(text.find('<', text.find('/')));  // no tag
      break;
  }
}

// Breaks the rule `reason` stands for in the fields of `base`.
// REQUIRES: reason is not kDuplicate (a duplicate is the row unchanged)
void BreakOneRule(RejectReason reason, const Row& base, Rng& rng,
                  std::vector<std::string>& fields) {
  switch (reason) {
    case RejectReason::kMalformed:
      BreakRowShape(rng, fields);
      break;
    case RejectReason::kMissingValue:
      fields[rng.Below(traces::kNumTraceColumns)].clear();
      break;
    case RejectReason::kBadNumber:
      BreakNumber(rng, fields);
      break;
    case RejectReason::kOutOfRange:
      BreakRange(rng, base, fields);
      break;
    case RejectReason::kUnknownLanguage:
      BreakLanguage(rng, fields);
      break;
    case RejectReason::kBadLexeme:
      BreakLexeme(rng, fields);
      break;
    default:
      break;
  }
}

// Generates the rows of a block of users. Its output depends only on the
// model and the block number (all per-user state is reset per user), so any
// generator may take any block. Keeps its scratch memory from user to user so
// the hot path does not allocate. Not thread-safe: one worker at a time uses
// it (GenerateBlocksInOrder hands generators out through a FreeList).
class BlockGenerator {
 public:
  explicit BlockGenerator(const Model& model) : model_(model) {}

  // Replaces `out` with the rows of users [block * kUsersPerBlock, ...).
  void Generate(uint64_t block, BlockOutput& out) {
    out.Reset(model_.vocabulary->lexemes().size());
    const uint64_t first = block * kUsersPerBlock;
    const uint64_t last = std::min(model_.users, first + kUsersPerBlock);
    double cumulative = model_.block_weight_prefix[block];
    const double scale = static_cast<double>(model_.budget_rows) / model_.total_weight;
    for (uint64_t user = first; user < last; ++user) {
      // Cumulative rounding makes the budgets sum to exactly the row count.
      const uint64_t before = static_cast<uint64_t>(std::floor(cumulative * scale));
      cumulative += UserWeight(model_.options.seed, user);
      const uint64_t after = user + 1 == model_.users
                                 ? model_.budget_rows
                                 : static_cast<uint64_t>(std::floor(cumulative * scale));
      GenerateUser(user, 1 + (after - before), out);
      ++out.users;
    }
  }

 private:
  // One user's `budget` rows, in sessions at increasing times.
  void GenerateUser(uint64_t user, uint64_t budget, BlockOutput& out) {
    Rng rng(model_.options.seed, kStreamUserBase + user);
    token_ = UserToken(model_.options.seed, user, model_.users);
    const std::array<int, 2> courses = PickCourses(rng, user);
    DrawSessionSizes(rng, budget);
    DrawSessionTimes(rng);
    ResetWordHistory();
    uint64_t slots = budget;
    for (size_t s = 0; s < sizes_.size() && slots > 0; ++s) {
      EmitSession(rng, courses, times_[s], sizes_[s], slots, out);
    }
  }

  // The user's courses (indices into kLanguagePairs): one, sometimes a second
  // one for English speakers; -1 for none.
  std::array<int, 2> PickCourses(Rng& rng, uint64_t user) const {
    std::array<int, 2> courses = {PairForUser(model_.options.seed, user), -1};
    if (std::string_view(kLanguagePairs[courses[0]].ui) == "en" && rng.Bernoulli(0.06)) {
      for (int tries = 0; tries < 8 && courses[1] < 0; ++tries) {
        const int p = static_cast<int>(rng.Below(kLanguagePairs.size()));
        if (p != courses[0] && std::string_view(kLanguagePairs[p].ui) == "en") courses[1] = p;
      }
    }
    return courses;
  }

  // Session sizes into sizes_: short, roughly exponential (1..25 words), and
  // summing to exactly `budget`.
  void DrawSessionSizes(Rng& rng, uint64_t budget) {
    sizes_.clear();
    for (uint64_t remaining = budget; remaining > 0;) {
      uint64_t size = 1 + static_cast<uint64_t>(std::min(24.0, -std::log(1.0 - rng.Unit()) * 5.0));
      size = std::min(size, remaining);
      sizes_.push_back(static_cast<uint32_t>(size));
      remaining -= size;
    }
  }

  // One time per session into times_: sorted, strictly increasing, inside the
  // user's active span (so (user, timestamp, lexeme) is unique).
  // REQUIRES: !sizes_.empty()
  void DrawSessionTimes(Rng& rng) {
    const GenerateOptions& opt = model_.options;
    const int64_t n = static_cast<int64_t>(sizes_.size());
    const int64_t window = static_cast<int64_t>(opt.days) * kSecondsPerDay;
    int64_t span = static_cast<int64_t>(static_cast<double>(window) * (0.15 + 0.85 * rng.Unit()));
    span = std::max(span, std::min(window, n * 600));
    span = std::max(span, n);
    const int64_t begin = opt.start_epoch + static_cast<int64_t>(rng.Below(window - span + 1));
    times_.resize(n);
    for (auto& t : times_) {
      // Study times follow a daily rhythm (UTC): busiest around 19:00, quiet at dawn.
      do {
        t = begin + static_cast<int64_t>(rng.Below(span));
      } while (!rng.Bernoulli(DailyActivity(t)));
    }
    std::sort(times_.begin(), times_.end());
    for (int64_t j = 1; j < n; ++j) times_[j] = std::max(times_[j], times_[j - 1] + 1);
    times_[n - 1] = std::min(times_[n - 1], begin + span - 1);
    for (int64_t j = n - 2; j >= 0; --j) times_[j] = std::min(times_[j], times_[j + 1] - 1);
  }

  // A new user: no word seen yet, nothing to review or copy into a defect.
  void ResetWordHistory() {
    words_.clear();
    reviewed_[0].clear();
    reviewed_[1].clear();
    review_cursor_ = {0, 0};
    recent_count_ = 0;
  }

  // A session of `size` words at time `t`, one clean row each while `slots`
  // last, some preceded by a defect row (which takes a slot too).
  void EmitSession(Rng& rng, const std::array<int, 2>& courses, int64_t t, uint32_t size,
                   uint64_t& slots, BlockOutput& out) {
    const GenerateOptions& opt = model_.options;
    const int course = courses[1] >= 0 && rng.Bernoulli(0.3) ? 1 : 0;
    const int pair = courses[course];
    const Language language = model_.pair_language[pair];
    // Words met for the first time in this session were last practised
    // together, so they share one lag (as in the real file's first rows).
    session_before_ = rng.LogUniform(300.0, 400.0 * kSecondsPerDay);
    session_.clear();
    for (uint32_t k = 0; k < size; ++k) session_.push_back(PickWord(rng, language, course));
    for (uint32_t lexeme : session_) {
      if (slots == 0) break;
      if (opt.dirty_rate > 0 && recent_count_ > 0 && slots > 1 && rng.Bernoulli(opt.dirty_rate)) {
        EmitDefect(rng, out);
        --slots;
      }
      EmitClean(rng, pair, course, lexeme, t, out);
      --slots;
    }
  }

  // A word for a session: often one this user already met in the window (a
  // review), otherwise a Zipf draw from the language; never twice a session.
  uint32_t PickWord(Rng& rng, Language language, int course) {
    const auto& order = model_.vocabulary->ByFrequency(language);
    const auto& cdf = model_.zipf_cdf[language];
    auto& reviewed = reviewed_[course];
    for (int tries = 0; tries < 16; ++tries) {
      uint32_t lexeme;
      if (!reviewed.empty() && rng.Bernoulli(0.45)) {
        // Reviews come in runs of words first met together (shared lags).
        size_t& cursor = review_cursor_[course];
        cursor = cursor + 1 < reviewed.size() && rng.Bernoulli(0.7) ? cursor + 1
                                                                    : rng.Below(reviewed.size());
        lexeme = reviewed[cursor];
      } else {
        const double x = rng.Unit() * cdf.back();
        const size_t rank = std::upper_bound(cdf.begin(), cdf.end(), x) - cdf.begin();
        lexeme = order[std::min(rank, order.size() - 1)];
      }
      if (std::find(session_.begin(), session_.end(), lexeme) == session_.end()) return lexeme;
    }
    for (uint32_t lexeme : order) {  // a crowded session: first unused word
      if (std::find(session_.begin(), session_.end(), lexeme) == session_.end()) return lexeme;
    }
    return order.front();  // unreachable: sessions are far smaller than a vocabulary
  }

  // A row the pipeline must accept: the user reviews `lexeme` at time `t`.
  void EmitClean(Rng& rng, int pair, int course, uint32_t lexeme, int64_t t, BlockOutput& out) {
    WordState& state = WordStateFor(rng, lexeme, course);
    const Row row = Review(rng, state, pair, lexeme, t);
    const RowStyle style = DrawRowStyle(rng);
    RecordClean(row, style, out);
  }

  // The user's history with `lexeme`. On its first view in the window it gets
  // a history and a last view from before the window.
  WordState& WordStateFor(Rng& rng, uint32_t lexeme, int course) {
    auto [it, inserted] = words_.try_emplace(lexeme);
    WordState& state = it->second;
    if (inserted) {
      const double z = rng.Normal();
      state.history_seen = 1 + static_cast<int64_t>(std::min(9999.0, std::exp(1.0 + 1.3 * z)));
      const double accuracy = 1.0 - 0.35 * rng.Unit() * rng.Unit();
      state.history_correct = std::min<int64_t>(
          state.history_seen,
          static_cast<int64_t>(static_cast<double>(state.history_seen) * accuracy + rng.Unit()));
      state.last_view = model_.options.start_epoch - static_cast<int64_t>(session_before_);
      reviewed_[course].push_back(lexeme);
    }
    return state;
  }

  // One review under the true model: how often the word is asked (seen) and
  // answered right (correct, binomial with the model's recall probability).
  // Adds the review to `state`.
  Row Review(Rng& rng, WordState& state, int pair, uint32_t lexeme, int64_t t) const {
    Row row;
    row.timestamp = t;
    row.delta = t - state.last_view;
    row.history_seen = state.history_seen;
    row.history_correct = state.history_correct;
    row.lexeme = lexeme;
    row.pair = static_cast<uint8_t>(pair);
    const double u = rng.Unit();
    row.seen = u < 0.55   ? 1
               : u < 0.80 ? 2
               : u < 0.92 ? 3
               : u < 0.97 ? 4
                          : static_cast<uint8_t>(5 + rng.Below(kMaxSessionSeen - 4));
    const TrueTheta& th = model_.theta;
    const double log2_half_life =
        th.right * std::sqrt(1.0 + static_cast<double>(row.history_correct)) +
        th.wrong * std::sqrt(1.0 + static_cast<double>(row.history_seen - row.history_correct)) +
        th.bias + model_.difficulty[lexeme];
    const double lag_days = static_cast<double>(row.delta) / kSecondsPerDay;
    const double p = std::exp2(-lag_days / std::exp2(log2_half_life));
    row.correct = static_cast<uint8_t>(rng.Binomial(row.seen, p));
    state.history_seen += row.seen;
    state.history_correct += row.correct;
    state.last_view = t;
    return row;
  }

  // Robustness cases that the pipeline must accept as ordinary rows: a CRLF
  // line end, or quotes around the text fields. Only in dirty output.
  RowStyle DrawRowStyle(Rng& rng) const {
    RowStyle style;
    const double dirty_rate = model_.options.dirty_rate;
    if (dirty_rate > 0) {
      const double r = rng.Unit();
      style.crlf = r < dirty_rate * kRobustShare;
      style.quoted = !style.crlf && r < 2 * dirty_rate * kRobustShare;
    }
    return style;
  }

  // Writes a clean row to the block and counts it.
  void RecordClean(const Row& row, RowStyle style, BlockOutput& out) {
    const uint32_t line = static_cast<uint32_t>(out.lines);
    if (style.crlf) out.crlf.push_back(line);
    if (style.quoted) out.quoted.push_back(line);
    AppendRow(row, style.quoted, style.crlf ? "\r\n" : "\n", out.text);
    ++out.lines;
    ++out.clean;
    PairTotals& totals = out.pairs[row.pair];
    ++totals.rows;
    totals.session_seen += row.seen;
    totals.session_correct += row.correct;
    const double p_recall = static_cast<double>(row.correct) / row.seen;
    totals.p_recall_sum += p_recall;
    out.p_recall_sum += p_recall;
    out.lexeme_bits[row.lexeme / 64] |= uint64_t{1} << (row.lexeme % 64);
    // Defects are made from plain rows only, so a duplicate is a byte-exact
    // copy of its original line.
    if (!style.crlf && !style.quoted) {
      recent_[recent_count_ % recent_.size()] = row;
      ++recent_count_;
    }
  }

  // Formats one row into a stack buffer and appends it in one go (the hot
  // path: one capacity check and one copy per row).
  void AppendRow(const Row& row, bool quoted, std::string_view line_end, std::string& text) {
    const Lexeme& lex = model_.vocabulary->lexemes()[row.lexeme];
    const LanguagePair& pair = kLanguagePairs[row.pair];
    char line[kMaxLexemeBytes + 256];
    char* p = line;
    auto put = [&p](std::string_view s) {
      std::memcpy(p, s.data(), s.size());
      p += s.size();
    };
    auto put_int = [&p](int64_t v) { p = std::to_chars(p, p + 24, v).ptr; };
    put(model_.p_recall_text[row.seen][row.correct]);
    *p++ = ',';
    put_int(row.timestamp);
    *p++ = ',';
    put_int(row.delta);
    *p++ = ',';
    if (quoted) *p++ = '"';
    put(token_);
    if (quoted) *p++ = '"';
    *p++ = ',';
    put(pair.learning);
    *p++ = ',';
    put(pair.ui);
    *p++ = ',';
    put(lex.id);
    *p++ = ',';
    if (quoted) *p++ = '"';
    put(lex.text);
    if (quoted) *p++ = '"';
    *p++ = ',';
    put_int(row.history_seen);
    *p++ = ',';
    put_int(row.history_correct);
    *p++ = ',';
    put_int(row.seen);
    *p++ = ',';
    put_int(row.correct);
    put(line_end);
    text.append(line, static_cast<size_t>(p - line));
  }

  // A row rejected for exactly one reason under the pipeline's precedence
  // (issue 4): every earlier rule passes. Built from one of this user's recent
  // clean rows, so everything not broken on purpose is realistic.
  // REQUIRES: recent_count_ > 0
  void EmitDefect(Rng& rng, BlockOutput& out) {
    const RejectReason reason = PickDefectReason(rng);
    const Row& base = DefectBase(rng, reason);
    out.defects.emplace_back(static_cast<uint32_t>(out.lines), reason);
    ++out.lines;
    if (reason == RejectReason::kDuplicate) {  // an exact copy of an accepted row
      AppendRow(base, false, "\n", out.text);
      return;
    }
    std::string row_text;
    AppendRow(base, false, "", row_text);
    std::vector<std::string> fields = SplitAtCommas(row_text);
    BreakOneRule(reason, base, rng, fields);
    AppendJoined(fields, out.text);
  }

  // The clean row a defect is made from: a duplicate copies any of the last
  // few (so it is not always adjacent to its original), the others alter the
  // latest one.
  const Row& DefectBase(Rng& rng, RejectReason reason) {
    const size_t available = std::min<size_t>(recent_count_, recent_.size());
    return reason == RejectReason::kDuplicate
               ? recent_[(recent_count_ - 1 - rng.Below(available)) % recent_.size()]
               : recent_[(recent_count_ - 1) % recent_.size()];
  }

  const Model& model_;
  std::string token_;
  std::vector<uint32_t> sizes_;
  std::vector<int64_t> times_;
  std::vector<uint32_t> session_;
  std::array<std::vector<uint32_t>, 2> reviewed_;  // per course, in first-view order
  std::array<size_t, 2> review_cursor_{};
  double session_before_ = 0;
  absl::flat_hash_map<uint32_t, WordState> words_;
  std::array<Row, 8> recent_{};
  uint64_t recent_count_ = 0;
};

std::unique_ptr<Model> BuildModel(const GenerateOptions& options) {
  auto model = std::make_unique<Model>();
  model->options = options;
  model->vocabulary = &Vocabulary::Builtin();
  const auto& lexemes = model->vocabulary->lexemes();
  for (int l = 0; l < kNumLanguages; ++l) {
    const auto& order = model->vocabulary->ByFrequency(static_cast<Language>(l));
    auto& cdf = model->zipf_cdf[l];
    double total = 0;
    for (size_t rank = 0; rank < order.size(); ++rank) {
      total += 1.0 / std::pow(static_cast<double>(rank) + 8.0, 1.05);
      cdf.push_back(total);
    }
  }
  model->difficulty.resize(lexemes.size());
  for (size_t i = 0; i < lexemes.size(); ++i) {
    Rng rng(options.seed, kStreamDifficulty * (uint64_t{1} << 32) + i);
    model->difficulty[i] = model->theta.difficulty_sd * rng.Normal();
  }
  for (int seen = 1; seen <= kMaxSessionSeen; ++seen) {
    for (int correct = 0; correct <= seen; ++correct) {
      model->p_recall_text[seen][correct] = FormatPRecall(static_cast<double>(correct) / seen);
    }
  }
  for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
    model->pair_language[p] = LanguageOf(kLanguagePairs[p].learning);
  }
  model->users = options.rows == 0 ? 0 : UserCount(options);
  model->budget_rows = options.rows - model->users;
  const uint64_t blocks = BlockCount(*model);
  double total = 0;
  for (uint64_t b = 0; b < blocks; ++b) {
    model->block_weight_prefix.push_back(total);
    const uint64_t last = std::min(model->users, (b + 1) * kUsersPerBlock);
    for (uint64_t u = b * kUsersPerBlock; u < last; ++u) total += UserWeight(options.seed, u);
  }
  model->total_weight = total > 0 ? total : 1.0;
  return model;
}

// ---- The block pipeline ------------------------------------------------

// Objects worth reusing from block to block (generator scratch, output
// buffers), handed between the workers and the writer. Thread-safe.
template <typename T>
class FreeList {
 public:
  // A returned object, or make() when there is none.
  template <typename Make>
  std::unique_ptr<T> Take(Make make) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      MutexLock lock(&mu_);
      if (!items_.empty()) {
        std::unique_ptr<T> item = std::move(items_.back());
        items_.pop_back();
        return item;
      }
    }
    return make();
  }

  void Give(std::unique_ptr<T> item) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    items_.push_back(std::move(item));
  }

 private:
  Mutex mu_;
  std::vector<std::unique_ptr<T>> items_ ABSL_GUARDED_BY(mu_);
};

// A block scheduled on the pool. The worker sets `output`, then notifies
// `ready`; the writer reads `output` only after WaitForNotification(), which
// orders the two (so it needs no lock).
struct PendingBlock {
  std::unique_ptr<BlockOutput> output;  // null when the run stopped first
  Status status;                        // the worker's error (out of memory)
  Notification ready;
};

// Generates every block of `model` on a wv::ThreadPool and hands them to
// `consume` on the calling thread, in block order. The calling thread keeps
// its own queue of scheduled blocks, oldest first, because the output must be
// written in block order while blocks finish in any order; it schedules a
// block only when fewer than `window` are waiting, so memory holds a few
// blocks whatever the row count. Stops at the first error `consume` returns
// (blocks already scheduled are skipped, not generated) and returns it.
Status GenerateBlocksInOrder(const Model& model, int threads,
                             absl::FunctionRef<Status(const BlockOutput&)> consume) {
  const uint64_t blocks = BlockCount(model);
  const size_t window = static_cast<size_t>(threads) * 2 + 2;
  FreeList<BlockGenerator> generators;
  FreeList<BlockOutput> outputs;
  std::atomic<bool> stopped{false};
  std::deque<std::shared_ptr<PendingBlock>> waiting;  // this thread only
  auto generate = [&](uint64_t block, PendingBlock& pending) {
    // A pool task must not throw (std::terminate): the exception becomes the
    // block's status, which the writing thread returns in block order.
    try {
      if (!stopped.load(std::memory_order_relaxed)) {
        std::unique_ptr<BlockGenerator> generator =
            generators.Take([&] { return std::make_unique<BlockGenerator>(model); });
        pending.output = outputs.Take([] { return std::make_unique<BlockOutput>(); });
        generator->Generate(block, *pending.output);
        generators.Give(std::move(generator));
      }
    } catch (...) {
      pending.status = StatusFromCurrentException("generating traces");
    }
    pending.ready.Notify();
  };
  // Declared last: destroyed (its tasks finished, its threads joined) before
  // everything the tasks use.
  ThreadPool pool(static_cast<int>(std::min<uint64_t>(threads, std::max<uint64_t>(blocks, 1))));
  uint64_t next_block = 0;
  auto schedule_up_to_window = [&] {
    for (; next_block < blocks && waiting.size() < window; ++next_block) {
      auto pending = std::make_shared<PendingBlock>();
      waiting.push_back(pending);
      pool.Schedule([&generate, block = next_block, pending] { generate(block, *pending); });
    }
  };
  schedule_up_to_window();
  while (!waiting.empty()) {
    const std::shared_ptr<PendingBlock> pending = std::move(waiting.front());
    waiting.pop_front();
    pending->ready.WaitForNotification();
    if (!pending->status.ok()) {
      stopped.store(true, std::memory_order_relaxed);
      return pending->status;
    }
    const Status status = consume(*pending->output);
    outputs.Give(std::move(pending->output));
    if (!status.ok()) {
      stopped.store(true, std::memory_order_relaxed);
      return status;
    }
    schedule_up_to_window();
  }
  return OkStatus();
}

// Writes blocks to the sinks in order and adds them up into the
// GenerateResult: line numbers of the block's defects and robustness rows
// become file line numbers here. Used by the writing thread only.
class BlockWriter {
 public:
  BlockWriter(const Model& model, io::ByteSink& out, io::ByteSink* defects_out,
              const ProgressFn& progress)
      : model_(model), out_(out), defects_out_(defects_out), progress_(progress) {
    result_.theta = model.theta;
    result_.vocabulary_size = model.vocabulary->lexemes().size();
    lexemes_used_.assign((result_.vocabulary_size + 63) / 64, 0);
  }

  // The CSV header, and the defect list's header when there is a list.
  Status WriteHeaders() {
    const std::string header = std::string(traces::kTraceHeader) + "\n";
    WV_RETURN_IF_ERROR(out_.Append(header));
    result_.bytes = header.size();
    if (defects_out_ != nullptr) WV_RETURN_IF_ERROR(defects_out_->Append(kDefectsHeader));
    return OkStatus();
  }

  // The next block, in order.
  Status Write(const BlockOutput& block) {
    WV_RETURN_IF_ERROR(out_.Append(block.text));
    WV_RETURN_IF_ERROR(WriteDefects(block));
    for (uint32_t relative : block.crlf) result_.crlf_lines.push_back(line_ + 1 + relative);
    for (uint32_t relative : block.quoted) result_.quoted_lines.push_back(line_ + 1 + relative);
    line_ += block.lines;
    AddTotals(block);
    if (progress_) progress_(result_.rows_total, result_.bytes);
    return OkStatus();
  }

  // The result, once every block is written.
  // Errors: InternalError when the blocks held other than options.rows rows.
  StatusOr<GenerateResult> Finish() {
    result_.crlf_rows = result_.crlf_lines.size();
    result_.quoted_rows = result_.quoted_lines.size();
    for (uint64_t w : lexemes_used_) {
      result_.lexemes_used += static_cast<uint64_t>(__builtin_popcountll(w));
    }
    if (result_.rows_total != model_.options.rows) {
      return InternalError(fmt::format("generate: wrote {} rows, expected {}", result_.rows_total,
                                       model_.options.rows));
    }
    return std::move(result_);
  }

 private:
  // Counts the block's defects and lists them ("line,reason") when asked to.
  Status WriteDefects(const BlockOutput& block) {
    defect_lines_.clear();
    for (const auto& [relative, reason] : block.defects) {
      ++result_.defects[static_cast<int>(reason)];
      if (defects_out_ != nullptr) {
        defect_lines_ += fmt::format("{},{}\n", line_ + 1 + relative, RejectReasonName(reason));
      }
    }
    if (defects_out_ == nullptr || defect_lines_.empty()) return OkStatus();
    return defects_out_->Append(defect_lines_);
  }

  void AddTotals(const BlockOutput& block) {
    result_.rows_total += block.lines;
    result_.rows_clean += block.clean;
    result_.users += block.users;
    result_.bytes += block.text.size();
    result_.p_recall_sum += block.p_recall_sum;
    for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
      result_.pairs[p].rows += block.pairs[p].rows;
      result_.pairs[p].session_seen += block.pairs[p].session_seen;
      result_.pairs[p].session_correct += block.pairs[p].session_correct;
      result_.pairs[p].p_recall_sum += block.pairs[p].p_recall_sum;
    }
    for (size_t w = 0; w < lexemes_used_.size(); ++w) lexemes_used_[w] |= block.lexeme_bits[w];
  }

  const Model& model_;
  io::ByteSink& out_;
  io::ByteSink* const defects_out_;
  const ProgressFn& progress_;
  GenerateResult result_;
  uint64_t line_ = 1;  // the last line written: the header
  std::vector<uint64_t> lexemes_used_;
  std::string defect_lines_;  // scratch, reused from block to block
};

}  // namespace

std::string FormatPRecall(double value) {
  std::string text = fmt::format("{:.12g}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

Status ValidateOptions(const GenerateOptions& options) {
  if (options.days < 1 || options.days > 36500) {
    return UsageError(fmt::format("--days must be between 1 and 36500, got {}", options.days));
  }
  if (!(options.dirty_rate >= 0.0 && options.dirty_rate <= 0.5)) {
    return UsageError(
        fmt::format("--dirty-rate must be between 0 and 0.5, got {}", options.dirty_rate));
  }
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return UsageError(
        fmt::format("--threads must be between 1 and {}, got {}", kMaxThreads, options.threads));
  }
  const int64_t end = options.start_epoch + int64_t{options.days} * kSecondsPerDay;
  if (options.start_epoch < traces::kMinTimestamp || end > traces::kMaxTimestampExclusive) {
    return UsageError("--start/--days must stay within 2000-01-01 .. 2100-01-01");
  }
  if (options.users > kMaxUsers) {
    return UsageError(fmt::format("--users must be at most {}", kMaxUsers));
  }
  const uint64_t users = UserCount(options);
  if (options.rows > 0 && users > options.rows) {
    return UsageError(fmt::format("--users ({}) must not exceed --rows ({}): every user has a row",
                                  users, options.rows));
  }
  if (options.rows > 2000 * users) {
    return UsageError(
        fmt::format("--rows {} for {} users is more than 2000 rows per user; raise --users",
                    options.rows, users));
  }
  if (options.rows > (uint64_t{1} << 40)) return UsageError("--rows is too large");
  return OkStatus();
}

StatusOr<GenerateResult> Generate(const GenerateOptions& options, io::ByteSink& out,
                                  io::ByteSink* defects_out, const ProgressFn& progress) {
  WV_RETURN_IF_ERROR(ValidateOptions(options));
  const std::unique_ptr<Model> model = BuildModel(options);
  BlockWriter writer(*model, out, defects_out, progress);
  WV_RETURN_IF_ERROR(writer.WriteHeaders());
  WV_RETURN_IF_ERROR(GenerateBlocksInOrder(
      *model, options.threads, [&](const BlockOutput& block) { return writer.Write(block); }));
  return writer.Finish();
}

}  // namespace wv::generate
