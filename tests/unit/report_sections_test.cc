// The report's quality-check and data-dictionary sections.
#include <string>

#include "gtest/gtest.h"
#include "model/star_schema.h"
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

}  // namespace
}  // namespace wv::report
