#include "report/dashboard_section.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/civil_time.h"
#include "core/number_format.h"
#include "fmt/core.h"
#include "report/html.h"

namespace wv::report {

using analytics::ResultTable;

namespace {

const analytics::ResultColumn& Column(const ResultTable& t, std::string_view name) {
  const int i = t.ColumnIndex(name);
  // Written against the queries' own column names: a miss is a bug.
  if (i < 0) throw std::logic_error(fmt::format("dashboard: no column {}", name));
  return t.column(static_cast<size_t>(i));
}

std::optional<double> Number(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Column(t, name);
  if (c.is_null(row)) return std::nullopt;
  return c.type == analytics::ValueType::kInt64 ? static_cast<double>(c.ints[row]) : c.doubles[row];
}

std::string Text(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Column(t, name);
  return c.is_null(row) ? "" : c.strings[row];
}

// ---- freshness -------------------------------------------------------------

std::string Field(std::string_view field, std::string_view term, std::string_view html) {
  return fmt::format("<dt>{}</dt><dd data-field=\"{}\">{}</dd>\n", term, field, html);
}

std::string ChecksText(const run::Manifest* m) {
  if (m == nullptr) return "no manifest: no checks recorded";
  const size_t passed = static_cast<size_t>(
      std::count_if(m->checks.begin(), m->checks.end(), [](const auto& c) { return c.passed; }));
  return fmt::format("{} of {} passed", passed, m->checks.size());
}

std::string FreshnessList(const DashboardInput& in) {
  if (!in.freshness.ok()) {
    return Answer(
        fmt::format("Freshness unknown: {}.", EscapeHtml(in.freshness.status().message())));
  }
  const run::Freshness& f = *in.freshness;
  const int64_t age = in.now_epoch - f.batch_epoch;
  // A batch time after the report's clock (skew, or WV_NOW set before it) is said as such.
  const std::string age_text = age >= 0 ? fmt::format("{} old", run::AgeText(age))
                                        : fmt::format("{} ahead of the clock", run::AgeText(-age));
  std::string s = Answer(fmt::format(
      "Newest batch <strong>{}</strong> at <strong>{}</strong>, {} when this report was "
      "written ({}): {} rows accepted, {} rejected; quality checks {}.",
      EscapeHtml(f.batch_id), EscapeHtml(f.batch_time), EscapeHtml(age_text),
      EscapeHtml(IsoDateTimeString(in.now_epoch)), Thousands(f.accepted_rows),
      Thousands(f.rejected_rows), EscapeHtml(ChecksText(in.manifest))));
  s += "<dl id=\"freshness\" class=\"freshness\">\n";
  s += Field("batch", "Newest batch", EscapeHtml(f.batch_id));
  s += Field("batch_time", "Its time (UTC)", EscapeHtml(f.batch_time));
  s += Field("age", "Age at writing", EscapeHtml(run::AgeText(age)));
  s += Field("batches", "Batches in the output", Thousands(f.batches));
  s += Field("input", "Rows read", Thousands(f.input_rows));
  s += Field("accepted", "Rows accepted", Thousands(f.accepted_rows));
  s += Field("rejected", "Rows rejected", Thousands(f.rejected_rows));
  s += Field("checks", "Quality checks", EscapeHtml(ChecksText(in.manifest)));
  s += "</dl>\n";
  return s;
}

// ---- trends ----------------------------------------------------------------

// The charts and the table show the most recent days only: a dashboard's
// trend, and a bounded page even when the data spans decades.
constexpr size_t kMaxDays = 60;

// The days of daily-totals (every day of the range; the last kMaxDays) as the
// charts' x axis.
struct DayAxis {
  size_t first_row = 0;            // the totals row of days[0]
  size_t total_days = 0;           // in the whole range
  std::vector<std::string> days;   // YYYY-MM-DD
  std::vector<std::string> ticks;  // MM-DD
  std::map<std::string, size_t> index;
};

DayAxis MakeDayAxis(const ResultTable& totals) {
  DayAxis a;
  a.total_days = totals.num_rows();
  a.first_row = a.total_days > kMaxDays ? a.total_days - kMaxDays : 0;
  for (size_t r = a.first_row; r < totals.num_rows(); ++r) {
    const std::string day = Text(totals, "date", r);
    a.index[day] = a.days.size();
    a.days.push_back(day);
    a.ticks.push_back(day.size() == 10 ? day.substr(5) : day);
  }
  return a;
}

std::string AxisTitle(const DayAxis& a) {
  return fmt::format("UTC day, {} to {}", a.days.front(), a.days.back());
}

// "es←en: 1,234 views; fr←en: ..." for the last day, largest first (the
// chart's <desc>, for screen readers).
std::string LastDayDescription(const TrendChart& c) {
  std::vector<std::pair<double, std::string>> last;
  for (size_t k = 0; k < c.series.size(); ++k) {
    if (!c.series[k].empty() && c.series[k].back()) {
      last.emplace_back(*c.series[k].back(), c.series_names[k]);
    }
  }
  std::sort(last.begin(), last.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string s =
      fmt::format("{} line(s) over {} day(s), {} to {}. On {}:", c.series.size(), c.x_labels.size(),
                  c.x_labels.front(), c.x_labels.back(), c.x_labels.back());
  for (size_t i = 0; i < last.size() && i < 4; ++i) {
    s += fmt::format("{} {} {}", i == 0 ? "" : ";", last[i].second,
                     c.percent ? Percent(last[i].first, 1)
                               : Thousands(static_cast<int64_t>(last[i].first)) + " " + c.unit);
  }
  if (last.empty()) s += " no value";
  return s + ".";
}

// One series per pair of daily-trends' `column`, 0 on days the pair has no
// row (no views that day), pairs ordered by their total, largest first.
TrendChart PerPairChart(const ResultTable& trends, const DayAxis& axis, std::string_view column) {
  std::map<std::string, std::vector<std::optional<double>>> by_pair;
  for (size_t r = 0; r < trends.num_rows(); ++r) {
    const std::string pair =
        Text(trends, "learning_language", r) + "\u2190" + Text(trends, "ui_language", r);
    const auto day = axis.index.find(Text(trends, "date", r));
    if (day == axis.index.end()) continue;  // before the days shown
    auto [it, added] = by_pair.try_emplace(pair, axis.days.size(), 0.0);
    it->second[day->second] = Number(trends, column, r);
  }
  std::vector<std::pair<std::string, std::vector<std::optional<double>>>> pairs(by_pair.begin(),
                                                                                by_pair.end());
  auto total = [](const std::vector<std::optional<double>>& v) {
    double t = 0;
    for (const auto& x : v) t += x.value_or(0);
    return t;
  };
  std::stable_sort(pairs.begin(), pairs.end(),
                   [&](const auto& a, const auto& b) { return total(a.second) > total(b.second); });
  TrendChart c;
  c.x_labels = axis.days;
  c.x_ticks = axis.ticks;
  c.x_title = AxisTitle(axis);
  for (auto& [name, values] : pairs) {
    c.series_names.push_back(name);
    c.series.push_back(std::move(values));
  }
  return c;
}

TrendChart TotalsChart(const ResultTable& totals, const DayAxis& axis, std::string_view column) {
  TrendChart c;
  c.x_labels = axis.days;
  c.x_ticks = axis.ticks;
  c.x_title = AxisTitle(axis);
  c.series_names.push_back("all pairs");
  c.series.emplace_back();
  for (size_t r = axis.first_row; r < totals.num_rows(); ++r) {
    c.series[0].push_back(Number(totals, column, r));
  }
  return c;
}

std::string Chart(TrendChart c, std::string id, std::string title, std::string y_title,
                  std::string unit, bool percent = false) {
  c.id = std::move(id);
  c.title = std::move(title);
  c.y_title = std::move(y_title);
  c.unit = std::move(unit);
  c.percent = percent;
  c.description = LastDayDescription(c);
  return RenderTrendChart(c);
}

std::string TotalsTable(const ResultTable& totals, const DayAxis& axis) {
  std::string s =
      "\n<thead><tr><th>date</th><th>views</th><th>active_users</th><th>new_users</th>"
      "<th>exercises</th><th>recall_rate</th></tr></thead>\n<tbody>\n";
  for (size_t r = axis.first_row; r < totals.num_rows(); ++r) {
    const auto recall = Number(totals, "recall_rate", r);
    s += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        EscapeHtml(Text(totals, "date", r)), Thousands(Column(totals, "views").ints[r]),
        Thousands(Column(totals, "active_users").ints[r]),
        Thousands(Column(totals, "new_users").ints[r]),
        Thousands(Column(totals, "exercises").ints[r]), recall ? Percent(*recall, 2) : "n/a");
  }
  return TableWrap("id=\"daily-totals\"", s + "</tbody>");
}

std::string Trends(const ResultTable& trends, const ResultTable& totals) {
  if (totals.num_rows() == 0) return Answer("No fact rows: no trend to draw.");
  const DayAxis axis = MakeDayAxis(totals);
  std::string s = "<div class=\"charts\">\n";
  s += Chart(PerPairChart(trends, axis, "views"), "trend-views", "Word views per pair per day",
             "word views", "views");
  s += Chart(PerPairChart(trends, axis, "active_users"), "trend-users",
             "Active users per pair per day", "distinct users", "users");
  s += Chart(TotalsChart(totals, axis, "new_users"), "trend-new-users", "New users per day",
             "users seen for the first time", "new users");
  s += Chart(TotalsChart(totals, axis, "recall_rate"), "trend-recall",
             "Recall rate per day (all pairs)", "recall rate", "", /*percent=*/true);
  s += "</div>\n<h3>Per day, all pairs</h3>\n" + TotalsTable(totals, axis);
  if (axis.first_row > 0) {
    s += fmt::format(
        "<p class=\"muted\">The last {} of {} days; every day: <code>wordviews query DIR "
        "daily-totals</code>.</p>\n",
        axis.days.size(), axis.total_days);
  }
  s +=
      "<p class=\"muted\">Days are UTC days of <code>epoch</code>. Active users: distinct "
      "<code>user_id</code> with a view that day; new users: those whose first view in the "
      "output is that day. Recall rate: &Sigma; session_correct / &Sigma; session_seen. The same "
      "numbers: <code>wordviews query DIR daily-trends</code> and <code>daily-totals</code>.</p>\n";
  return s;
}

}  // namespace

std::string DashboardSection(const DashboardInput& input) {
  return FreshnessList(input) + Trends(*input.daily_trends, *input.daily_totals);
}

}  // namespace wv::report
