#include "analytics/queries.h"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "analytics/stats.h"
#include "core/number_format.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "run/output_listing.h"
#include "run/published_output.h"

namespace wv::analytics {

namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int kHours = 24;

const char* const kRecallRateDesc =
    "sum(session_correct) / sum(session_seen): share of exercises answered correctly";
const char* const kCiLowDesc = "lower bound of the 95% Wilson score interval of recall_rate";
const char* const kCiHighDesc = "upper bound of the 95% Wilson score interval of recall_rate";

int HourOf(int64_t epoch) {
  int64_t s = epoch % kSecondsPerDay;
  if (s < 0) s += kSecondsPerDay;
  return static_cast<int>(s / 3600);
}

// Calls fn(chunk_index, worker) for every chunk, on `threads` workers taking
// chunks in turn (wv::ParallelFor). Callers keep integer partials per worker
// (exact in any order; WorkerCount() of them) and floating-point partials per
// chunk, reduced in chunk order, so results do not depend on the thread count
// or on scheduling.
void ForEachChunk(const FactTable& f, int threads,
                  absl::FunctionRef<void(size_t chunk, int worker)> fn) {
  ParallelFor(f.chunks.size(), threads, fn);
}

// The number of distinct worker ids ForEachChunk may pass.
size_t WorkerCount(int threads) { return static_cast<size_t>(EffectiveThreads(threads)); }

Status RequireColumns(const FactTable& f, uint32_t needed) {
  if ((f.projection & needed) != needed)
    return InternalError("query run on a fact snapshot loaded without its columns");
  return OkStatus();
}

// Adds learning_language and ui_language columns and returns their indices.
std::pair<size_t, size_t> AddPairKeyColumns(ResultTable& t) {
  const size_t l = t.AddColumn("learning_language", ValueType::kString,
                               "ISO 639-1 code of the language being learned");
  const size_t u = t.AddColumn("ui_language", ValueType::kString,
                               "ISO 639-1 code of the app's interface language");
  return {l, u};
}

std::vector<int64_t> ViewsPerPair(const FactTable& f) {
  std::vector<int64_t> views(f.pairs.size(), 0);
  for (const auto& c : f.chunks) {
    for (uint16_t p : c.pair) ++views[p];
  }
  return views;
}

// Exercise-weighted recall measures of one group of rows: the one place that
// sums them (per row, and partials into totals).
struct RecallSums {
  int64_t views = 0;
  int64_t seen = 0;
  int64_t correct = 0;
  double sum_p_recall = 0;

  // Adds row `i` of chunk `c`.
  void AddRow(const FactChunk& c, size_t i) {
    ++views;
    seen += c.seen[i];
    correct += c.correct[i];
    sum_p_recall += c.p_recall[i];
  }
  RecallSums& operator+=(const RecallSums& o) {
    views += o.views;
    seen += o.seen;
    correct += o.correct;
    sum_p_recall += o.sum_p_recall;
    return *this;
  }

  double recall_rate() const { return seen > 0 ? static_cast<double>(correct) / seen : NAN; }
  double mean_p_recall() const { return views > 0 ? sum_p_recall / views : NAN; }
};

struct RecallColumns {
  size_t views, exercises, correct, recall, ci_low, ci_high, mean_p;
};

RecallColumns AddRecallColumns(ResultTable& t) {
  RecallColumns c;
  c.views = t.AddColumn("views", ValueType::kInt64, "fact rows (word views)");
  c.exercises = t.AddColumn("exercises", ValueType::kInt64, "sum(session_seen)");
  c.correct = t.AddColumn("correct", ValueType::kInt64, "sum(session_correct)");
  c.recall = t.AddColumn("recall_rate", ValueType::kDouble, kRecallRateDesc);
  c.ci_low = t.AddColumn("ci_low", ValueType::kDouble, kCiLowDesc);
  c.ci_high = t.AddColumn("ci_high", ValueType::kDouble, kCiHighDesc);
  c.mean_p = t.AddColumn("mean_p_recall", ValueType::kDouble, "mean of p_recall over the rows");
  return c;
}

void AppendRecall(ResultTable& t, const RecallColumns& c, const RecallSums& s) {
  t.column(c.views).AppendInt(s.views);
  t.column(c.exercises).AppendInt(s.seen);
  t.column(c.correct).AppendInt(s.correct);
  t.column(c.recall).AppendDouble(s.recall_rate());
  const auto ci = WilsonInterval(static_cast<double>(s.correct), static_cast<double>(s.seen));
  t.column(c.ci_low).AppendOptionalDouble(ci ? std::optional<double>(ci->low) : std::nullopt);
  t.column(c.ci_high).AppendOptionalDouble(ci ? std::optional<double>(ci->high) : std::nullopt);
  t.column(c.mean_p).AppendDouble(s.mean_p_recall());
}

// Retention measures per group of pairs (a pair, or all pairs of one UI language).
struct GroupRetention {
  RecallSums sums;
  std::optional<double> median_lag_days;
  std::optional<double> half_life_days;
};

// Exact medians of delta per group without gathering or sorting the rows: a
// histogram over order-preserving buckets (bit length and the next 8 bits of
// the value) finds the bucket holding the middle rank, then only that bucket's
// values are selected. Two cheap passes instead of copying 12.85M values.
constexpr size_t kLagBuckets = 65 * 256;

size_t LagBucketOf(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  const int w = std::bit_width(u);  // 0..64
  const uint64_t next = w == 0 ? 0 : ((u << (64 - w)) << 1) >> 56;
  return static_cast<size_t>(w) * 256 + static_cast<size_t>(next);
}

// Pass 1: counts[group * kLagBuckets + bucket], and whether any delta is negative.
struct LagHistogram {
  std::vector<int64_t> counts;
  bool any_negative = false;
};

LagHistogram CountLagBuckets(const FactTable& f, const std::vector<uint32_t>& group_of_pair,
                             size_t groups, int threads) {
  const size_t workers = WorkerCount(threads);
  std::vector<std::vector<int64_t>> worker_counts(workers,
                                                  std::vector<int64_t>(groups * kLagBuckets, 0));
  std::vector<uint8_t> worker_negative(workers, 0);
  ForEachChunk(f, threads, [&](size_t k, int w) {
    const FactChunk& c = f.chunks[k];
    int64_t* counts = worker_counts[w].data();
    bool negative = false;
    for (size_t i = 0; i < c.rows; ++i) {
      const int64_t d = c.delta[i];
      negative |= d < 0;
      ++counts[group_of_pair[c.pair[i]] * kLagBuckets + LagBucketOf(d < 0 ? 0 : d)];
    }
    worker_negative[w] |= negative;
  });
  LagHistogram h;
  h.counts = std::move(worker_counts[0]);
  for (size_t w = 1; w < workers; ++w) {
    for (size_t b = 0; b < h.counts.size(); ++b) h.counts[b] += worker_counts[w][b];
  }
  h.any_negative =
      std::find(worker_negative.begin(), worker_negative.end(), 1) != worker_negative.end();
  return h;
}

// Where a group's middle value(s) lie: their 0-based ranks, the buckets
// holding them and the number of values in lower buckets.
struct MiddleRanks {
  int64_t total = 0;
  int64_t lo_rank = 0, hi_rank = 0, lo_before = 0, hi_before = 0;
  size_t lo_bucket = SIZE_MAX, hi_bucket = SIZE_MAX;
};

MiddleRanks FindMiddleRanks(const int64_t* counts) {
  MiddleRanks m;
  for (size_t b = 0; b < kLagBuckets; ++b) m.total += counts[b];
  if (m.total == 0) return m;
  m.lo_rank = (m.total - 1) / 2;
  m.hi_rank = m.total / 2;
  int64_t before = 0;
  for (size_t b = 0; b < kLagBuckets; ++b) {
    const int64_t n = counts[b];
    if (m.lo_bucket == SIZE_MAX && m.lo_rank < before + n) {
      m.lo_bucket = b;
      m.lo_before = before;
    }
    if (m.hi_rank < before + n) {
      m.hi_bucket = b;
      m.hi_before = before;
      break;
    }
    before += n;
  }
  return m;
}

// Pass 2: the values of the middle buckets only (selection does not care
// about order), then the median from them.
std::vector<std::optional<double>> SelectMedians(const FactTable& f,
                                                 const std::vector<uint32_t>& group_of_pair,
                                                 const std::vector<MiddleRanks>& middle,
                                                 int threads) {
  const size_t groups = middle.size(), workers = WorkerCount(threads);
  using Parts = std::vector<std::vector<std::vector<int64_t>>>;  // [worker][group]
  Parts lo_part(workers, std::vector<std::vector<int64_t>>(groups));
  Parts hi_part(workers, std::vector<std::vector<int64_t>>(groups));
  ForEachChunk(f, threads, [&](size_t k, int w) {
    const FactChunk& c = f.chunks[k];
    for (size_t i = 0; i < c.rows; ++i) {
      const uint32_t g = group_of_pair[c.pair[i]];
      const size_t b = LagBucketOf(c.delta[i]);
      if (b == middle[g].lo_bucket) {
        lo_part[w][g].push_back(c.delta[i]);
      } else if (b == middle[g].hi_bucket) {
        hi_part[w][g].push_back(c.delta[i]);
      }
    }
  });
  auto select = [](std::vector<int64_t>& v, int64_t k) {
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return static_cast<double>(v[k]);
  };
  std::vector<std::optional<double>> out(groups);
  for (size_t g = 0; g < groups; ++g) {
    const MiddleRanks& m = middle[g];
    if (m.total == 0) continue;
    std::vector<int64_t> lo_values, hi_values;
    for (size_t w = 0; w < workers; ++w) {
      lo_values.insert(lo_values.end(), lo_part[w][g].begin(), lo_part[w][g].end());
      hi_values.insert(hi_values.end(), hi_part[w][g].begin(), hi_part[w][g].end());
    }
    const double lo = select(lo_values, m.lo_rank - m.lo_before);
    const double hi = m.hi_bucket == m.lo_bucket ? select(lo_values, m.hi_rank - m.lo_before)
                                                 : select(hi_values, m.hi_rank - m.hi_before);
    out[g] = lo + (hi - lo) / 2;
  }
  return out;
}

std::vector<std::optional<double>> GroupedMedianLags(const FactTable& f,
                                                     const std::vector<uint32_t>& group_of_pair,
                                                     size_t groups, int threads) {
  const LagHistogram h = CountLagBuckets(f, group_of_pair, groups, threads);
  if (h.any_negative) {
    // Not produced by validation (delta >= 0), but stay exact: select on a copy.
    std::vector<std::vector<int64_t>> all(groups);
    for (const auto& c : f.chunks) {
      for (size_t i = 0; i < c.rows; ++i) all[group_of_pair[c.pair[i]]].push_back(c.delta[i]);
    }
    std::vector<std::optional<double>> out(groups);
    for (size_t g = 0; g < groups; ++g) out[g] = Median(all[g]);
    return out;
  }
  std::vector<MiddleRanks> middle(groups);
  for (size_t g = 0; g < groups; ++g) middle[g] = FindMiddleRanks(&h.counts[g * kLagBuckets]);
  return SelectMedians(f, group_of_pair, middle, threads);
}

std::vector<GroupRetention> ComputeRetention(const FactTable& f,
                                             const std::vector<uint32_t>& group_of_pair,
                                             size_t groups, int threads) {
  // Per-chunk partials, reduced in chunk order (deterministic floating point).
  struct Partial {
    std::vector<RecallSums> sums;
    std::vector<RecallObservations> obs;
  };
  std::vector<Partial> parts(f.chunks.size());
  ForEachChunk(f, threads, [&](size_t k, int) {
    const FactChunk& c = f.chunks[k];
    Partial& p = parts[k];
    p.sums.resize(groups);
    p.obs.resize(groups);
    for (size_t i = 0; i < c.rows; ++i) {
      const uint32_t g = group_of_pair[c.pair[i]];
      p.sums[g].AddRow(c, i);
      p.obs[g].Add(static_cast<double>(c.delta[i]) / kSecondsPerDay, c.seen[i], c.correct[i]);
    }
  });
  std::vector<GroupRetention> out(groups);
  std::vector<RecallObservations> obs(groups);
  for (Partial& p : parts) {
    for (size_t g = 0; g < groups; ++g) {
      out[g].sums += p.sums[g];
      RecallObservations& o = obs[g];
      const RecallObservations& q = p.obs[g];
      o.fail_lag_days.insert(o.fail_lag_days.end(), q.fail_lag_days.begin(), q.fail_lag_days.end());
      o.failures.insert(o.failures.end(), q.failures.begin(), q.failures.end());
      o.correct_lag_days += q.correct_lag_days;
      o.correct += q.correct;
      o.seen += q.seen;
      o.rows += q.rows;
    }
    p = Partial{};
  }
  const auto medians = GroupedMedianLags(f, group_of_pair, groups, threads);
  for (size_t g = 0; g < groups; ++g) {
    if (medians[g]) out[g].median_lag_days = *medians[g] / kSecondsPerDay;
    const HalfLifeFit fit = FitHalfLife(obs[g], threads);
    out[g].half_life_days = fit.half_life_days;
    if (std::getenv("WV_TIMING") != nullptr) {
      fmt::print(stderr, "timing: half-life fit of group {}: {} passes over {} failure rows\n", g,
                 fit.iterations, obs[g].fail_lag_days.size());
    }
  }
  return out;
}

struct RetentionColumns {
  RecallColumns recall;
  size_t median_lag, half_life, rank;
};

RetentionColumns AddRetentionColumns(ResultTable& t) {
  RetentionColumns c;
  c.recall = AddRecallColumns(t);
  c.median_lag = t.AddColumn("median_lag_days", ValueType::kDouble,
                             "median of delta (time since the word was last seen), in days");
  c.half_life = t.AddColumn(
      "half_life_days", ValueType::kDouble,
      "maximum-likelihood half-life h (days) of p = 2^(-delta/h) with binomial outcomes "
      "(session_correct of session_seen); rows with delta = 0 excluded; null if not estimable",
      "{:.2f}");
  c.rank = t.AddColumn("rank", ValueType::kInt64, "1 = highest recall_rate");
  return c;
}

// Row order for retention: recall_rate descending, ties by group order (keys).
std::vector<size_t> RankByRecall(const std::vector<GroupRetention>& r) {
  std::vector<size_t> order(r.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return r[a].sums.recall_rate() > r[b].sums.recall_rate();
  });
  return order;
}

void AppendRetention(ResultTable& t, const RetentionColumns& c, const GroupRetention& g,
                     int64_t rank) {
  AppendRecall(t, c.recall, g.sums);
  t.column(c.median_lag).AppendOptionalDouble(g.median_lag_days);
  t.column(c.half_life).AppendOptionalDouble(g.half_life_days);
  t.column(c.rank).AppendInt(rank);
}

std::vector<TotalCell> TotalsRow(const ResultTable& t,
                                 std::initializer_list<std::pair<size_t, std::string>> cells) {
  std::vector<TotalCell> row(t.columns().size());
  row[0].text = "total";
  for (const auto& [i, text] : cells) row[i].text = text;
  return row;
}

}  // namespace

const std::vector<LagBucket>& LagBuckets() {
  static const std::vector<LagBucket> kBuckets = {
      {0, 3600, "<1h"},
      {3600, kSecondsPerDay, "1h-1d"},
      {kSecondsPerDay, 7 * kSecondsPerDay, "1d-7d"},
      {7 * kSecondsPerDay, 30 * kSecondsPerDay, "7d-30d"},
      {30 * kSecondsPerDay, INT64_MAX, ">30d"},
  };
  return kBuckets;
}

StatusOr<ResultTable> QueryPairs(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kLoadPair));
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const size_t ln = t.AddColumn("learning_name", ValueType::kString,
                                "English name of the learning language (dim_langs.english_name)");
  const size_t un = t.AddColumn("ui_name", ValueType::kString,
                                "English name of the interface language (dim_langs.english_name)");
  const size_t v = t.AddColumn("views", ValueType::kInt64, "fact rows of the pair");
  const auto views = ViewsPerPair(f);
  int64_t total = 0;
  for (size_t p = 0; p < f.pairs.size(); ++p) {
    t.column(l).AppendString(f.pairs[p].learning);
    t.column(u).AppendString(f.pairs[p].ui);
    const auto lname = snapshot.LanguageName(f.pairs[p].learning);
    const auto uname = snapshot.LanguageName(f.pairs[p].ui);
    t.column(ln).AppendOptionalString(lname ? std::optional<std::string_view>(*lname)
                                            : std::nullopt);
    t.column(un).AppendOptionalString(uname ? std::optional<std::string_view>(*uname)
                                            : std::nullopt);
    t.column(v).AppendInt(views[p]);
    total += views[p];
  }
  t.totals() = TotalsRow(t, {{v, Thousands(total)}});
  t.note() = "Pairs ordered by learning language, then interface language.";
  return t;
}

StatusOr<ResultTable> QueryPairUsers(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kLoadPair | kLoadUser));
  const size_t np = f.pairs.size(), nu = f.num_users;
  // One flag per (pair, user): distinct counting by array index, no hashing.
  std::vector<uint8_t> seen(np * nu, 0);
  for (const auto& c : f.chunks) {
    for (size_t i = 0; i < c.rows; ++i) seen[static_cast<size_t>(c.pair[i]) * nu + c.user[i]] = 1;
  }
  std::vector<int64_t> users(np, 0);
  for (size_t p = 0; p < np; ++p) {
    users[p] = std::count(seen.begin() + p * nu, seen.begin() + (p + 1) * nu, 1);
  }
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const size_t uc =
      t.AddColumn("users", ValueType::kInt64, "distinct user_id with views in the pair");
  const size_t sc = t.AddColumn(
      "share", ValueType::kDouble,
      "users / distinct users over all pairs (a user in several courses counts in each, so "
      "shares can add up to more than 1)");
  std::vector<size_t> order(np);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return users[a] > users[b]; });
  for (size_t p : order) {
    t.column(l).AppendString(f.pairs[p].learning);
    t.column(u).AppendString(f.pairs[p].ui);
    t.column(uc).AppendInt(users[p]);
    t.column(sc).AppendDouble(nu > 0 ? static_cast<double>(users[p]) / static_cast<double>(nu)
                                     : NAN);
  }
  t.totals() = TotalsRow(t, {{uc, Thousands(static_cast<int64_t>(nu)) + " distinct"}});
  t.note() = "Ordered by users, most first.";
  return t;
}

namespace {

struct SessionKey {
  uint64_t user_pair;
  int64_t epoch;
  bool operator==(const SessionKey& o) const {
    return user_pair == o.user_pair && epoch == o.epoch;
  }
  template <typename H>
  friend H AbslHashValue(H h, const SessionKey& k) {
    return H::combine(std::move(h), k.user_pair, k.epoch);
  }
};

// Sorts `keys` by their low `bits` bits (LSD radix sort, 16 bits a pass).
void RadixSort(std::vector<uint64_t>& keys, int bits) {
  std::vector<uint64_t> buffer(keys.size());
  std::vector<size_t> counts(size_t{1} << 16);
  for (int shift = 0; shift < bits; shift += 16) {
    std::fill(counts.begin(), counts.end(), 0);
    for (uint64_t k : keys) ++counts[(k >> shift) & 0xFFFF];
    size_t sum = 0;
    for (size_t& c : counts) sum += std::exchange(c, sum);
    for (uint64_t k : keys) buffer[counts[(k >> shift) & 0xFFFF]++] = k;
    keys.swap(buffer);
  }
}

// Distinct sessions per pair when (user, pair, epoch - min epoch) packs into
// 64 bits (always, for real data): the run starts sorted by a radix sort,
// then counted, instead of a hash set probed at random (cache misses).
// Returns false if the key does not fit.
bool CountSessionsPacked(const FactTable& f, size_t run_starts, int64_t min_epoch,
                         int64_t max_epoch, std::vector<int64_t>* sessions, int64_t* total) {
  const auto width = [](uint64_t max_value) { return static_cast<int>(std::bit_width(max_value)); };
  const int pair_bits = width(f.pairs.size());
  const int user_bits = width(f.num_users);
  const int epoch_bits = width(static_cast<uint64_t>(max_epoch) - static_cast<uint64_t>(min_epoch));
  const int bits = pair_bits + user_bits + epoch_bits;
  if (bits > 64) return false;
  std::vector<uint64_t> keys;
  keys.reserve(run_starts);
  for (const auto& c : f.chunks) {
    uint64_t prev = 0;
    bool first = true;
    for (size_t i = 0; i < c.rows; ++i) {
      // Pair in the low bits, so that equal keys count for their pair.
      const uint64_t k =
          ((static_cast<uint64_t>(c.epoch[i] - min_epoch) << user_bits | c.user[i]) << pair_bits) |
          c.pair[i];
      if (!first && k == prev) continue;
      first = false;
      prev = k;
      keys.push_back(k);
    }
  }
  RadixSort(keys, bits);
  const uint64_t pair_mask = (uint64_t{1} << pair_bits) - 1;
  int64_t distinct = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0 && keys[i] == keys[i - 1]) continue;
    ++distinct;
    ++(*sessions)[keys[i] & pair_mask];
  }
  *total = distinct;
  return true;
}

// Distinct sessions per pair through a hash set: the general path, for keys
// that do not pack into 64 bits. Returns the total.
int64_t CountSessionsHashed(const FactTable& f, size_t run_starts, std::vector<int64_t>* sessions) {
  absl::flat_hash_set<SessionKey> keys;
  keys.reserve(std::min<size_t>(run_starts, size_t{1} << 24));
  for (const auto& c : f.chunks) {
    SessionKey prev{UINT64_MAX, 0};
    for (size_t i = 0; i < c.rows; ++i) {
      const SessionKey k{(static_cast<uint64_t>(c.user[i]) << 16) | c.pair[i], c.epoch[i]};
      // A session's rows are usually adjacent: skip the set for repeats.
      if (k == prev) continue;
      prev = k;
      keys.insert(k);
    }
  }
  for (const auto& k : keys) ++(*sessions)[k.user_pair & 0xFFFF];
  return static_cast<int64_t>(keys.size());
}

// Views, exercises and distinct sessions per pair.
struct PairActivity {
  std::vector<int64_t> views, exercises, sessions;
  int64_t total_sessions = 0;
};

PairActivity CountPairActivity(const FactTable& f) {
  const size_t np = f.pairs.size();
  PairActivity a{std::vector<int64_t>(np, 0), std::vector<int64_t>(np, 0),
                 std::vector<int64_t>(np, 0), 0};
  // First pass: views and exercises, and how many rows start a new run of
  // (user, pair, epoch), an upper bound on the sessions (sizes the set once).
  size_t run_starts = 0;
  int64_t min_epoch = INT64_MAX, max_epoch = INT64_MIN;
  for (const auto& c : f.chunks) {
    SessionKey prev{UINT64_MAX, 0};
    for (size_t i = 0; i < c.rows; ++i) {
      const uint16_t p = c.pair[i];
      ++a.views[p];
      a.exercises[p] += c.seen[i];
      const SessionKey k{(static_cast<uint64_t>(c.user[i]) << 16) | p, c.epoch[i]};
      run_starts += !(k == prev);
      prev = k;
      min_epoch = std::min(min_epoch, c.epoch[i]);
      max_epoch = std::max(max_epoch, c.epoch[i]);
    }
  }
  if (run_starts == 0) return a;  // nothing to count
  if (!CountSessionsPacked(f, run_starts, min_epoch, max_epoch, &a.sessions, &a.total_sessions)) {
    a.total_sessions = CountSessionsHashed(f, run_starts, &a.sessions);
  }
  return a;
}

}  // namespace

StatusOr<ResultTable> QueryPairViews(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kLoadPair | kLoadUser | kLoadEpoch | kLoadSeen));
  const size_t np = f.pairs.size();
  const PairActivity activity = CountPairActivity(f);
  const std::vector<int64_t>&views = activity.views, &exercises = activity.exercises,
        &sessions = activity.sessions;
  const int64_t total_sessions = activity.total_sessions;
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const size_t vc = t.AddColumn("views", ValueType::kInt64, "fact rows (word views) of the pair");
  const size_t sc =
      t.AddColumn("sessions", ValueType::kInt64,
                  "distinct (user_id, timestamp) in the pair: lessons or practice sessions");
  const size_t ec = t.AddColumn("exercises", ValueType::kInt64, "sum(session_seen)");
  const size_t shc = t.AddColumn("share_of_views", ValueType::kDouble, "views / all views");
  const int64_t total_views = std::accumulate(views.begin(), views.end(), int64_t{0});
  std::vector<size_t> order(np);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return views[a] > views[b]; });
  for (size_t p : order) {
    t.column(l).AppendString(f.pairs[p].learning);
    t.column(u).AppendString(f.pairs[p].ui);
    t.column(vc).AppendInt(views[p]);
    t.column(sc).AppendInt(sessions[p]);
    t.column(ec).AppendInt(exercises[p]);
    t.column(shc).AppendDouble(total_views > 0 ? static_cast<double>(views[p]) / total_views : NAN);
  }
  t.totals() = TotalsRow(
      t, {{vc, Thousands(total_views)},
          {sc, Thousands(total_sessions)},
          {ec, Thousands(std::accumulate(exercises.begin(), exercises.end(), int64_t{0}))},
          {shc, "1.0000"}});
  t.note() = "Ordered by views, most first.";
  return t;
}

namespace {

// views[pair * 24 + hour]
std::vector<int64_t> HourCounts(const FactTable& f, int threads) {
  const size_t workers = WorkerCount(threads);
  std::vector<std::vector<int64_t>> parts(workers,
                                          std::vector<int64_t>(f.pairs.size() * kHours, 0));
  ForEachChunk(f, threads, [&](size_t k, int w) {
    const FactChunk& c = f.chunks[k];
    int64_t* counts = parts[w].data();
    for (size_t i = 0; i < c.rows; ++i) ++counts[c.pair[i] * kHours + HourOf(c.epoch[i])];
  });
  for (size_t w = 1; w < workers; ++w) {
    for (size_t i = 0; i < parts[0].size(); ++i) parts[0][i] += parts[w][i];
  }
  return parts[0];
}

}  // namespace

StatusOr<ResultTable> QueryTimeOfDay(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kLoadPair | kLoadEpoch));
  const auto counts = HourCounts(f, o.threads);
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const size_t hc = t.AddColumn("hour", ValueType::kInt64, "UTC hour of the session (0-23)");
  const size_t vc =
      t.AddColumn("views", ValueType::kInt64, "fact rows of the pair in that hour (0 included)");
  const size_t sc = t.AddColumn("share_of_pair", ValueType::kDouble, "views / views of the pair");
  for (size_t p = 0; p < f.pairs.size(); ++p) {
    const int64_t pair_total =
        std::accumulate(counts.begin() + p * kHours, counts.begin() + (p + 1) * kHours, int64_t{0});
    for (int h = 0; h < kHours; ++h) {
      t.column(l).AppendString(f.pairs[p].learning);
      t.column(u).AppendString(f.pairs[p].ui);
      t.column(hc).AppendInt(h);
      t.column(vc).AppendInt(counts[p * kHours + h]);
      t.column(sc).AppendDouble(
          pair_total > 0 ? static_cast<double>(counts[p * kHours + h]) / pair_total : NAN);
    }
  }
  t.note() = "Hours are UTC; every pair lists all 24 hours.";
  return t;
}

namespace {

// The result table of time-of-day-test: its columns and how one test becomes
// a row. Not thread-safe (one query fills it).
class HourTestTable {
 public:
  HourTestTable() {
    scope_ = t_.AddColumn("scope", ValueType::kString,
                          "pair: that pair's hours vs all pairs' hours (goodness of fit); "
                          "overall: pair x hour independence");
    std::tie(learning_, ui_) = AddPairKeyColumns(t_);
    views_ = t_.AddColumn("views", ValueType::kInt64, "fact rows");
    chi2_ = t_.AddColumn("chi2", ValueType::kDouble, "Pearson chi-square statistic", "{:.2f}");
    dof_ = t_.AddColumn("dof", ValueType::kInt64, "degrees of freedom");
    p_ = t_.AddColumn("p_value", ValueType::kDouble,
                      "P(chi2(dof) >= chi2), upper tail, by Boost.Math", "{:.3g}");
    v_ = t_.AddColumn("cramers_v", ValueType::kDouble,
                      "effect size: sqrt(chi2 / (n * (min(rows, cols) - 1))); for a pair "
                      "sqrt(chi2 / (n * (hours - 1)))");
    peak_ = t_.AddColumn("peak_hour", ValueType::kInt64,
                         "UTC hour with the most views (lowest on ties)");
    peak_share_ =
        t_.AddColumn("peak_hour_share", ValueType::kDouble, "share of views in the peak hour");
  }

  void Append(const char* scope, std::optional<std::string_view> learning,
              std::optional<std::string_view> ui, std::span<const int64_t> hours,
              const ChiSquareResult& r) {
    const int64_t n = std::accumulate(hours.begin(), hours.end(), int64_t{0});
    const int peak = static_cast<int>(std::max_element(hours.begin(), hours.end()) - hours.begin());
    t_.column(scope_).AppendString(scope);
    t_.column(learning_).AppendOptionalString(learning);
    t_.column(ui_).AppendOptionalString(ui);
    t_.column(views_).AppendInt(n);
    t_.column(chi2_).AppendDouble(r.chi2);
    t_.column(dof_).AppendInt(r.dof);
    t_.column(p_).AppendOptionalDouble(r.p_value);
    t_.column(v_).AppendOptionalDouble(r.cramers_v);
    if (n > 0) {
      t_.column(peak_).AppendInt(peak);
      t_.column(peak_share_).AppendDouble(static_cast<double>(hours[peak]) / n);
    } else {
      t_.column(peak_).AppendNull();
      t_.column(peak_share_).AppendNull();
    }
  }

  ResultTable& table() { return t_; }

 private:
  ResultTable t_;
  size_t scope_, learning_, ui_, views_, chi2_, dof_, p_, v_, peak_, peak_share_;
};

}  // namespace

StatusOr<ResultTable> QueryTimeOfDayTest(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kLoadPair | kLoadEpoch));
  const size_t np = f.pairs.size();
  const auto counts = HourCounts(f, o.threads);
  std::vector<int64_t> hour_total(kHours, 0);
  for (size_t p = 0; p < np; ++p) {
    for (int h = 0; h < kHours; ++h) hour_total[h] += counts[p * kHours + h];
  }
  HourTestTable t;
  for (size_t p = 0; p < np; ++p) {
    std::span<const int64_t> hours(counts.data() + p * kHours, kHours);
    t.Append("pair", f.pairs[p].learning, f.pairs[p].ui, hours,
             ChiSquareGoodnessOfFit(hours, hour_total));
  }
  t.Append("overall", std::nullopt, std::nullopt, hour_total,
           ChiSquareIndependence(counts, np, kHours));
  t.table().note() =
      "Per pair: goodness of fit of its hour distribution against the all-pairs hour distribution "
      "(E = n_pair * share of hour); these per-pair chi2 add up to the overall test of "
      "independence of pair and hour.";
  return std::move(t.table());
}

StatusOr<ResultTable> QueryRetentionPairs(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(
      RequireColumns(f, kLoadPair | kLoadDelta | kLoadPRecall | kLoadSeen | kLoadCorrect));
  std::vector<uint32_t> group(f.pairs.size());
  std::iota(group.begin(), group.end(), 0);
  const auto r = ComputeRetention(f, group, f.pairs.size(), o.threads);
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const auto c = AddRetentionColumns(t);
  int64_t rank = 0;
  for (size_t p : RankByRecall(r)) {
    t.column(l).AppendString(f.pairs[p].learning);
    t.column(u).AppendString(f.pairs[p].ui);
    AppendRetention(t, c, r[p], ++rank);
  }
  t.note() =
      "Ranked by recall_rate. half_life_days: MLE of p = 2^(-delta/h), delta in days, per pair.";
  return t;
}

StatusOr<ResultTable> QueryRetentionUi(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(
      RequireColumns(f, kLoadPair | kLoadDelta | kLoadPRecall | kLoadSeen | kLoadCorrect));
  std::vector<uint32_t> group(f.pair_ui.begin(), f.pair_ui.end());
  const auto r = ComputeRetention(f, group, f.ui_languages.size(), o.threads);
  std::vector<int64_t> learning_count(f.ui_languages.size(), 0);
  for (uint16_t ui : f.pair_ui) ++learning_count[ui];
  ResultTable t;
  const size_t uc =
      t.AddColumn("ui_language", ValueType::kString, "ISO 639-1 code of the interface language");
  const size_t un =
      t.AddColumn("ui_name", ValueType::kString, "English name (dim_langs.english_name)");
  const size_t lc = t.AddColumn("learning_languages", ValueType::kInt64,
                                "number of learning languages taken with this interface language");
  const auto c = AddRetentionColumns(t);
  int64_t rank = 0;
  for (size_t g : RankByRecall(r)) {
    t.column(uc).AppendString(f.ui_languages[g]);
    const auto name = snapshot.LanguageName(f.ui_languages[g]);
    t.column(un).AppendOptionalString(name ? std::optional<std::string_view>(*name) : std::nullopt);
    t.column(lc).AppendInt(learning_count[g]);
    AppendRetention(t, c, r[g], ++rank);
  }
  t.note() = "All learning languages pooled per interface language; ranked by recall_rate.";
  return t;
}

StatusOr<ResultTable> QueryForgettingCurve(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(
      RequireColumns(f, kLoadPair | kLoadDelta | kLoadPRecall | kLoadSeen | kLoadCorrect));
  const auto& buckets = LagBuckets();
  const size_t nb = buckets.size();
  // Per-chunk partials (a few dozen cells each), reduced in chunk order.
  std::vector<std::vector<RecallSums>> parts(f.chunks.size());
  ForEachChunk(f, o.threads, [&](size_t k, int) {
    const FactChunk& c = f.chunks[k];
    std::vector<RecallSums>& sums = parts[k];
    sums.resize(f.pairs.size() * nb);
    for (size_t i = 0; i < c.rows; ++i) {
      const int64_t d = c.delta[i];
      const size_t b = d < 3600                  ? 0
                       : d < kSecondsPerDay      ? 1
                       : d < 7 * kSecondsPerDay  ? 2
                       : d < 30 * kSecondsPerDay ? 3
                                                 : 4;
      sums[c.pair[i] * nb + b].AddRow(c, i);
    }
  });
  std::vector<RecallSums> sums(f.pairs.size() * nb);
  for (const auto& part : parts) {
    for (size_t i = 0; i < sums.size(); ++i) sums[i] += part[i];
  }
  ResultTable t;
  // Plain variables, not a structured binding: lambdas below capture them (clang 14).
  const auto pair_columns = AddPairKeyColumns(t);
  const size_t l = pair_columns.first, u = pair_columns.second;
  const size_t bc = t.AddColumn("lag_bucket", ValueType::kString,
                                "delta (time since last seen): <1h, 1h-1d, 1d-7d, 7d-30d, >30d; "
                                "lower bound inclusive");
  const size_t bi = t.AddColumn("bucket_index", ValueType::kInt64, "0..4, for ordering");
  const auto rc = AddRecallColumns(t);
  for (size_t p = 0; p < f.pairs.size(); ++p) {
    for (size_t b = 0; b < nb; ++b) {
      t.column(l).AppendString(f.pairs[p].learning);
      t.column(u).AppendString(f.pairs[p].ui);
      t.column(bc).AppendString(buckets[b].label);
      t.column(bi).AppendInt(static_cast<int64_t>(b));
      AppendRecall(t, rc, sums[p * nb + b]);
    }
  }
  t.note() = "Every pair lists all five buckets; empty buckets have null rates.";
  return t;
}

namespace {

// Recall sums per (learning language, lexeme): dense arrays, no hashing.
std::vector<RecallSums> WordSums(const FactTable& f) {
  const size_t nw = f.lexeme_ids.size();
  std::vector<RecallSums> sums(f.learning_languages.size() * nw);
  for (const auto& c : f.chunks) {
    for (size_t i = 0; i < c.rows; ++i) {
      sums[f.pair_learning[c.pair[i]] * nw + c.lexeme[i]].AddRow(c, i);
    }
  }
  return sums;
}

constexpr uint32_t kWordColumns = kLoadPair | kLoadLexeme | kLoadPRecall | kLoadSeen | kLoadCorrect;

}  // namespace

StatusOr<ResultTable> QueryHardestWords(const FactSnapshot& snapshot, const QueryOptions& o) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kWordColumns));
  if (!snapshot.words_loaded) return InternalError("hardest-words needs dim_words");
  const size_t nw = f.lexeme_ids.size();
  const auto sums = WordSums(f);
  ResultTable t;
  const size_t lc = t.AddColumn("learning_language", ValueType::kString,
                                "ISO 639-1 code of the language being learned");
  const size_t rk =
      t.AddColumn("rank", ValueType::kInt64, "1 = lowest recall_rate in the language");
  const size_t ic = t.AddColumn("lexeme_id", ValueType::kString, "dim_words key");
  const size_t sc =
      t.AddColumn("lexeme_string", ValueType::kString, "the lexeme tag (dim_words.lexeme_string)");
  const size_t pc = t.AddColumn("part_of_speech", ValueType::kString, "dim_words.part_of_speech");
  const auto rc = AddRecallColumns(t);
  for (size_t lang = 0; lang < f.learning_languages.size(); ++lang) {
    std::vector<uint32_t> words;
    for (uint32_t wid = 0; wid < nw; ++wid) {
      if (sums[lang * nw + wid].views >= std::max<int64_t>(1, o.min_views)) words.push_back(wid);
    }
    auto rate = [&](uint32_t wid) { return sums[lang * nw + wid].recall_rate(); };
    std::sort(words.begin(), words.end(), [&](uint32_t a, uint32_t b) {
      const double ra = rate(a), rb = rate(b);
      if (ra != rb) return ra < rb;
      const int64_t va = sums[lang * nw + a].views, vb = sums[lang * nw + b].views;
      if (va != vb) return va > vb;
      return f.lexeme_ids[a] < f.lexeme_ids[b];
    });
    if (words.size() > static_cast<size_t>(std::max(0, o.top))) words.resize(std::max(0, o.top));
    int64_t rank = 0;
    for (uint32_t wid : words) {
      t.column(lc).AppendString(f.learning_languages[lang]);
      t.column(rk).AppendInt(++rank);
      t.column(ic).AppendString(f.lexeme_ids[wid]);
      auto it = snapshot.words.find(f.lexeme_ids[wid]);
      if (it != snapshot.words.end()) {
        t.column(sc).AppendString(it->second.lexeme_string);
        t.column(pc).AppendOptionalString(
            it->second.part_of_speech ? std::optional<std::string_view>(*it->second.part_of_speech)
                                      : std::nullopt);
      } else {
        t.column(sc).AppendNull();
        t.column(pc).AppendNull();
      }
      AppendRecall(t, rc, sums[lang * nw + wid]);
    }
  }
  t.note() = fmt::format(
      "Per learning language, the {} words with the lowest recall_rate among words with at least "
      "{} views (ties: more views first, then lexeme_id).",
      o.top, o.min_views);
  return t;
}

StatusOr<ResultTable> QueryRecallByPos(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  WV_RETURN_IF_ERROR(RequireColumns(f, kWordColumns));
  if (!snapshot.words_loaded) return InternalError("recall-by-pos needs dim_words");
  const size_t nw = f.lexeme_ids.size();
  const auto sums = WordSums(f);
  // part of speech per dense lexeme id; "" = unknown (lexeme not in dim_words or no POS).
  struct PosSums {
    RecallSums sums;
    int64_t words = 0;
  };
  std::map<std::string, PosSums> by_pos;  // ordered: deterministic summation order
  PosSums unknown;
  for (uint32_t wid = 0; wid < nw; ++wid) {
    auto it = snapshot.words.find(f.lexeme_ids[wid]);
    const bool known = it != snapshot.words.end() && it->second.part_of_speech.has_value();
    PosSums& ps = known ? by_pos[*it->second.part_of_speech] : unknown;
    bool any = false;
    for (size_t lang = 0; lang < f.learning_languages.size(); ++lang) {
      const RecallSums& s = sums[lang * nw + wid];
      if (s.views == 0) continue;
      any = true;
      ps.sums += s;
    }
    ps.words += any;
  }
  ResultTable t;
  const size_t pc = t.AddColumn("part_of_speech", ValueType::kString,
                                "dim_words.part_of_speech (null: lexeme without one)");
  const size_t wc = t.AddColumn("words", ValueType::kInt64, "distinct lexeme_id viewed");
  const auto rc = AddRecallColumns(t);
  std::vector<std::pair<std::string, const PosSums*>> rows;
  for (const auto& [pos, s] : by_pos) rows.emplace_back(pos, &s);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second->sums.views > b.second->sums.views;
  });
  for (const auto& [pos, s] : rows) {
    t.column(pc).AppendString(pos);
    t.column(wc).AppendInt(s->words);
    AppendRecall(t, rc, s->sums);
  }
  if (unknown.sums.views > 0) {
    t.column(pc).AppendNull();
    t.column(wc).AppendInt(unknown.words);
    AppendRecall(t, rc, unknown.sums);
  }
  t.note() = "All learning languages pooled; ordered by views (ties by part of speech).";
  return t;
}

const std::vector<QueryDef>& AllQueries() {
  constexpr uint32_t kRetention = kLoadPair | kLoadDelta | kLoadPRecall | kLoadSeen | kLoadCorrect;
  constexpr uint32_t kTrends = kLoadPair | kLoadUser | kLoadEpoch | kLoadSeen | kLoadCorrect;
  static const std::vector<QueryDef> kQueries = {
      {"pairs", "language pairs (learning <- interface) with English names and views", kLoadPair,
       false, QueryPairs},
      {"pair-users", "distinct users per pair and their share of all users", kLoadPair | kLoadUser,
       false, QueryPairUsers},
      {"pair-views", "views, sessions and exercises per pair",
       kLoadPair | kLoadUser | kLoadEpoch | kLoadSeen, false, QueryPairViews},
      {"time-of-day", "views per pair and UTC hour, with the share of the pair",
       kLoadPair | kLoadEpoch, false, QueryTimeOfDay},
      {"time-of-day-test", "chi-square tests: does the hour distribution depend on the pair?",
       kLoadPair | kLoadEpoch, false, QueryTimeOfDayTest},
      {"retention-pairs",
       "recall rate (95% CI), mean p_recall, median lag, half-life per pair, best first",
       kRetention, false, QueryRetentionPairs},
      {"retention-ui",
       "the same retention measures per interface language, all learning languages pooled",
       kRetention, false, QueryRetentionUi},
      {"forgetting-curve", "recall rate per pair and lag bucket (<1h, 1h-1d, 1d-7d, 7d-30d, >30d)",
       kRetention, false, QueryForgettingCurve},
      {"hardest-words",
       "per learning language, the words with the lowest recall (--top, --min-views)", kWordColumns,
       true, QueryHardestWords},
      {"recall-by-pos", "recall rate per part of speech (dim_words)", kWordColumns, true,
       QueryRecallByPos},
      {"daily-trends", "per UTC day and pair: views, active users, exercises, recall rate", kTrends,
       false, QueryDailyTrends},
      {"daily-totals",
       "per UTC day, all pairs: views, active users, new users, exercises, recall rate", kTrends,
       false, QueryDailyTotals},
  };
  return kQueries;
}

const QueryDef* FindQuery(std::string_view name) {
  for (const auto& q : AllQueries()) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

StatusOr<ResultTable> RunQuery(const std::string& dir, const QueryDef& query,
                               const QueryOptions& options) {
  // WV_TIMING=1 prints where the time goes (for benchmarks).
  const bool timing = std::getenv("WV_TIMING") != nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  // One version of DIR, even while a run republishes it, verified against
  // its manifest (files, sizes, footer row counts) before anything is read.
  std::string note;
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::PublishedOutput> out,
                      run::OpenVerifiedOutput(dir, &note));
  if (!note.empty()) fmt::print(stderr, "wordviews: warning: {}\n", note);
  StatusOr<FactSnapshot> loaded =
      LoadFactSnapshot(out->root(), query.projection, query.needs_words, options.threads);
  if (!loaded.ok()) return out->Localize(loaded.status());
  FactSnapshot snapshot = std::move(loaded).value();
  snapshot.dir = dir;
  const auto t1 = std::chrono::steady_clock::now();
  auto result = query.run(snapshot, options);
  const auto t2 = std::chrono::steady_clock::now();
  if (timing) {
    fmt::print(stderr, "timing: {} load {:.3f} s, compute {:.3f} s\n", query.name,
               std::chrono::duration<double>(t1 - t0).count(),
               std::chrono::duration<double>(t2 - t1).count());
  }
  return result;
}

}  // namespace wv::analytics
