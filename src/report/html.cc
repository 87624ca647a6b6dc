#include "report/html.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/number_format.h"
#include "fmt/core.h"

namespace wv::report {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Percent(double share, int digits) {
  if (!std::isfinite(share)) return "n/a";
  return fmt::format("{:.{}f}%", share * 100, digits);
}

std::string Answer(std::string_view html) {
  return fmt::format("<p class=\"answer\">{}</p>\n", html);
}

std::string TableWrap(std::string_view attributes, std::string_view rows) {
  return fmt::format("<div class=\"tablewrap\"><table{}{}>{}</table></div>\n",
                     attributes.empty() ? "" : " ", attributes, rows);
}

const char* SeriesColour(size_t i) {
  // Okabe–Ito-like palette: distinguishable, also for colour-blind readers.
  static const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                         "#56B4E9", "#D55E00", "#332288", "#999933",
                                         "#882255", "#44AA99", "#000000", "#AA4499"};
  return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

namespace {

constexpr const char* kFont = "font-family=\"system-ui, sans-serif\"";

std::string SvgOpen(int width, int height, std::string_view title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {0} {1}\" "
      "width=\"{0}\" height=\"{1}\" role=\"img\" aria-label=\"{2}\" {3} font-size=\"12\">\n"
      "<title>{2}</title>\n"
      "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"600\" fill=\"#222\">{2}</text>\n",
      width, height, EscapeHtml(title), kFont);
}

// Round tick positions covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (span / step <= target) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(t);
  return ticks;
}

std::string Shade(double t) {
  // White to dark blue.
  t = std::clamp(t, 0.0, 1.0);
  const int r = static_cast<int>(std::lround(247 + (8 - 247) * t));
  const int g = static_cast<int>(std::lround(251 + (48 - 251) * t));
  const int b = static_cast<int>(std::lround(255 + (107 - 255) * t));
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

}  // namespace

std::string RenderBarChart(const BarChart& chart) {
  const int label_w = 90, bar_w = 300, value_w = 110, row_h = 24, top = 30;
  const int n = static_cast<int>(chart.labels.size());
  const int width = label_w + bar_w + value_w, height = top + n * row_h + 8;
  double max_v = 0;
  for (double v : chart.values) max_v = std::max(max_v, v);
  std::string s = SvgOpen(width, height, chart.title);
  for (int i = 0; i < n; ++i) {
    const int y = top + i * row_h;
    const double w = max_v > 0 ? chart.values[i] / max_v * bar_w : 0;
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#333\">{}</text>"
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" fill=\"#333\">{}</text>\n",
        label_w - 8, y + 15, EscapeHtml(chart.labels[i]), label_w, y + 3, std::max(w, 1.0),
        row_h - 6, SeriesColour(0), label_w + w + 6, y + 15,
        EscapeHtml(i < static_cast<int>(chart.value_texts.size()) ? chart.value_texts[i] : ""));
  }
  s += "</svg>\n";
  return s;
}

std::string RenderHeatmap(const Heatmap& chart) {
  const int label_w = 90, cell_w = 26, cell_h = 22, top = 44;
  const int rows = static_cast<int>(chart.row_labels.size());
  const int cols = static_cast<int>(chart.column_labels.size());
  const int width = label_w + cols * cell_w + 10, height = top + rows * cell_h + 40;
  std::string s = SvgOpen(width, height, chart.title);
  for (int c = 0; c < cols; ++c) {
    s +=
        fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                    label_w + c * cell_w + cell_w / 2, top - 6, EscapeHtml(chart.column_labels[c]));
  }
  s += "\n";
  for (int r = 0; r < rows; ++r) {
    const int y = top + r * cell_h;
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#333\">{}</text>",
                     label_w - 8, y + 15, EscapeHtml(chart.row_labels[r]));
    for (int c = 0; c < cols; ++c) {
      const double v = chart.values[r][c];
      const std::string tip = r < static_cast<int>(chart.tooltips.size()) &&
                                      c < static_cast<int>(chart.tooltips[r].size())
                                  ? chart.tooltips[r][c]
                                  : "";
      s += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
          "stroke=\"#fff\"><title>{}</title></rect>",
          label_w + c * cell_w, y, cell_w, cell_h, Shade(v), EscapeHtml(tip));
    }
    s += "\n";
  }
  // Legend: the scale from none to the most.
  const int ly = top + rows * cell_h + 14;
  for (int i = 0; i <= 10; ++i) {
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"10\" fill=\"{}\"/>",
                     label_w + i * 16, ly, Shade(i / 10.0));
  }
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\" fill=\"#555\">fewer</text><text x=\"{}\" y=\"{}\" "
      "fill=\"#555\">more views (share of the pair's day)</text>\n",
      label_w - 40, ly + 9, label_w + 11 * 16 + 6, ly + 9);
  s += "</svg>\n";
  return s;
}

namespace {

using Series = std::vector<std::optional<double>>;

// The plot area of a line chart: nx categorical x positions spread over
// [left, left + width] (one centred position when nx is 1), y values in
// [lo, hi] mapped onto [top + height, top].
struct PlotArea {
  int left, top, width, height;
  size_t nx;
  double lo, hi;
  double X(size_t i) const {
    return left + (nx > 1 ? width * static_cast<double>(i) / (nx - 1) : width / 2.0);
  }
  double Y(double v) const { return top + height * (1 - (v - lo) / (hi - lo)); }
};

// The smallest and largest present value of all series; {+inf, -inf} when
// none is present.
std::pair<double, double> SeriesExtent(const std::vector<Series>& series) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& line : series) {
    for (const auto& v : line) {
      if (!v) continue;
      lo = std::min(lo, *v);
      hi = std::max(hi, *v);
    }
  }
  return {lo, hi};
}

// The SVG path data through the present points of `line` (at most area.nx of
// them), the pen lifted over missing values so a gap stays a gap. Calls
// on_point(i, v) for each point drawn.
template <typename OnPoint>
std::string GapAwarePath(const Series& line, const PlotArea& area, OnPoint on_point) {
  std::string path;
  bool pen_down = false;
  for (size_t i = 0; i < line.size() && i < area.nx; ++i) {
    if (!line[i]) {
      pen_down = false;
      continue;
    }
    path += fmt::format("{}{:.1f},{:.1f} ", pen_down ? "L" : "M", area.X(i), area.Y(*line[i]));
    pen_down = true;
    on_point(i, *line[i]);
  }
  return path;
}

}  // namespace

std::string RenderLineChart(const LineChart& chart) {
  const int left = 56, plot_w = 420, legend_w = 130, top = 34, plot_h = 240, bottom = 40;
  const int width = left + plot_w + legend_w, height = top + plot_h + bottom;
  auto [lo, hi] = SeriesExtent(chart.series);
  if (lo > hi) {
    lo = 0;
    hi = 1;
  }
  const double pad = std::max(0.01, (hi - lo) * 0.1);
  const PlotArea area{left,
                      top,
                      plot_w,
                      plot_h,
                      chart.x_labels.size(),
                      std::max(0.0, lo - pad),
                      std::min(1.0, hi + pad)};
  std::string s = SvgOpen(width, height, chart.title);
  for (double t : NiceTicks(area.lo, area.hi, 6)) {
    s += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#555\">{}</text>\n",
        left, left + plot_w, area.Y(t), area.Y(t), left - 6, area.Y(t) + 4, Percent(t, 0));
  }
  for (size_t i = 0; i < area.nx; ++i) {
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                     area.X(i), top + plot_h + 18, EscapeHtml(chart.x_labels[i]));
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
                   left + plot_w / 2, top + plot_h + 36, EscapeHtml(chart.y_label));
  for (size_t k = 0; k < chart.series.size(); ++k) {
    const char* colour = SeriesColour(k);
    const std::string path = GapAwarePath(chart.series[k], area, [&](size_t i, double v) {
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", area.X(i),
                       area.Y(v), colour);
    });
    if (!path.empty()) {
      s += fmt::format(
          "<path class=\"line\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path,
          colour);
    }
    const int ly = top + 8 + static_cast<int>(k) * 18;
    s += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"3\"/>"
        "<text x=\"{4}\" y=\"{5}\" fill=\"#333\">{6}</text>\n",
        left + plot_w + 14, left + plot_w + 32, ly, colour, left + plot_w + 38, ly + 4,
        EscapeHtml(k < chart.series_names.size() ? chart.series_names[k] : ""));
  }
  s += "</svg>\n";
  return s;
}

std::string CompactCount(double value) {
  const double a = std::fabs(value);
  if (a < 10000) return Thousands(static_cast<int64_t>(std::llround(value)));
  if (a < 1e6) return fmt::format("{:.3g}k", value / 1e3);
  if (a < 1e9) return fmt::format("{:.3g}M", value / 1e6);
  return fmt::format("{:.3g}G", value / 1e9);
}

namespace {

// The y range of a trend chart: counts from 0 to their maximum, shares padded
// around theirs (within [0, 1]).
std::pair<double, double> TrendRange(const TrendChart& chart) {
  const auto [lo, hi] = SeriesExtent(chart.series);
  if (lo > hi) return {0, 1};
  if (!chart.percent) return {0, hi > 0 ? hi * 1.05 : 1};
  const double pad = std::max(0.01, (hi - lo) * 0.15);
  return {std::max(0.0, lo - pad), std::min(1.0, hi + pad)};
}

std::string TrendValueText(const TrendChart& chart, double v) {
  if (chart.percent) return Percent(v, 1);
  return Thousands(static_cast<int64_t>(std::llround(v))) +
         (chart.unit.empty() ? "" : " " + chart.unit);
}

// The axes of a trend chart: gridlines with y ticks, x ticks (at most 7,
// first and last included) and both axis titles.
std::string TrendAxes(const TrendChart& chart, const PlotArea& area) {
  const int left = area.left, top = area.top, plot_w = area.width, plot_h = area.height;
  const double lo = area.lo, hi = area.hi;
  const size_t nx = area.nx;
  std::string s = "<g class=\"axes\">\n";
  for (double t : NiceTicks(lo, hi, 5)) {
    s += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>"
        "<text class=\"ytick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#444\">{}</text>\n",
        left, left + plot_w, area.Y(t), area.Y(t), left - 6, area.Y(t) + 4,
        chart.percent ? Percent(t, hi - lo < 0.1 ? 1 : 0) : CompactCount(t));
  }
  const size_t step = nx <= 7 ? 1 : (nx + 5) / 6;
  for (size_t i = 0; i < nx; ++i) {
    // Every step-th day, and the last when it is not crowded by the one before.
    const bool regular = i % step == 0;
    const bool last = i + 1 == nx && (i % step) * 2 >= step;
    if (!regular && !last) continue;
    const std::string& tick = i < chart.x_ticks.size() ? chart.x_ticks[i] : chart.x_labels[i];
    s += fmt::format(
        "<text class=\"xtick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" "
        "fill=\"#444\">{}</text>\n",
        area.X(i), top + plot_h + 18, EscapeHtml(tick));
  }
  s += fmt::format(
      "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#888\"/>\n"
      "<text class=\"xtitle\" x=\"{3}\" y=\"{4}\" text-anchor=\"middle\" fill=\"#333\">{5}</text>\n"
      "<text class=\"ytitle\" x=\"0\" y=\"0\" transform=\"translate(14 {6}) rotate(-90)\" "
      "text-anchor=\"middle\" fill=\"#333\">{7}</text>\n</g>\n",
      left, left + plot_w, top + plot_h, left + plot_w / 2, top + plot_h + 38,
      EscapeHtml(chart.x_title), top + plot_h / 2, EscapeHtml(chart.y_title));
  return s;
}

}  // namespace

std::string RenderTrendChart(const TrendChart& chart) {
  const int left = 62, plot_w = 360, right = 18, top = 40, plot_h = 190, axis_h = 50,
            legend_row = 20;
  const int legend_columns = 2;
  const int legend_rows =
      static_cast<int>((chart.series.size() + legend_columns - 1) / legend_columns);
  const int width = left + plot_w + right;
  const int height = top + plot_h + axis_h + legend_rows * legend_row + 6;
  // Plain variables, not a structured binding: clang 14 cannot capture those in a lambda.
  const std::pair<double, double> range = TrendRange(chart);
  const PlotArea area{left, top, plot_w, plot_h, chart.x_labels.size(), range.first, range.second};
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart trend\" id=\"{0}\" "
      "viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" role=\"img\" "
      "aria-labelledby=\"{0}-title "
      "{0}-desc\" {3} font-size=\"13\">\n<title id=\"{0}-title\">{4}</title>\n"
      "<desc id=\"{0}-desc\">{5}</desc>\n"
      "<text x=\"0\" y=\"17\" font-size=\"15\" font-weight=\"600\" fill=\"#222\">{4}</text>\n",
      EscapeHtml(chart.id), width, height, kFont, EscapeHtml(chart.title),
      EscapeHtml(chart.description));
  s += TrendAxes(chart, area);
  for (size_t k = 0; k < chart.series.size(); ++k) {
    const char* colour = SeriesColour(k);
    const std::string name = k < chart.series_names.size() ? chart.series_names[k] : "";
    std::string points;
    const std::string path = GapAwarePath(chart.series[k], area, [&](size_t i, double v) {
      points += fmt::format(
          "<circle class=\"point\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\" "
          "data-x=\"{}\" data-value=\"{}\"><title>{}, {}: {}</title></circle>",
          area.X(i), area.Y(v), colour, EscapeHtml(chart.x_labels[i]), fmt::format("{:.17g}", v),
          EscapeHtml(name), EscapeHtml(chart.x_labels[i]), EscapeHtml(TrendValueText(chart, v)));
    });
    const int col = static_cast<int>(k) % legend_columns,
              row = static_cast<int>(k) / legend_columns;
    const int lx = left + col * (plot_w / legend_columns);
    const int ly = top + plot_h + axis_h + row * legend_row + 6;
    s += fmt::format(
        "<g class=\"series\" data-name=\"{0}\">\n<path class=\"line\" d=\"{1}\" fill=\"none\" "
        "stroke=\"{2}\" stroke-width=\"2\"/>\n{3}\n"
        "<line class=\"legend\" x1=\"{4}\" x2=\"{5}\" y1=\"{6}\" y2=\"{6}\" stroke=\"{2}\" "
        "stroke-width=\"3\"/><text class=\"legend\" x=\"{7}\" y=\"{8}\" "
        "fill=\"#333\">{0}</text>\n</g>\n",
        EscapeHtml(name), path, colour, points, lx, lx + 18, ly, lx + 24, ly + 4);
  }
  s += "</svg>\n";
  return s;
}

std::string RenderIntervalChart(const IntervalChart& chart) {
  const int label_w = 120, plot_w = 380, value_w = 230, top = 40, row_h = 26;
  const int n = static_cast<int>(chart.labels.size());
  const int width = label_w + plot_w + value_w, height = top + n * row_h + 10;
  double lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, chart.lows[i]);
    hi = std::max(hi, chart.highs[i]);
  }
  if (lo > hi) {
    lo = 0;
    hi = 1;
  }
  const double pad = std::max(0.002, (hi - lo) * 0.08);
  lo = std::max(0.0, lo - pad);
  hi = std::min(1.0, hi + pad);
  auto x_of = [&](double v) { return label_w + plot_w * (v - lo) / (hi - lo); };
  std::string s = SvgOpen(width, height, chart.title);
  for (double t : NiceTicks(lo, hi, 5)) {
    s += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e3e3e3\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#555\">{4}</text>\n",
        x_of(t), top - 4, top + n * row_h, top - 8,
        Percent(t, t * 100 == std::round(t * 100) ? 0 : 1));
  }
  for (int i = 0; i < n; ++i) {
    const double y = top + i * row_h + row_h / 2.0;
    const double xl = x_of(chart.lows[i]), xh = x_of(chart.highs[i]), xv = x_of(chart.values[i]);
    s += fmt::format(
        "<text x=\"{0}\" y=\"{1:.1f}\" text-anchor=\"end\" fill=\"#333\">{2}</text>"
        "<line class=\"whisker\" x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{1:.1f}\" y2=\"{1:.1f}\" "
        "stroke=\"#555\" stroke-width=\"1.5\"/>"
        "<line x1=\"{3:.1f}\" x2=\"{3:.1f}\" y1=\"{5:.1f}\" y2=\"{6:.1f}\" stroke=\"#555\"/>"
        "<line x1=\"{4:.1f}\" x2=\"{4:.1f}\" y1=\"{5:.1f}\" y2=\"{6:.1f}\" stroke=\"#555\"/>"
        "<circle class=\"dot\" cx=\"{7:.1f}\" cy=\"{1:.1f}\" r=\"5\" fill=\"{8}\"/>"
        "<text x=\"{9}\" y=\"{10:.1f}\" fill=\"#333\">{11} [{12}, {13}]</text>\n",
        label_w - 8, y, EscapeHtml(chart.labels[i]), xl, xh, y - 5, y + 5, xv, SeriesColour(i),
        label_w + plot_w + 10, y + 4, Percent(chart.values[i], 2), Percent(chart.lows[i], 2),
        Percent(chart.highs[i], 2));
  }
  s += "</svg>\n";
  return s;
}

}  // namespace wv::report
