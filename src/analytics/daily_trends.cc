// The dashboard's per-day trends (daily-trends, daily-totals): views, active
// users, new users and recall per UTC day, from the fact rows alone.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "analytics/queries.h"
#include "core/civil_time.h"
#include "core/number_format.h"
#include "fmt/core.h"

namespace wv::analytics {
namespace {

constexpr uint32_t kTrendColumns = kLoadPair | kLoadUser | kLoadEpoch | kLoadSeen | kLoadCorrect;

// The UTC days the fact rows cover: [first, first + count).
struct DayRange {
  int64_t first = 0;
  int64_t count = 0;
};

DayRange FactDays(const FactTable& f) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (const FactChunk& c : f.chunks) {
    for (int64_t e : c.epoch) {
      const int64_t d = DaysFromEpochSeconds(e);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
  }
  if (lo > hi) return {};
  return {lo, hi - lo + 1};
}

// Distinct values of `keys` counted per `keys[i] / divisor` (a group index
// below `groups`): sorted, then counted where a key differs from the last.
std::vector<int64_t> DistinctPerGroup(std::vector<uint64_t> keys, uint64_t divisor, size_t groups) {
  std::sort(keys.begin(), keys.end());
  std::vector<int64_t> counts(groups, 0);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0 && keys[i] == keys[i - 1]) continue;
    ++counts[keys[i] / divisor];
  }
  return counts;
}

// Per (day, pair) cell, day-major: views, exercises, correct, and the
// distinct users; per day, the distinct users over all pairs and the users
// whose first view is that day.
struct DailyCounts {
  DayRange days;
  size_t pairs = 0;
  std::vector<int64_t> views, exercises, correct, users;  // [day * pairs + pair]
  std::vector<int64_t> day_users, new_users;              // [day]
};

StatusOr<DailyCounts> CountDaily(const FactTable& f) {
  DailyCounts d;
  d.days = FactDays(f);
  d.pairs = f.pairs.size();
  const uint64_t nu = std::max<uint64_t>(f.num_users, 1);
  const uint64_t cells = static_cast<uint64_t>(d.days.count) * d.pairs;
  if (cells != 0 && nu > std::numeric_limits<uint64_t>::max() / cells) {
    return InternalError("daily trends: days x pairs x users does not fit a 64-bit key");
  }
  d.views.assign(cells, 0);
  d.exercises.assign(cells, 0);
  d.correct.assign(cells, 0);
  d.new_users.assign(d.days.count, 0);
  std::vector<int64_t> first_day(f.num_users, std::numeric_limits<int64_t>::max());
  std::vector<uint64_t> cell_user, day_user;  // (cell, user) and (day, user) keys
  for (const FactChunk& c : f.chunks) {
    uint64_t last_key = std::numeric_limits<uint64_t>::max();
    for (size_t i = 0; i < c.rows; ++i) {
      const int64_t day = DaysFromEpochSeconds(c.epoch[i]) - d.days.first;
      const uint64_t cell = static_cast<uint64_t>(day) * d.pairs + c.pair[i];
      ++d.views[cell];
      d.exercises[cell] += c.seen[i];
      d.correct[cell] += c.correct[i];
      first_day[c.user[i]] = std::min(first_day[c.user[i]], day);
      // A session's rows are adjacent: repeats are skipped before the sort.
      const uint64_t key = cell * nu + c.user[i];
      if (key == last_key) continue;
      last_key = key;
      cell_user.push_back(key);
      day_user.push_back(static_cast<uint64_t>(day) * nu + c.user[i]);
    }
  }
  d.users = DistinctPerGroup(std::move(cell_user), nu, cells);
  d.day_users = DistinctPerGroup(std::move(day_user), nu, static_cast<size_t>(d.days.count));
  for (int64_t day : first_day) {
    if (day != std::numeric_limits<int64_t>::max()) ++d.new_users[day];
  }
  return d;
}

struct TrendColumns {
  size_t views, users, exercises, correct, recall;
};

TrendColumns AddTrendColumns(ResultTable& t, const char* users_description) {
  TrendColumns c;
  c.views = t.AddColumn("views", ValueType::kInt64, "fact rows (word views) of the day");
  c.users = t.AddColumn("active_users", ValueType::kInt64, users_description);
  c.exercises = t.AddColumn("exercises", ValueType::kInt64, "sum(session_seen)");
  c.correct = t.AddColumn("correct", ValueType::kInt64, "sum(session_correct)");
  c.recall = t.AddColumn(
      "recall_rate", ValueType::kDouble,
      "sum(session_correct) / sum(session_seen) of the day; null on a day without exercises");
  return c;
}

void AppendTrend(ResultTable& t, const TrendColumns& c, int64_t views, int64_t users,
                 int64_t exercises, int64_t correct) {
  t.column(c.views).AppendInt(views);
  t.column(c.users).AppendInt(users);
  t.column(c.exercises).AppendInt(exercises);
  t.column(c.correct).AppendInt(correct);
  t.column(c.recall).AppendOptionalDouble(
      exercises > 0 ? std::optional<double>(static_cast<double>(correct) / exercises)
                    : std::nullopt);
}

size_t AddDateColumn(ResultTable& t) {
  return t.AddColumn("date", ValueType::kString, "UTC day of epoch (YYYY-MM-DD)");
}

}  // namespace

StatusOr<ResultTable> QueryDailyTrends(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  if ((f.projection & kTrendColumns) != kTrendColumns)
    return InternalError("daily-trends run on a fact snapshot loaded without its columns");
  WV_ASSIGN_OR_RETURN(const DailyCounts d, CountDaily(f));
  ResultTable t;
  const size_t date = AddDateColumn(t);
  const size_t l = t.AddColumn("learning_language", ValueType::kString,
                               "ISO 639-1 code of the language being learned");
  const size_t u = t.AddColumn("ui_language", ValueType::kString,
                               "ISO 639-1 code of the app's interface language");
  const TrendColumns c = AddTrendColumns(t, "distinct user_id with views in the pair that day");
  for (int64_t day = 0; day < d.days.count; ++day) {
    for (size_t p = 0; p < d.pairs; ++p) {
      const size_t cell = static_cast<size_t>(day) * d.pairs + p;
      if (d.views[cell] == 0) continue;
      t.column(date).AppendString(DateString(d.days.first + day));
      t.column(l).AppendString(f.pairs[p].learning);
      t.column(u).AppendString(f.pairs[p].ui);
      AppendTrend(t, c, d.views[cell], d.users[cell], d.exercises[cell], d.correct[cell]);
    }
  }
  t.note() =
      "One row per UTC day and pair with views, ordered by day, then learning and interface "
      "language.";
  return t;
}

StatusOr<ResultTable> QueryDailyTotals(const FactSnapshot& snapshot, const QueryOptions&) {
  const FactTable& f = snapshot.facts;
  if ((f.projection & kTrendColumns) != kTrendColumns)
    return InternalError("daily-totals run on a fact snapshot loaded without its columns");
  WV_ASSIGN_OR_RETURN(const DailyCounts d, CountDaily(f));
  ResultTable t;
  const size_t date = AddDateColumn(t);
  const TrendColumns c = AddTrendColumns(t, "distinct user_id with views that day (any pair)");
  const size_t fresh = t.AddColumn("new_users", ValueType::kInt64,
                                   "users whose first view in the fact table is that day");
  int64_t total_views = 0, total_new = 0;
  for (int64_t day = 0; day < d.days.count; ++day) {
    int64_t views = 0, exercises = 0, correct = 0;
    for (size_t p = 0; p < d.pairs; ++p) {
      const size_t cell = static_cast<size_t>(day) * d.pairs + p;
      views += d.views[cell];
      exercises += d.exercises[cell];
      correct += d.correct[cell];
    }
    t.column(date).AppendString(DateString(d.days.first + day));
    AppendTrend(t, c, views, d.day_users[day], exercises, correct);
    t.column(fresh).AppendInt(d.new_users[day]);
    total_views += views;
    total_new += d.new_users[day];
  }
  std::vector<TotalCell> totals(t.columns().size());
  totals[0].text = "total";
  totals[c.views].text = Thousands(total_views);
  totals[fresh].text = Thousands(total_new);
  t.totals() = std::move(totals);
  t.note() =
      "Every UTC day from the first to the last with views, a day without any shown as 0 (a "
      "missing day is visible).";
  return t;
}

}  // namespace wv::analytics
