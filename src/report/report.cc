#include "report/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>

#include "analytics/fact_snapshot.h"
#include "analytics/queries.h"
#include "core/civil_time.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "hlr/output.h"
#include "io/atomic_file.h"
#include "report/dashboard_section.h"
#include "report/dictionary_section.h"
#include "report/html.h"
#include "report/quality_section.h"
#include "run/freshness.h"
#include "run/output_listing.h"
#include "run/published_output.h"

namespace wv::report {

using analytics::FactSnapshot;
using analytics::ResultTable;
using analytics::ValueType;

namespace {

// ---- reading result tables by column name --------------------------------

const analytics::ResultColumn& Col(const ResultTable& t, std::string_view name) {
  const int i = t.ColumnIndex(name);
  // The report is written against the queries' own column names: a miss is a bug.
  if (i < 0) throw std::logic_error(fmt::format("report: no column {}", name));
  return t.column(static_cast<size_t>(i));
}
std::string Str(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  return c.is_null(row) ? "" : c.strings[row];
}
int64_t Int(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  return c.is_null(row) ? 0 : c.ints[row];
}
std::optional<double> Dbl(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  if (c.is_null(row)) return std::nullopt;
  return c.doubles[row];
}

std::string PairLabel(const ResultTable& t, size_t row) {
  return Str(t, "learning_language", row) + "\u2190" + Str(t, "ui_language", row);
}

// "Spanish; Castilian" -> "Spanish": the reference's full names are long.
std::string ShortName(const std::string& name) { return name.substr(0, name.find(';')); }

std::string PairPhrase(const analytics::FactSnapshot& snapshot, const std::string& learning,
                       const std::string& ui) {
  const auto ln = snapshot.LanguageName(learning), un = snapshot.LanguageName(ui);
  return fmt::format("{} learned from {} ({}\u2190{})", ShortName(ln.value_or(learning)),
                     ShortName(un.value_or(ui)), learning, ui);
}

std::string DaysText(std::optional<double> d) {
  if (!d) return "n/a";
  if (*d < 1) return fmt::format("{:.1f} hours", *d * 24);
  return fmt::format("{:.1f} days", *d);
}

std::string PValueText(std::optional<double> p) {
  if (!p) return "n/a";
  if (*p < 1e-300) return "p &lt; 1e-300";
  if (*p < 0.001) return fmt::format("p = {:.1e}", *p);
  return fmt::format("p = {:.3f}", *p);
}

const char* EffectWord(double v) {
  // Cohen's conventional thresholds for Cramér's V.
  if (v < 0.1) return "negligible";
  if (v < 0.3) return "small";
  if (v < 0.5) return "medium";
  return "large";
}

// ---- HTML pieces ---------------------------------------------------------

// A result table as HTML, with people's formatting, every cell escaped.
std::string HtmlTable(const ResultTable& t, const std::vector<std::string>& columns,
                      size_t max_rows = SIZE_MAX) {
  std::vector<size_t> idx;
  for (const auto& name : columns) {
    const int i = t.ColumnIndex(name);
    if (i >= 0) idx.push_back(static_cast<size_t>(i));
  }
  std::string s = "\n<thead><tr>";
  for (size_t i : idx) {
    s += fmt::format("<th title=\"{}\">{}</th>", EscapeHtml(t.column(i).description),
                     EscapeHtml(t.column(i).name));
  }
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < std::min(max_rows, t.num_rows()); ++r) {
    s += "<tr>";
    for (size_t i : idx) {
      const auto& c = t.column(i);
      s += fmt::format("<td{}>{}</td>", c.type == ValueType::kString ? "" : " class=\"num\"",
                       EscapeHtml(analytics::CellDisplay(c, r)));
    }
    s += "</tr>\n";
  }
  s += "</tbody>";
  return TableWrap("", s);
}

std::string Section(std::string_view id, std::string_view title, std::string_view body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, title, body);
}

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       background: #fafafa; margin: 0; line-height: 1.45; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 64px; background: #fff;
       box-shadow: 0 0 12px rgba(0,0,0,.06); }
header h1 { margin: 0 0 4px; font-size: 28px; }
.meta { color: #555; margin: 0 0 12px; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 20px; }
nav a { color: #0b57a4; text-decoration: none; }
dl.freshness { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 14px; }
dl.freshness dt { color: #555; }
dl.freshness dd { margin: 0; font-variant-numeric: tabular-nums; }
@media (max-width: 640px) { main { padding: 12px 10px 40px; } nav ol { columns: 1; } }
section { border-top: 1px solid #e5e5e5; margin-top: 28px; padding-top: 8px; }
h2 { font-size: 21px; margin: 12px 0 8px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.answer { background: #eef5fc; border-left: 4px solid #0072B2; padding: 10px 14px; margin: 8px 0 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
svg.chart { max-width: 100%; height: auto; background: #fff; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #e8e8e8; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.pass td:first-child::before { content: "\2714  "; color: #1b7f3b; }
tr.fail td:first-child::before { content: "\2718  "; color: #b3261e; }
tr.fail { background: #fdecea; }
tr.warn td:first-child::before { content: "\26A0  "; color: #8a5a00; }
tr.warn { background: #fff6dd; }
.bad { color: #b3261e; }
.warning { color: #8a5a00; }
.muted { color: #777; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
footer { color: #777; font-size: 12px; margin-top: 36px; }
)css";

// ---- the data ------------------------------------------------------------

// What the report shows: the fact snapshot and every query's result.
// Thread-compatible.
struct ReportData {
  // The one version of DIR every read goes through (tables, manifest,
  // dictionary), held until the report is rendered.
  std::unique_ptr<run::PublishedOutput> out;
  FactSnapshot snapshot;
  analytics::QueryOptions options;
  ResultTable retention_pairs, retention_ui, forgetting_curve, pair_users, pair_views, time_of_day,
      time_of_day_test, hardest_words, recall_by_pos, daily_trends, daily_totals;
  // The model's half-lives (report --hlr DIR), when asked for.
  std::optional<hlr::HlrOutputSummary> model;
};

// Loads the snapshot once (the union of every query's projection) and runs
// the queries on it.
StatusOr<ReportData> LoadReportData(const std::string& dir, const ReportOptions& options) {
  using namespace analytics;
  uint32_t projection = 0;
  for (const auto& q : AllQueries()) projection |= q.projection;
  ReportData d;
  // Verified against its manifest (files, sizes, footer row counts) before
  // anything is read: the report must not present a damaged output.
  std::string note;
  WV_ASSIGN_OR_RETURN(d.out, run::OpenVerifiedOutput(dir, &note));
  if (!note.empty()) fmt::print(stderr, "wordviews: warning: {}\n", note);
  StatusOr<FactSnapshot> loaded =
      LoadFactSnapshot(d.out->root(), projection, /*load_words=*/true, options.threads);
  if (!loaded.ok()) return d.out->Localize(loaded.status());
  d.snapshot = std::move(loaded).value();
  d.snapshot.dir = dir;
  d.options.threads = options.threads;
  QueryOptions words_options = d.options;
  words_options.top = 5;  // per language: a readable table
  using Query = StatusOr<ResultTable> (*)(const FactSnapshot&, const QueryOptions&);
  struct Job {
    Query query;
    const QueryOptions* options;
    ResultTable* result;
  };
  // The heaviest (the retention fits) first, so that they start at once.
  const std::array<Job, 11> jobs = {{
      {QueryRetentionPairs, &d.options, &d.retention_pairs},
      {QueryRetentionUi, &d.options, &d.retention_ui},
      {QueryForgettingCurve, &d.options, &d.forgetting_curve},
      {QueryPairUsers, &d.options, &d.pair_users},
      {QueryPairViews, &d.options, &d.pair_views},
      {QueryTimeOfDay, &d.options, &d.time_of_day},
      {QueryTimeOfDayTest, &d.options, &d.time_of_day_test},
      {QueryHardestWords, &words_options, &d.hardest_words},
      {QueryRecallByPos, &d.options, &d.recall_by_pos},
      {QueryDailyTrends, &d.options, &d.daily_trends},
      {QueryDailyTotals, &d.options, &d.daily_totals},
  }};
  // The queries are independent reads of the snapshot, each writing its own
  // result and status: two at a time (each query also uses `threads` inside).
  std::array<Status, jobs.size()> statuses;
  ParallelFor(jobs.size(), options.threads > 1 ? 2 : 1, [&](size_t i, int) {
    StatusOr<ResultTable> result = jobs[i].query(d.snapshot, *jobs[i].options);
    if (result.ok()) {
      *jobs[i].result = std::move(result).value();
    } else {
      statuses[i] = result.status();
    }
  });
  for (const Status& s : statuses) WV_RETURN_IF_ERROR(s);
  if (!options.hlr_dir.empty()) {
    WV_ASSIGN_OR_RETURN(d.model, hlr::ReadOutputSummary(options.hlr_dir));
  }
  return d;
}

// "2013-02-28 to 2013-03-14 (UTC)": the days the fact rows cover.
std::string PeriodText(const analytics::FactTable& f) {
  if (f.num_rows == 0) return "no data";
  int64_t min_epoch = INT64_MAX, max_epoch = INT64_MIN;
  for (const auto& c : f.chunks) {
    for (int64_t e : c.epoch) {
      min_epoch = std::min(min_epoch, e);
      max_epoch = std::max(max_epoch, e);
    }
  }
  return fmt::format("{} to {} (UTC)", DateString(DaysFromEpochSeconds(min_epoch)),
                     DateString(DaysFromEpochSeconds(max_epoch)));
}

// ---- the page around the sections -----------------------------------------

std::string DocumentHead() {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>wordviews report</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<main>\n";
  return html;
}

std::string PageHeader(const std::string& dir, const analytics::FactTable& f) {
  std::string html = "<header>\n<h1>Word views: what the learning traces say</h1>\n";
  html += fmt::format(
      "<p class=\"meta\">Star schema in <code>{}</code>: {} word views by {} users in {} language "
      "pairs, {}. Pairs are written learning\u2190interface (es\u2190en: Spanish learned by users "
      "of "
      "the English interface).</p>\n",
      EscapeHtml(dir), Thousands(f.num_rows), Thousands(static_cast<int64_t>(f.num_users)),
      f.pairs.size(), PeriodText(f));
  html +=
      "<nav><ol>\n"
      "<li><a href=\"#dashboard\">Today: freshness and trends</a></li>\n"
      "<li><a href=\"#q-common\">Which language pairs are most common?</a></li>\n"
      "<li><a href=\"#q-activity\">Which pair has the most activity?</a></li>\n"
      "<li><a href=\"#q-time\">Do pairs correlate with time of day?</a></li>\n"
      "<li><a href=\"#q-retention-pairs\">Which pair retains words best?</a></li>\n"
      "<li><a href=\"#q-retention-ui\">Which interface language retains words best?</a></li>\n"
      "<li><a href=\"#words\">Hardest words and parts of speech</a></li>\n"
      "<li><a href=\"#quality\">Quality checks</a></li>\n"
      "<li><a href=\"#dictionary\">Data dictionary</a></li>\n"
      "</ol></nav>\n</header>\n";
  return html;
}

std::string Footer(const std::string& dir) {
  return fmt::format(
      "<footer>Written by wordviews {} from the Parquet files in <code>{}</code>. Self-contained: "
      "no "
      "script, no external resource.</footer>\n</main>\n</body>\n</html>\n",
      WV_VERSION, EscapeHtml(dir));
}

// Recall rate and its 95% Wilson interval, one dot per row of a retention
// result, labelled by `labels` (one per row).
std::string RecallIntervalChart(std::string title, const ResultTable& t,
                                std::vector<std::string> labels) {
  IntervalChart ic;
  ic.title = std::move(title);
  ic.labels = std::move(labels);
  for (size_t r = 0; r < t.num_rows(); ++r) {
    ic.values.push_back(Dbl(t, "recall_rate", r).value_or(0));
    ic.lows.push_back(Dbl(t, "ci_low", r).value_or(0));
    ic.highs.push_back(Dbl(t, "ci_high", r).value_or(0));
  }
  return RenderIntervalChart(ic);
}

// One line per pair over the lag buckets of forgetting-curve.
std::string ForgettingCurveChart(const ResultTable& curve) {
  LineChart lc;
  lc.title = "Forgetting curves: recall rate by time since last seen";
  lc.y_label = "time since the word was last seen (delta)";
  for (const auto& b : analytics::LagBuckets()) lc.x_labels.push_back(b.label);
  const size_t nb = analytics::LagBuckets().size();
  for (size_t r = 0; r < curve.num_rows(); ++r) {
    if (Int(curve, "bucket_index", r) == 0) {
      lc.series_names.push_back(PairLabel(curve, r));
      lc.series.emplace_back(nb);
    }
    lc.series.back()[Int(curve, "bucket_index", r)] = Dbl(curve, "recall_rate", r);
  }
  return RenderLineChart(lc);
}

// ---- the research questions, one section each ------------------------------

// 1. Most common pairs (by users).
std::string CommonPairsSection(const FactSnapshot& snapshot, const ResultTable& users) {
  std::string body;
  const size_t n = users.num_rows();
  std::string sentence =
      fmt::format("The most common pair is <strong>{}</strong>: {} users, {} of all {} users.",
                  EscapeHtml(PairPhrase(snapshot, Str(users, "learning_language", 0),
                                        Str(users, "ui_language", 0))),
                  Thousands(Int(users, "users", 0)), Percent(Dbl(users, "share", 0).value_or(NAN)),
                  Thousands(static_cast<int64_t>(snapshot.facts.num_users)));
  if (n > 1) {
    sentence += fmt::format(
        " Next: {} ({} users){}. {} pairs in all; a user taking several courses counts in "
        "each.",
        EscapeHtml(
            PairPhrase(snapshot, Str(users, "learning_language", 1), Str(users, "ui_language", 1))),
        Thousands(Int(users, "users", 1)),
        n > 2 ? fmt::format(" and {} ({} users)",
                            EscapeHtml(PairPhrase(snapshot, Str(users, "learning_language", 2),
                                                  Str(users, "ui_language", 2))),
                            Thousands(Int(users, "users", 2)))
              : "",
        n);
  }
  body += Answer(sentence);
  BarChart uc{"Distinct users per pair", {}, {}, {}};
  for (size_t r = 0; r < n; ++r) {
    uc.labels.push_back(PairLabel(users, r));
    uc.values.push_back(static_cast<double>(Int(users, "users", r)));
    uc.value_texts.push_back(fmt::format("{} ({})", Thousands(Int(users, "users", r)),
                                         Percent(Dbl(users, "share", r).value_or(NAN))));
  }
  body += "<div class=\"charts\">" + RenderBarChart(uc) + "</div>\n";
  return Section("q-common", "1. Which language pairs are most common?", body);
}

// 2. Activity.
std::string ActivitySection(const FactSnapshot& snapshot, const ResultTable& views) {
  std::string body;
  body += Answer(fmt::format(
      "<strong>{}</strong> has the most activity: {} word views ({} of all), {} sessions and "
      "{} exercises.",
      EscapeHtml(
          PairPhrase(snapshot, Str(views, "learning_language", 0), Str(views, "ui_language", 0))),
      Thousands(Int(views, "views", 0)), Percent(Dbl(views, "share_of_views", 0).value_or(NAN)),
      Thousands(Int(views, "sessions", 0)), Thousands(Int(views, "exercises", 0))));
  BarChart vc{"Word views per pair", {}, {}, {}};
  BarChart sc{"Sessions per pair", {}, {}, {}};
  for (size_t r = 0; r < views.num_rows(); ++r) {
    vc.labels.push_back(PairLabel(views, r));
    vc.values.push_back(static_cast<double>(Int(views, "views", r)));
    vc.value_texts.push_back(Thousands(Int(views, "views", r)));
    sc.labels.push_back(PairLabel(views, r));
    sc.values.push_back(static_cast<double>(Int(views, "sessions", r)));
    sc.value_texts.push_back(Thousands(Int(views, "sessions", r)));
  }
  body += "<div class=\"charts\">" + RenderBarChart(vc) + RenderBarChart(sc) + "</div>\n";
  body += HtmlTable(views, {"learning_language", "ui_language", "views", "sessions", "exercises",
                            "share_of_views"});
  return Section("q-activity", "2. Which pair has the most activity?", body);
}

// 3. Time of day.
std::string HourHeatmap(const ResultTable& hours);

std::string TimeOfDaySection(const ResultTable& hours, const ResultTable& hour_test) {
  std::string body;
  const size_t overall = hour_test.num_rows() - 1;
  const auto chi2 = Dbl(hour_test, "chi2", overall);
  const auto p = Dbl(hour_test, "p_value", overall);
  const auto v = Dbl(hour_test, "cramers_v", overall);
  std::string sentence;
  if (p && v) {
    const bool significant = *p < 0.05;
    sentence = fmt::format(
        "{}: the hour-of-day distribution {} the pair (chi-square test of independence, "
        "&chi;&sup2; = {:.1f}, dof = {}, {}; Cram&eacute;r's V = {:.3f}, a {} effect).",
        significant ? "Yes" : "No evidence",
        significant ? "depends on" : "does not detectably depend on", chi2.value_or(0),
        Int(hour_test, "dof", overall), PValueText(p), *v, EffectWord(*v));
  } else {
    sentence = "Not testable: a single pair or a single hour in the data.";
  }
  sentence += fmt::format(" Overall peak: {:02}:00 UTC.", Int(hour_test, "peak_hour", overall));
  // The pair that differs most from the overall hour profile.
  size_t most = 0;
  for (size_t r = 0; r < overall; ++r) {
    if (Dbl(hour_test, "cramers_v", r).value_or(0) > Dbl(hour_test, "cramers_v", most).value_or(0))
      most = r;
  }
  if (overall > 0 && Dbl(hour_test, "cramers_v", most)) {
    sentence += fmt::format(
        " The pair whose hours differ most from the rest is {} (peak {:02}:00 UTC, V = "
        "{:.3f}).",
        EscapeHtml(PairLabel(hour_test, most)), Int(hour_test, "peak_hour", most),
        *Dbl(hour_test, "cramers_v", most));
  }
  body += Answer(sentence);
  body += "<div class=\"charts\">" + HourHeatmap(hours) + "</div>\n";
  body += HtmlTable(hour_test, {"scope", "learning_language", "ui_language", "views", "chi2", "dof",
                                "p_value", "cramers_v", "peak_hour", "peak_hour_share"});
  body +=
      "<p class=\"muted\">Per pair: goodness of fit of the pair's hour distribution against "
      "all "
      "pairs' (the per-pair &chi;&sup2; add up to the overall test). With millions of views, "
      "even small differences are significant: read the effect size.</p>\n";
  return Section("q-time", "3. Do pairs correlate with time of day?", body);
}

// Each pair's share of views by UTC hour, shaded relative to the largest share.
std::string HourHeatmap(const ResultTable& hours) {
  Heatmap hm;
  hm.title = "Share of each pair's views by UTC hour";
  for (int h = 0; h < 24; ++h) hm.column_labels.push_back(fmt::format("{:02}", h));
  double max_share = 0;
  for (size_t r = 0; r < hours.num_rows(); ++r)
    max_share = std::max(max_share, Dbl(hours, "share_of_pair", r).value_or(0));
  for (size_t r = 0; r < hours.num_rows(); ++r) {
    const int64_t h = Int(hours, "hour", r);
    if (h == 0) {
      hm.row_labels.push_back(PairLabel(hours, r));
      hm.values.emplace_back(24, 0.0);
      hm.tooltips.emplace_back(24, "");
    }
    const double share = Dbl(hours, "share_of_pair", r).value_or(0);
    hm.values.back()[h] = max_share > 0 ? share / max_share : 0;
    hm.tooltips.back()[h] = fmt::format("{} {:02}:00 UTC: {} views ({})", PairLabel(hours, r), h,
                                        Thousands(Int(hours, "views", r)), Percent(share));
  }
  return RenderHeatmap(hm);
}

// 4. Retention per pair.
std::string RetentionPairsSection(const FactSnapshot& snapshot, const ResultTable& ret_pairs,
                                  const ResultTable& curve) {
  std::string body;
  const size_t last = ret_pairs.num_rows() - 1;
  auto ci_text = [](const ResultTable& t, size_t r) {
    return fmt::format("{} (95% CI {}&ndash;{})",
                       Percent(Dbl(t, "recall_rate", r).value_or(NAN), 2),
                       Percent(Dbl(t, "ci_low", r).value_or(NAN), 2),
                       Percent(Dbl(t, "ci_high", r).value_or(NAN), 2));
  };
  std::string sentence = fmt::format(
      "<strong>{}</strong> retains words best: recall {} over {} exercises, estimated "
      "half-life "
      "{}.",
      EscapeHtml(PairPhrase(snapshot, Str(ret_pairs, "learning_language", 0),
                            Str(ret_pairs, "ui_language", 0))),
      ci_text(ret_pairs, 0), Thousands(Int(ret_pairs, "exercises", 0)),
      DaysText(Dbl(ret_pairs, "half_life_days", 0)));
  if (last > 0) {
    sentence +=
        fmt::format(" Lowest: {} with {}, half-life {}.",
                    EscapeHtml(PairPhrase(snapshot, Str(ret_pairs, "learning_language", last),
                                          Str(ret_pairs, "ui_language", last))),
                    ci_text(ret_pairs, last), DaysText(Dbl(ret_pairs, "half_life_days", last)));
    const bool overlap =
        Dbl(ret_pairs, "ci_low", 0).value_or(0) <= Dbl(ret_pairs, "ci_high", 1).value_or(0);
    sentence += overlap ? " The best two pairs' intervals overlap: their order is not certain."
                        : " The best pair's interval does not overlap the runner-up's.";
  }
  body += Answer(sentence);
  std::vector<std::string> labels;
  for (size_t r = 0; r < ret_pairs.num_rows(); ++r) labels.push_back(PairLabel(ret_pairs, r));
  body += "<div class=\"charts\">" +
          RecallIntervalChart("Recall rate per pair with 95% Wilson intervals", ret_pairs,
                              std::move(labels)) +
          ForgettingCurveChart(curve) + "</div>\n";
  body += HtmlTable(
      ret_pairs, {"rank", "learning_language", "ui_language", "views", "exercises", "recall_rate",
                  "ci_low", "ci_high", "mean_p_recall", "median_lag_days", "half_life_days"});
  body +=
      "<p class=\"muted\">recall_rate = &Sigma; session_correct / &Sigma; session_seen. "
      "Half-life: maximum-likelihood h of p = 2<sup>&minus;&Delta;/h</sup> (&Delta; in days) "
      "with binomial outcomes per row. The intervals treat exercises as independent, so they "
      "are narrower than with per-user clustering.</p>\n";
  return Section("q-retention-pairs", "4. Which pair retains words best?", body);
}

// 5. Retention per UI language.
std::string RetentionUiSection(const ResultTable& ret_ui) {
  std::string body;
  const size_t last = ret_ui.num_rows() - 1;
  std::string sentence = fmt::format(
      "Users of the <strong>{}</strong> interface retain words best across their learning "
      "languages: recall {} (95% CI {}&ndash;{}), half-life {}.",
      EscapeHtml(ShortName(Str(ret_ui, "ui_name", 0).empty() ? Str(ret_ui, "ui_language", 0)
                                                             : Str(ret_ui, "ui_name", 0))),
      Percent(Dbl(ret_ui, "recall_rate", 0).value_or(NAN), 2),
      Percent(Dbl(ret_ui, "ci_low", 0).value_or(NAN), 2),
      Percent(Dbl(ret_ui, "ci_high", 0).value_or(NAN), 2),
      DaysText(Dbl(ret_ui, "half_life_days", 0)));
  if (last > 0) {
    sentence += fmt::format(
        " Lowest: {} ({}).",
        EscapeHtml(ShortName(Str(ret_ui, "ui_name", last).empty() ? Str(ret_ui, "ui_language", last)
                                                                  : Str(ret_ui, "ui_name", last))),
        Percent(Dbl(ret_ui, "recall_rate", last).value_or(NAN), 2));
  }
  body += Answer(sentence);
  std::vector<std::string> labels;
  for (size_t r = 0; r < ret_ui.num_rows(); ++r) labels.push_back(Str(ret_ui, "ui_language", r));
  body += "<div class=\"charts\">" +
          RecallIntervalChart("Recall rate per interface language with 95% Wilson intervals",
                              ret_ui, std::move(labels)) +
          "</div>\n";
  body += HtmlTable(ret_ui,
                    {"rank", "ui_language", "ui_name", "learning_languages", "views", "recall_rate",
                     "ci_low", "ci_high", "mean_p_recall", "median_lag_days", "half_life_days"});
  return Section("q-retention-ui", "5. Which interface language retains words best?", body);
}

// Extras.
std::string WordsSection(const ResultTable& hardest, const ResultTable& by_pos, int64_t min_views) {
  std::string body;
  if (hardest.num_rows() > 0) {
    size_t h = 0;  // the lowest recall over all languages (first on ties: language order)
    for (size_t r = 1; r < hardest.num_rows(); ++r) {
      if (Dbl(hardest, "recall_rate", r).value_or(1) < Dbl(hardest, "recall_rate", h).value_or(1))
        h = r;
    }
    body += Answer(fmt::format(
        "The hardest word overall among words with at least {} views is <code>{}</code> ({}) "
        "with recall {} over {} views.",
        min_views, EscapeHtml(Str(hardest, "lexeme_string", h)),
        EscapeHtml(Str(hardest, "learning_language", h)),
        Percent(Dbl(hardest, "recall_rate", h).value_or(NAN), 1),
        Thousands(Int(hardest, "views", h))));
  } else {
    body += Answer("No word has enough views to be ranked.");
  }
  body += fmt::format("<h3>Hardest words per learning language</h3>\n<p class=\"muted\">{}</p>\n",
                      EscapeHtml(hardest.note()));
  body += HtmlTable(hardest, {"learning_language", "rank", "lexeme_string", "part_of_speech",
                              "views", "recall_rate", "ci_low", "ci_high"});
  body += "<h3>Recall by part of speech</h3>\n";
  body += HtmlTable(by_pos, {"part_of_speech", "words", "views", "recall_rate", "ci_low", "ci_high",
                             "mean_p_recall"});
  return Section("words", "Hardest words and parts of speech", body);
}

// 6. The model's answer (report --hlr DIR): the half-life regression's
// predicted half-lives next to the raw recall rates.
std::string ModelRetentionSection(const hlr::HlrOutputSummary& model, const ResultTable& ret_pairs,
                                  const ResultTable& ret_ui) {
  const hlr::ModelHalfLives* m = nullptr;
  for (const auto& candidate : model.models) {
    if (m == nullptr || candidate.model == "hlr") m = &candidate;
  }
  std::string body;
  if (m == nullptr) {
    body += Answer(
        "The hlr output holds no model that predicts half-lives (hlr, leitner or "
        "pimsleur).");
    return Section("q-model", "6. What the half-life regression says", body);
  }
  ResultTable t;
  const size_t group =
      t.AddColumn("group", ValueType::kString, "language pair or interface language");
  const size_t key =
      t.AddColumn("language", ValueType::kString, "learning←interface, or interface");
  const size_t rows = t.AddColumn("views", ValueType::kInt64, "rows the model was applied to");
  const size_t recall =
      t.AddColumn("recall_rate", ValueType::kDouble, "raw: sum correct / sum seen");
  const size_t fitted = t.AddColumn("half_life_days", ValueType::kDouble,
                                    "raw: maximum-likelihood half-life of the rows", "{:.1f}");
  const size_t median = t.AddColumn("model_median_half_life_days", ValueType::kDouble,
                                    "the model's median predicted half-life", "{:.1f}");
  const size_t predicted = t.AddColumn("model_mean_p", ValueType::kDouble, "the model's mean p");
  // The raw row of the same pair (or interface language) from the queries.
  auto raw = [](const ResultTable& q, const hlr::HalfLifeSummary& h) -> std::optional<size_t> {
    for (size_t r = 0; r < q.num_rows(); ++r) {
      const bool pair_match = h.group == "pair" && Str(q, "learning_language", r) == h.learning &&
                              Str(q, "ui_language", r) == h.ui;
      const bool ui_match = h.group == "ui" && q.ColumnIndex("learning_language") < 0 &&
                            Str(q, "ui_language", r) == h.ui;
      if (pair_match || ui_match) return r;
    }
    return std::nullopt;
  };
  size_t best = SIZE_MAX;
  for (const hlr::HalfLifeSummary& h : m->half_lives) {
    const ResultTable& q = h.group == "pair" ? ret_pairs : ret_ui;
    const std::optional<size_t> r = raw(q, h);
    t.column(group).AppendString(h.group == "pair" ? "pair" : "interface");
    t.column(key).AppendString(h.group == "pair" ? h.learning + "←" + h.ui : h.ui);
    t.column(rows).AppendInt(static_cast<int64_t>(h.rows));
    t.column(recall).AppendOptionalDouble(r ? Dbl(q, "recall_rate", *r) : std::nullopt);
    t.column(fitted).AppendOptionalDouble(r ? Dbl(q, "half_life_days", *r) : std::nullopt);
    t.column(median).AppendDouble(h.median_half_life_days);
    t.column(predicted).AppendDouble(h.mean_predicted_p);
    if (h.group == "pair" &&
        (best == SIZE_MAX || h.median_half_life_days > m->half_lives[best].median_half_life_days)) {
      best = static_cast<size_t>(&h - m->half_lives.data());
    }
  }
  if (best != SIZE_MAX) {
    const hlr::HalfLifeSummary& b = m->half_lives[best];
    body += Answer(fmt::format(
        "By the <strong>{}</strong> model (trained by <code>wordviews hlr</code> on {}), "
        "<strong>{}←{}</strong> has the longest median predicted half-life: {}.",
        EscapeHtml(m->model), EscapeHtml(model.source), EscapeHtml(b.learning), EscapeHtml(b.ui),
        DaysText(b.median_half_life_days)));
  }
  body += HtmlTable(t, {"group", "language", "views", "recall_rate", "half_life_days",
                        "model_median_half_life_days", "model_mean_p"});
  body +=
      "<p class=\"muted\">The model's half-life of a row depends on the user's history with the "
      "word and the word itself, not on the lag: the median over a pair's rows says how long its "
      "words are remembered by the model; the raw half-life is fitted to the outcomes and lags "
      "alone. Details: docs/HLR.md.</p>\n";
  return Section("q-model", "6. What the half-life regression says", body);
}

std::string QuestionSections(const ReportData& d) {
  if (d.snapshot.facts.num_rows == 0) {
    return Section("q-common", "No data",
                   Answer("The fact table is empty: there is nothing to analyse."));
  }
  return CommonPairsSection(d.snapshot, d.pair_users) + ActivitySection(d.snapshot, d.pair_views) +
         TimeOfDaySection(d.time_of_day, d.time_of_day_test) +
         RetentionPairsSection(d.snapshot, d.retention_pairs, d.forgetting_curve) +
         RetentionUiSection(d.retention_ui) +
         (d.model ? ModelRetentionSection(*d.model, d.retention_pairs, d.retention_ui) : "") +
         WordsSection(d.hardest_words, d.recall_by_pos, d.options.min_views);
}

// The dashboard at the top: the newest batch (the manifest as this version
// of DIR holds it) and the per-day trends.
std::string Dashboard(const ReportData& d) {
  DashboardInput in;
  in.manifest = d.out->manifest();
  if (in.manifest != nullptr) {
    StatusOr<std::string> text = d.out->ReadFile(run::kManifestName);
    in.freshness =
        text.ok() ? run::FreshnessFromManifest(*text) : StatusOr<run::Freshness>(text.status());
  } else {
    in.freshness = InputError(d.out->manifest_status().ok() ? "no manifest"
                                                            : d.out->manifest_status().message());
  }
  // WV_NOW (run/freshness.h) sets the clock; a bad value falls back to the system clock here
  // (the report is still useful), while `check --max-age` refuses it.
  StatusOr<int64_t> now = run::FreshnessNow();
  in.now_epoch = now.ok() ? *now : NowEpochSeconds();
  in.daily_trends = &d.daily_trends;
  in.daily_totals = &d.daily_totals;
  return DashboardSection(in);
}

}  // namespace

StatusOr<std::string> RenderReport(const std::string& dir, const ReportOptions& options) {
  WV_ASSIGN_OR_RETURN(const ReportData d, LoadReportData(dir, options));
  std::string html;
  html.reserve(1 << 20);
  html += DocumentHead();
  html += PageHeader(dir, d.snapshot.facts);
  html += Section("dashboard", "Today: freshness and trends", Dashboard(d));
  html += QuestionSections(d);
  // The manifest the output was verified against, parsed once; only a folder
  // without a valid one has its file looked at again, to say why.
  const run::Manifest* manifest = d.out->manifest();
  html +=
      Section("quality", "Quality checks",
              manifest != nullptr ? QualitySectionFor(*manifest) : QualitySection(d.out->root()));
  html += Section("dictionary", "Data dictionary", DictionarySection(d.out->root()));
  html += Footer(dir);
  return html;
}

Status WriteReport(const std::string& dir, const std::string& out_path,
                   const ReportOptions& options) {
  // A missing result column is a bug in this file, reported rather than crashing.
  auto render = [&]() -> StatusOr<std::string> {
    try {
      return RenderReport(dir, options);
    } catch (const std::exception& e) {
      return InternalError(fmt::format("report: {}", e.what()));
    }
  };
  WV_ASSIGN_OR_RETURN(const std::string html, render());
  return io::PublishFileAtomically(out_path, html);
}

}  // namespace wv::report
