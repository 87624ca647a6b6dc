#ifndef WV_REPORT_REPORT_H_
#define WV_REPORT_REPORT_H_

#include <string>

#include "core/status.h"

// The HTML report, the 7am dashboard: one self-contained file (inline CSS,
// charts as inline SVG, no script, no external resource of any kind). At the
// top, freshness and the per-day trends (report/dashboard_section.h); then the
// answers to the research questions from the star schema in DIR, the quality
// checks of DIR/_manifest.json and the data dictionary. Every string that
// comes from the data is HTML-escaped. The freshness block says when the report
// was written (run::FreshnessNow(): WV_NOW, else the clock), so two reports of
// one output differ there unless WV_NOW is set.
namespace wv::report {

// How the report is computed. Plain data; thread-compatible.
struct ReportOptions {
  int threads = 2;
  // The --out folder of `wordviews hlr`: adds the model's predicted
  // half-lives per pair and interface language next to the raw recall rates
  // (empty: no model section).
  std::string hlr_dir;
};

// Renders the report of the star schema in `dir` as an HTML document.
// InputError if `dir` is not a wordviews output or cannot be read.
StatusOr<std::string> RenderReport(const std::string& dir, const ReportOptions& options = {});

// Renders the report and writes it to `out_path` atomically (a temporary file
// beside it, then rename): readers never see a partial report. For `wordviews
// report` and `wordviews run --report`.
// InputError for a bad `dir`; OutputError if `out_path` cannot be written.
Status WriteReport(const std::string& dir, const std::string& out_path,
                   const ReportOptions& options = {});

}  // namespace wv::report

#endif  // WV_REPORT_REPORT_H_
