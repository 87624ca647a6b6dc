#include <string>

#include "gtest/gtest.h"
#include "report/html.h"

namespace wv::report {
namespace {

TEST(EscapeHtmlTest, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(EscapeHtml("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(EscapeHtml("a&b\"c'd"), "a&amp;b&quot;c&#39;d");
  EXPECT_EQ(EscapeHtml("lernt/lernen<vblex><pri><p3><sg>"),
            "lernt/lernen&lt;vblex&gt;&lt;pri&gt;&lt;p3&gt;&lt;sg&gt;");
  EXPECT_EQ(EscapeHtml("étant über"), "étant über");  // UTF-8 passes through
  EXPECT_EQ(EscapeHtml(""), "");
}

TEST(EscapeHtmlTest, AlreadyEscapedTextIsEscapedAgain) {
  // Data is text, not HTML: "&lt;" in the data must show as "&lt;" literally.
  EXPECT_EQ(EscapeHtml("&lt;"), "&amp;lt;");
}

// No chart may let a label from the data through unescaped.
TEST(ChartsTest, LabelsAreEscaped) {
  const std::string evil = "<script>alert(1)</script>";
  BarChart bar{evil, {evil}, {1.0}, {evil}};
  Heatmap heat{evil, {evil}, {evil}, {{0.5}}, {{evil}}};
  LineChart line{evil, evil, {evil}, {evil}, {{0.5}}};
  IntervalChart interval{evil, {evil}, {0.5}, {0.4}, {0.6}};
  for (const std::string& svg : {RenderBarChart(bar), RenderHeatmap(heat), RenderLineChart(line),
                                 RenderIntervalChart(interval)}) {
    EXPECT_EQ(svg.find("<script"), std::string::npos) << svg;
    EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
  }
}

TEST(ChartsTest, BarLengthsAreProportional) {
  BarChart bar{"t", {"a", "b"}, {100.0, 50.0}, {"100", "50"}};
  const std::string svg = RenderBarChart(bar);
  EXPECT_NE(svg.find("width=\"300.0\""), std::string::npos)
      << svg;  // the longest bar fills the plot
  EXPECT_NE(svg.find("width=\"150.0\""), std::string::npos) << svg;
}

TEST(FormatTest, ThousandsAndPercent) {
  EXPECT_EQ(Thousands(0), "0");
  EXPECT_EQ(Thousands(999), "999");
  EXPECT_EQ(Thousands(12854226), "12,854,226");
  EXPECT_EQ(Thousands(-1234), "-1,234");
  EXPECT_EQ(Percent(0.8591), "85.9%");
  EXPECT_EQ(Percent(0.8591, 2), "85.91%");
}

}  // namespace
}  // namespace wv::report
