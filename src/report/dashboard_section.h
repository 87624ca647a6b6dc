#ifndef WV_REPORT_DASHBOARD_SECTION_H_
#define WV_REPORT_DASHBOARD_SECTION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "analytics/result_table.h"
#include "core/status.h"
#include "run/freshness.h"
#include "run/manifest.h"

// The top of the 7am dashboard: how fresh the output is (its newest batch,
// from run::FreshnessFromManifest, the function `check --max-age` uses too;
// rows accepted and rejected; the run's quality checks) and the per-day
// trends as inline SVG line charts (views and active users per pair, new
// users, recall), from the daily-trends and daily-totals queries. Pure
// functions; thread-safe.
namespace wv::report {

// What the dashboard shows. Plain data; thread-compatible.
struct DashboardInput {
  // The newest batch, or why it is unknown (no manifest, a malformed one).
  StatusOr<run::Freshness> freshness = InputError("no manifest");
  const run::Manifest* manifest = nullptr;               // for the checks; may be null
  int64_t now_epoch = 0;                                 // the time the report is written
  const analytics::ResultTable* daily_trends = nullptr;  // QueryDailyTrends
  const analytics::ResultTable* daily_totals = nullptr;  // QueryDailyTotals
};

// The section body: the freshness list (<dl id="freshness">, each <dd> with a
// data-field), the four charts (svg ids trend-views, trend-users,
// trend-new-users, trend-recall) and the per-day totals table, over the last
// 60 days of the range (a note says so when there are more).
// REQUIRES: daily_trends and daily_totals are non-null.
std::string DashboardSection(const DashboardInput& input);

}  // namespace wv::report

#endif  // WV_REPORT_DASHBOARD_SECTION_H_
