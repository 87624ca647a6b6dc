#include "generate/sessions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

#include "core/parallel.h"
#include "generate/defects.h"

namespace wv::generate {

using traces::RejectReason;

namespace {

constexpr uint64_t kUsersPerBlock = 256;
// Streams of the counter-based randomness (see core/random.h).
constexpr uint64_t kStreamUserWeight = 1;
constexpr uint64_t kStreamDifficulty = 2;
constexpr uint64_t kStreamTokenKey = 3;
constexpr uint64_t kStreamPairOffset = 4;
constexpr uint64_t kStreamUserBase = uint64_t{1} << 40;
// Lexeme strings are short (Vocabulary keeps them under this), so a row
// always fits AppendRow's stack buffer.
constexpr size_t kMaxLexemeBytes = 128;
// Robustness cases (accepted rows), as a share of dirty_rate each.
constexpr double kRobustShare = 0.04;

constexpr std::string_view kTokenAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

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

uint64_t BlockCount(uint64_t users) { return (users + kUsersPerBlock - 1) / kUsersPerBlock; }

// The user's courses (indices into kLanguagePairs): one, sometimes a second
// one for English speakers; -1 for none.
std::array<int, 2> PickCourses(Rng& rng, uint64_t seed, uint64_t user) {
  std::array<int, 2> courses = {PairForUser(seed, user), -1};
  if (std::string_view(kLanguagePairs[courses[0]].ui) == "en" && rng.Bernoulli(0.06)) {
    for (int tries = 0; tries < 8 && courses[1] < 0; ++tries) {
      const int p = static_cast<int>(rng.Below(kLanguagePairs.size()));
      if (p != courses[0] && std::string_view(kLanguagePairs[p].ui) == "en") courses[1] = p;
    }
  }
  return courses;
}

// Session sizes: short, roughly exponential (1..25 words), and summing to
// exactly `budget`.
std::vector<uint32_t> DrawSessionSizes(Rng& rng, uint64_t budget) {
  std::vector<uint32_t> sizes;
  for (uint64_t remaining = budget; remaining > 0;) {
    uint64_t size = 1 + static_cast<uint64_t>(std::min(24.0, -std::log(1.0 - rng.Unit()) * 5.0));
    size = std::min(size, remaining);
    sizes.push_back(static_cast<uint32_t>(size));
    remaining -= size;
  }
  return sizes;
}

// One time per session: sorted, strictly increasing, inside the user's
// active span (so (user, timestamp, lexeme) is unique). Sessions come in
// sittings: a sitting starts at a random time of the span (busiest around
// 19:00 UTC, quiet at dawn) and its sessions follow one another a few
// minutes apart.
// REQUIRES: n > 0
std::vector<int64_t> DrawSessionTimes(Rng& rng, const GenerateOptions& opt, const TrueTheta& th,
                                      int64_t n) {
  const int64_t window = static_cast<int64_t>(opt.days) * kSecondsPerDay;
  int64_t span = static_cast<int64_t>(static_cast<double>(window) * (0.15 + 0.85 * rng.Unit()));
  span = std::max(span, std::min(window, n * 600));
  span = std::max(span, n);
  const int64_t begin = opt.start_epoch + static_cast<int64_t>(rng.Below(window - span + 1));
  std::vector<int64_t> times;
  times.reserve(n);
  while (static_cast<int64_t>(times.size()) < n) {
    int64_t t;
    do {
      t = begin + static_cast<int64_t>(rng.Below(span));
    } while (!rng.Bernoulli(DailyActivity(t)));
    // A sitting of 1 + Geometric sessions (mean sitting_sessions).
    const double more = th.sitting_sessions > 1 ? 1.0 - 1.0 / th.sitting_sessions : 0.0;
    do {
      times.push_back(t);
      t += static_cast<int64_t>(rng.LogUniform(60.0, 1200.0));
    } while (static_cast<int64_t>(times.size()) < n && rng.Bernoulli(more));
  }
  std::sort(times.begin(), times.end());
  for (int64_t j = 1; j < n; ++j) times[j] = std::max(times[j], times[j - 1] + 1);
  times[n - 1] = std::min(times[n - 1], begin + span - 1);
  for (int64_t j = n - 2; j >= 0; --j) times[j] = std::min(times[j], times[j + 1] - 1);
  return times;
}

// One user's state and sessions (phase 1), from the user's own stream.
void ScheduleUser(const Model& model, uint64_t user, uint64_t budget, UserState& state,
                  std::vector<SessionRef>& sessions) {
  const TrueTheta& th = model.theta;
  state.rng = Rng(model.options.seed, kStreamUserBase + user);
  Rng& rng = state.rng;
  state.courses = PickCourses(rng, model.options.seed, user);
  const std::vector<uint32_t> sizes = DrawSessionSizes(rng, budget);
  const std::vector<int64_t> times =
      DrawSessionTimes(rng, model.options, th, static_cast<int64_t>(sizes.size()));
  state.memory = th.user_memory_sd * rng.Normal();
  state.ability = th.user_ability_sd * rng.Normal();
  state.slots = budget;
  if (model.options.dirty_rate > 0) state.recent = std::make_unique<RecentRows>();
  for (size_t s = 0; s < sizes.size(); ++s) {
    sessions.push_back(SessionRef{times[s], static_cast<uint32_t>(user), sizes[s]});
  }
}

inline double Logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

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

std::unique_ptr<Model> BuildModel(const GenerateOptions& options) {
  auto model = std::make_unique<Model>();
  model->options = options;
  model->time_origin =
      options.start_epoch - static_cast<int64_t>(model->theta.lag_max_days + 1) * kSecondsPerDay;
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
  const uint64_t blocks = BlockCount(model->users);
  double total = 0;
  for (uint64_t b = 0; b < blocks; ++b) {
    model->block_weight_prefix.push_back(total);
    const uint64_t last = std::min(model->users, (b + 1) * kUsersPerBlock);
    for (uint64_t u = b * kUsersPerBlock; u < last; ++u) total += UserWeight(options.seed, u);
  }
  model->total_weight = total > 0 ? total : 1.0;
  return model;
}

Schedule ScheduleUsers(const Model& model, int threads) {
  Schedule schedule;
  schedule.users.resize(model.users);
  const uint64_t blocks = BlockCount(model.users);
  std::vector<std::vector<SessionRef>> per_block(blocks);
  const double scale = static_cast<double>(model.budget_rows) / model.total_weight;
  ParallelFor(blocks, threads, [&](size_t block, int) {
    const uint64_t first = block * kUsersPerBlock;
    const uint64_t last = std::min(model.users, first + kUsersPerBlock);
    double cumulative = model.block_weight_prefix[block];
    for (uint64_t user = first; user < last; ++user) {
      // Cumulative rounding makes the budgets sum to exactly the row count.
      const auto before = static_cast<uint64_t>(std::floor(cumulative * scale));
      cumulative += UserWeight(model.options.seed, user);
      const uint64_t after = user + 1 == model.users
                                 ? model.budget_rows
                                 : static_cast<uint64_t>(std::floor(cumulative * scale));
      ScheduleUser(model, user, 1 + (after - before), schedule.users[user], per_block[block]);
    }
  });
  size_t total = 0;
  for (const auto& b : per_block) total += b.size();
  schedule.sessions.reserve(total);
  for (auto& b : per_block) {
    schedule.sessions.insert(schedule.sessions.end(), b.begin(), b.end());
    std::vector<SessionRef>().swap(b);
  }
  std::sort(schedule.sessions.begin(), schedule.sessions.end());
  return schedule;
}

void SessionOutput::Reset(size_t vocabulary_size) {
  text.clear();
  lines = 0;
  marks.clear();
  defects.clear();
  crlf.clear();
  quoted.clear();
  clean = 0;
  pairs = {};
  p_recall_sum = 0;
  lexeme_bits.assign((vocabulary_size + 63) / 64, 0);
}

void SessionGenerator::Emit(const SessionRef& session, UserState& user, SessionOutput& out) {
  Rng& rng = user.rng;
  token_ = UserToken(model_.options.seed, session.user, model_.users);
  const int course = user.courses[1] >= 0 && rng.Bernoulli(0.3) ? 1 : 0;
  const int pair = user.courses[course];
  const Language language = model_.pair_language[pair];
  // Words met for the first time in this session were last practised
  // together, so they share one lag (as in the real file's first rows).
  session_before_ =
      rng.LogUniform(model_.theta.lag_min_seconds, model_.theta.lag_max_days * kSecondsPerDay);
  session_effect_ = model_.theta.session_sd * rng.Normal();
  session_.clear();
  for (uint32_t k = 0; k < session.size; ++k) {
    session_.push_back(PickWord(rng, user, language, course));
  }
  for (uint32_t lexeme : session_) {
    if (user.slots == 0) break;
    if (model_.options.dirty_rate > 0 && user.recent->count > 0 && user.slots > 1 &&
        rng.Bernoulli(model_.options.dirty_rate)) {
      EmitDefect(rng, user, out);
      --user.slots;
    }
    EmitClean(rng, user, pair, course, lexeme, session.time, out);
    --user.slots;
  }
  out.marks.push_back({out.text.size(), out.lines, static_cast<uint32_t>(out.defects.size()),
                       static_cast<uint32_t>(out.crlf.size()),
                       static_cast<uint32_t>(out.quoted.size())});
}

// A word for a session: often one this user already met in the window (a
// review), otherwise a Zipf draw from the language; never twice a session.
uint32_t SessionGenerator::PickWord(Rng& rng, UserState& user, Language language, int course) {
  const auto& order = model_.vocabulary->ByFrequency(language);
  const auto& cdf = model_.zipf_cdf[language];
  const auto& reviewed = user.reviewed[course];
  for (int tries = 0; tries < 16; ++tries) {
    uint32_t lexeme;
    if (!reviewed.empty() && rng.Bernoulli(model_.theta.review_rate)) {
      // Reviews come in runs of words first met together (shared lags).
      uint32_t& cursor = user.review_cursor[course];
      cursor = cursor + 1 < reviewed.size() && rng.Bernoulli(0.7)
                   ? cursor + 1
                   : static_cast<uint32_t>(rng.Below(reviewed.size()));
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
void SessionGenerator::EmitClean(Rng& rng, UserState& user, int pair, int course, uint32_t lexeme,
                                 int64_t t, SessionOutput& out) {
  WordState& state = WordStateFor(rng, user, lexeme, course);
  const Row row = Review(rng, user, state, pair, lexeme, t);
  // Robustness cases that the pipeline must accept as ordinary rows: a CRLF
  // line end, or quotes around the text fields. Only in dirty output.
  bool crlf = false, quoted = false;
  const double dirty_rate = model_.options.dirty_rate;
  if (dirty_rate > 0) {
    const double r = rng.Unit();
    crlf = r < dirty_rate * kRobustShare;
    quoted = !crlf && r < 2 * dirty_rate * kRobustShare;
  }
  if (crlf) out.crlf.push_back(out.lines);
  if (quoted) out.quoted.push_back(out.lines);
  AppendRow(row, quoted, crlf ? "\r\n" : "\n", out.text);
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
  if (user.recent && !crlf && !quoted) {
    RecentRows& recent = *user.recent;
    recent.rows[recent.count % recent.rows.size()] = row;
    ++recent.count;
  }
}

// The user's history with `lexeme`. On its first view in the window it gets
// a history and a last view from before the window: the session's shared
// lag, and a history the larger the longer that lag.
WordState& SessionGenerator::WordStateFor(Rng& rng, UserState& user, uint32_t lexeme, int course) {
  auto [it, inserted] = user.words.try_emplace(lexeme);
  WordState& state = it->second;
  if (inserted) {
    const TrueTheta& th = model_.theta;
    const double z = rng.Normal();
    const double log_mean =
        th.history_log_mean + th.history_lag_slope * std::log(session_before_ / kSecondsPerDay);
    state.history_seen =
        1 + static_cast<uint32_t>(std::min(9999.0, std::exp(log_mean + th.history_log_sd * z)));
    const double accuracy = 1.0 - th.history_error * rng.Unit() * rng.Unit();
    state.history_correct = std::min<uint32_t>(
        state.history_seen,
        static_cast<uint32_t>(static_cast<double>(state.history_seen) * accuracy + rng.Unit()));
    state.last_view = static_cast<uint32_t>(
        model_.options.start_epoch - static_cast<int64_t>(session_before_) - model_.time_origin);
    user.reviewed[course].push_back(lexeme);
  }
  return state;
}

// One review under the true model (generator.h, TrueTheta): the word's
// recall strength after the lag, the chance of a right first answer, and the
// answers. Adds the review to `state`.
Row SessionGenerator::Review(Rng& rng, const UserState& user, WordState& state, int pair,
                             uint32_t lexeme, int64_t t) const {
  const TrueTheta& th = model_.theta;
  Row row;
  row.timestamp = t;
  row.delta = t - (model_.time_origin + state.last_view);
  row.history_seen = state.history_seen;
  row.history_correct = state.history_correct;
  row.lexeme = lexeme;
  row.pair = static_cast<uint8_t>(pair);
  const double log2_half_life =
      th.right * std::sqrt(1.0 + static_cast<double>(row.history_correct)) +
      th.wrong * std::sqrt(1.0 + static_cast<double>(row.history_seen - row.history_correct)) +
      th.bias + model_.difficulty[lexeme] + user.memory;
  const double lag_days = static_cast<double>(row.delta) / kSecondsPerDay;
  const double m = std::clamp(std::exp2(-lag_days / std::exp2(log2_half_life)), 1e-9, 1 - 1e-9);
  const double logit =
      th.strength * std::log(m / (1 - m)) + th.base_logit + user.ability + session_effect_;
  Answer(rng, th.guess + (1 - th.guess) * Logistic(logit), row);
  state.history_seen += row.seen;
  state.history_correct += row.correct;
  state.last_view = static_cast<uint32_t>(t - model_.time_origin);
  return row;
}

// The answers to a word in a session: its planned exposures, each first
// answered right with probability q, a wrong answer asked again (at most
// max_retries times; session_seen at most kMaxSessionSeen).
void SessionGenerator::Answer(Rng& rng, double q, Row& row) const {
  const TrueTheta& th = model_.theta;
  const double u = rng.Unit();
  int exposures = 0;
  double acc = 0;
  for (int k = 0; k < 4 && exposures == 0; ++k) {
    acc += th.exposures[k];
    if (u < acc) exposures = k + 1;
  }
  if (exposures == 0) exposures = 5 + static_cast<int>(rng.Below(kMaxSessionSeen - 4));
  int seen = 0, correct = 0;
  for (int e = 0; e < exposures && seen < kMaxSessionSeen; ++e) {
    ++seen;
    if (rng.Bernoulli(q)) {
      ++correct;
      continue;
    }
    for (int r = 0; r < th.max_retries && seen < kMaxSessionSeen; ++r) {
      if (!rng.Bernoulli(th.retry_rate)) break;
      ++seen;
      if (rng.Bernoulli(th.retry_right)) {
        ++correct;
        break;
      }
    }
  }
  row.seen = static_cast<uint8_t>(seen);
  row.correct = static_cast<uint8_t>(correct);
}

// Formats one row into a stack buffer and appends it in one go (the hot
// path: one capacity check and one copy per row).
void SessionGenerator::AppendRow(const Row& row, bool quoted, std::string_view line_end,
                                 std::string& text) const {
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
// clean rows, so everything not broken on purpose is realistic: a duplicate
// copies any of the last few (so it is not always adjacent to its original),
// the others alter the latest one.
// REQUIRES: user.recent && user.recent->count > 0
void SessionGenerator::EmitDefect(Rng& rng, UserState& user, SessionOutput& out) {
  const RecentRows& recent = *user.recent;
  const RejectReason reason = PickDefectReason(rng);
  const size_t available = std::min<size_t>(recent.count, recent.rows.size());
  const Row& base =
      reason == RejectReason::kDuplicate
          ? recent.rows[(recent.count - 1 - rng.Below(available)) % recent.rows.size()]
          : recent.rows[(recent.count - 1) % recent.rows.size()];
  out.defects.emplace_back(out.lines, reason);
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

}  // namespace wv::generate
