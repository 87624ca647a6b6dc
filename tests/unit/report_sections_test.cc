// The report's quality-check and data-dictionary sections.
#include <string>

#include "analytics/result_table.h"
#include "core/civil_time.h"
#include "gtest/gtest.h"
#include "model/star_schema.h"
#include "report/dashboard_section.h"
#include "report/dictionary_section.h"
#include "report/quality_section.h"

namespace wv::report {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

quality::CheckResult Check(std::string name, bool passed, quality::Severity severity) {
  quality::CheckResult c;
  c.name = std::move(name);
  c.passed = passed;
  c.severity = severity;
  c.detail = "<detail>";
  return c;
}

TEST(QualitySectionTest, FailedWarningsAreWarningsNotFailures) {
  run::Manifest m;
  m.run_id = "r1";
  m.checks = {
      Check("a", true, quality::Severity::kError), Check("b", false, quality::Severity::kError),
      Check("c", false, quality::Severity::kWarning), Check("d", true, quality::Severity::kWarning),
      Check("e", true, quality::Severity::kInfo)};
  const std::string html = QualitySectionFor(m);
  EXPECT_NE(html.find("3 of 5 quality checks passed"), std::string::npos) << html;
  EXPECT_NE(html.find("<strong class=\"bad\">1 failed</strong>"), std::string::npos);
  EXPECT_NE(html.find("1 warning</strong> (counted anomalies, not failures)"), std::string::npos);
  EXPECT_EQ(Count(html, "<tr class=\"pass\">"), 3u);
  EXPECT_EQ(Count(html, "<tr class=\"fail\">"), 1u);
  EXPECT_EQ(Count(html, "<tr class=\"warn\">"), 1u);
  EXPECT_NE(html.find("<tr class=\"warn\"><td>c</td><td>warning</td><td>warning</td>"),
            std::string::npos);
  EXPECT_EQ(html.find("<detail>"), std::string::npos);  // escaped
  EXPECT_NE(html.find("&lt;detail&gt;"), std::string::npos);
}

TEST(QualitySectionTest, OnlyWarningsMeansNothingFailed) {
  run::Manifest m;
  m.checks = {Check("a", true, quality::Severity::kError),
              Check("w1", false, quality::Severity::kWarning),
              Check("w2", false, quality::Severity::kWarning)};
  const std::string html = QualitySectionFor(m);
  EXPECT_NE(
      html.find("1 of 3 quality checks passed; <strong class=\"warning\">2 warnings</strong>"),
      std::string::npos)
      << html;
  EXPECT_EQ(html.find("failed"), std::string::npos);
}

TEST(QualitySectionTest, MissingManifestIsASentence) {
  const std::string html = QualitySection("/nonexistent/wordviews/dir");
  EXPECT_NE(html.find("No <code>_manifest.json</code>"), std::string::npos);
}

TEST(DictionarySectionTest, ListsEveryColumnOfTheContract) {
  const std::string html = DictionarySection("/nonexistent/wordviews/dir");
  for (const model::TableContract& table : model::AllTableContracts()) {
    EXPECT_NE(html.find("<h3 id=\"dict-" + std::string(table.name) + "\">"), std::string::npos);
    for (const model::ColumnContract& c : table.columns) {
      const std::string row = "<tr><td>" + std::string(c.name) + "</td><td>" +
                              TypeName(c.physical, c.logical) + "</td><td>" +
                              (c.nullable() ? "yes" : "no") + "</td>";
      EXPECT_NE(html.find(row), std::string::npos) << row;
    }
  }
  EXPECT_EQ(Count(html, "(no Parquet file of this table in the folder)"), model::kAllTables.size());
}

TEST(DictionarySectionTest, TypeNames) {
  using parquet::LogicalType;
  using parquet::PhysicalType;
  EXPECT_EQ(TypeName(PhysicalType::kByteArray, LogicalType::kString), "string");
  EXPECT_EQ(TypeName(PhysicalType::kByteArray, LogicalType::kNone), "bytes");
  EXPECT_EQ(TypeName(PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc),
            "timestamp (UTC, µs)");
  EXPECT_EQ(TypeName(PhysicalType::kInt32, LogicalType::kDate), "date");
  EXPECT_EQ(TypeName(PhysicalType::kInt32, LogicalType::kInt16), "int32");
  EXPECT_EQ(TypeName(PhysicalType::kInt64, LogicalType::kInt64), "int64");
  EXPECT_EQ(TypeName(PhysicalType::kDouble, LogicalType::kNone), "double");
  EXPECT_EQ(TypeName(PhysicalType::kBoolean, LogicalType::kNone), "boolean");
}

// daily-totals and daily-trends shaped tables over `days` days from
// 2013-01-01, one pair ("x<y>" in the learning language: escaped), views = day
// number + 1.
struct DailyTables {
  analytics::ResultTable trends, totals;
};

DailyTables MakeDaily(int days) {
  using analytics::ValueType;
  DailyTables d;
  auto& tr = d.trends;
  for (const char* c : {"date", "learning_language", "ui_language"})
    tr.AddColumn(c, ValueType::kString, "");
  auto& to = d.totals;
  to.AddColumn("date", ValueType::kString, "");
  for (auto* t : {&tr, &to}) {
    for (const char* c : {"views", "active_users", "exercises", "correct"}) {
      t->AddColumn(c, ValueType::kInt64, "");
    }
    t->AddColumn("recall_rate", ValueType::kDouble, "");
  }
  to.AddColumn("new_users", ValueType::kInt64, "");
  const int64_t first = *ParseDateString("2013-01-01");
  for (int i = 0; i < days; ++i) {
    const std::string day = DateString(first + i);
    tr.column(0).AppendString(day);
    tr.column(1).AppendString("x<y>");
    tr.column(2).AppendString("en");
    to.column(0).AppendString(day);
    for (auto* t : {&tr, &to}) {
      const size_t base = t == &tr ? 3 : 1;
      t->column(base).AppendInt(i + 1);
      t->column(base + 1).AppendInt(1);
      t->column(base + 2).AppendInt(2);
      t->column(base + 3).AppendInt(1);
      t->column(base + 4).AppendDouble(0.5);
    }
    to.column(6).AppendInt(i == 0 ? 1 : 0);
  }
  return d;
}

TEST(DashboardSectionTest, ShowsTheLastSixtyDaysAndSaysSo) {
  const DailyTables d = MakeDaily(100);
  DashboardInput in;
  in.daily_trends = &d.trends;
  in.daily_totals = &d.totals;
  const std::string html = DashboardSection(in);
  // 4 charts of one series each, 60 points each.
  EXPECT_EQ(Count(html, "<circle class=\"point\""), 4u * 60);
  EXPECT_EQ(Count(html, "data-x=\"2013-02-09\""), 0u);  // day 40 (0-based 39) is not shown
  EXPECT_EQ(Count(html, "data-x=\"2013-02-10\""), 4u);  // day 41: the first shown
  EXPECT_EQ(Count(html, "data-x=\"2013-04-10\""), 4u);  // the last
  EXPECT_NE(html.find("The last 60 of 100 days"), std::string::npos);
  EXPECT_EQ(html.find("x<y>"), std::string::npos);  // escaped
  EXPECT_NE(html.find("x&lt;y&gt;\u2190en"), std::string::npos);
  // Without a manifest, freshness is a sentence, not an error.
  EXPECT_NE(html.find("Freshness unknown: no manifest."), std::string::npos);
}

TEST(DashboardSectionTest, AShortRangeHasNoNoteAndNoDataHasNoChart) {
  const DailyTables d = MakeDaily(3);
  DashboardInput in;
  in.daily_trends = &d.trends;
  in.daily_totals = &d.totals;
  const std::string html = DashboardSection(in);
  EXPECT_EQ(Count(html, "<circle class=\"point\""), 4u * 3);
  EXPECT_EQ(html.find("The last"), std::string::npos);
  const DailyTables none = MakeDaily(0);
  in.daily_trends = &none.trends;
  in.daily_totals = &none.totals;
  EXPECT_EQ(Count(DashboardSection(in), "<svg"), 0u);
}

}  // namespace
}  // namespace wv::report
