#ifndef WV_REPORT_HTML_H_
#define WV_REPORT_HTML_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/number_format.h"

// Building blocks of the self-contained report: HTML escaping, number
// formatting for people, and charts drawn as inline SVG (no script, no
// external resource). Pure functions, thread-safe.
namespace wv::report {

// Escapes text for HTML element content and attribute values (& < > " ').
// Every string that comes from the data goes through it.
std::string EscapeHtml(std::string_view text);

// Thousands() (12345678 -> "12,345,678") is wv::Thousands, core/number_format.h.
// 0.8591 -> "85.9%" (digits after the point).
std::string Percent(double share, int digits = 1);

// The highlighted answer paragraph. `html` is markup: escape data in it first.
std::string Answer(std::string_view html);
// A table wrapped for horizontal scrolling; `attributes` go on <table>
// (e.g. `class="kv"`), `rows` is the markup of its <thead>/<tbody>.
std::string TableWrap(std::string_view attributes, std::string_view rows);

// A bar chart: one horizontal bar per label. Plain data; thread-compatible.
struct BarChart {
  std::string title;  // drawn above the bars; plain text (escaped here)
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<std::string> value_texts;  // shown at the end of each bar
};
std::string RenderBarChart(const BarChart& chart);

// A heatmap: rows × columns of shades; `values[r][c]` in [0, 1] after scaling
// by the chart's maximum; `tooltips[r][c]` becomes an SVG <title>. Plain data;
// thread-compatible.
struct Heatmap {
  std::string title;
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::string>> tooltips;
};
std::string RenderHeatmap(const Heatmap& chart);

// A line chart: one line per series over categorical x positions; missing
// points break the line. Plain data; thread-compatible.
struct LineChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> x_labels;
  std::vector<std::string> series_names;
  std::vector<std::vector<std::optional<double>>> series;  // [series][x], y as a share
};
std::string RenderLineChart(const LineChart& chart);

// An interval chart: one dot with a whisker (confidence interval) per label,
// on a shared x axis. Plain data; thread-compatible.
struct IntervalChart {
  std::string title;
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<double> lows;
  std::vector<double> highs;
};
std::string RenderIntervalChart(const IntervalChart& chart);

// A trend chart for the dashboard: one line per series over days (or any
// ordered x), y in the data's own unit from 0 (counts) or padded around the
// values (shares, `percent`). Both axes are titled; the legend sits below the
// plot so the chart stays narrow enough for a phone. Each series is a
// <g class="series" data-name="..."> holding a <path class="line"> and one
// <circle class="point" data-x="..." data-value="..."> per present value,
// each with a <title> ("es←en, 2013-03-01: 1,234 views"); `description`
// becomes the SVG's <desc>. Missing values break the line. Plain data;
// thread-compatible.
struct TrendChart {
  std::string id;  // the SVG's id attribute
  std::string title;
  std::string description;
  std::string x_title;                // e.g. "UTC day"
  std::string y_title;                // e.g. "word views"
  std::vector<std::string> x_labels;  // full labels (tooltips, data-x)
  std::vector<std::string> x_ticks;   // short labels drawn under the axis (same length)
  std::vector<std::string> series_names;
  std::vector<std::vector<std::optional<double>>> series;  // [series][x]
  bool percent = false;  // y as a share in [0, 1], drawn as a percentage
  std::string unit;      // after a count in tooltips ("views")
};
std::string RenderTrendChart(const TrendChart& chart);

// 1234 -> "1,234", 12345 -> "12.3k", 4567890 -> "4.57M": axis ticks.
std::string CompactCount(double value);

// The colour of series i (a fixed palette, repeated).
const char* SeriesColour(size_t i);

}  // namespace wv::report

#endif  // WV_REPORT_HTML_H_
