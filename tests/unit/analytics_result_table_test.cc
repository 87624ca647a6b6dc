#include <cstdlib>
#include <string>

#include "analytics/result_table.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace wv::analytics {
namespace {

ResultTable Sample() {
  ResultTable t;
  const size_t s = t.AddColumn("name", ValueType::kString, "a string");
  const size_t i = t.AddColumn("count", ValueType::kInt64, "an int");
  const size_t d = t.AddColumn("rate", ValueType::kDouble, "a double");
  t.column(s).AppendString("plain");
  t.column(i).AppendInt(12);
  t.column(d).AppendDouble(0.1 + 0.2);  // 0.30000000000000004: needs 17 digits
  t.column(s).AppendString("a,\"b\"\nc<x>");
  t.column(i).AppendNull();
  t.column(d).AppendDouble(1.0 / 3.0);
  t.column(s).AppendNull();
  t.column(i).AppendInt(-5);
  t.column(d).AppendDouble(NAN);  // not representable: becomes null
  return t;
}

TEST(ResultTableTest, CsvQuotesAndFullPrecision) {
  const std::string csv = FormatAsCsv(Sample());
  EXPECT_EQ(csv,
            "name,count,rate\n"
            "plain,12,0.30000000000000004\n"
            "\"a,\"\"b\"\"\nc<x>\",,0.3333333333333333\n"
            ",-5,\n");
  EXPECT_EQ(std::strtod("0.3333333333333333", nullptr), 1.0 / 3.0);  // shortest form round-trips
}

TEST(ResultTableTest, JsonIsValidWithNullsAndExactDoubles) {
  const auto j = nlohmann::json::parse(FormatAsJson(Sample(), "sample"));
  EXPECT_EQ(j["query"], "sample");
  ASSERT_EQ(j["columns"].size(), 3u);
  EXPECT_EQ(j["columns"][2]["type"], "double");
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][0]["rate"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(j["rows"][1]["name"], "a,\"b\"\nc<x>");
  EXPECT_TRUE(j["rows"][1]["count"].is_null());
  EXPECT_TRUE(j["rows"][2]["name"].is_null());
  EXPECT_TRUE(j["rows"][2]["rate"].is_null());
}

TEST(ResultTableTest, EmptyJsonIsValid) {
  ResultTable t;
  t.AddColumn("x", ValueType::kInt64, "");
  const auto j = nlohmann::json::parse(FormatAsJson(t, "empty"));
  EXPECT_TRUE(j["rows"].empty());
}

TEST(ResultTableTest, TableIsAlignedWithTotals) {
  ResultTable t = Sample();
  t.totals() = {{"total"}, {"7"}, {""}};
  const std::string text = FormatAsTable(t);
  // Header, rule, 3 rows, rule, totals, row count.
  EXPECT_NE(text.find("name"), std::string::npos);
  EXPECT_NE(text.find("0.3000"), std::string::npos);  // display format for people
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_NE(text.find("(3 rows)"), std::string::npos);
  // Numbers are right-aligned: "12" and "-5" end in the same column.
  const size_t line1 = text.find("plain");
  const size_t line3 = text.find("-5");
  ASSERT_NE(line1, std::string::npos);
  ASSERT_NE(line3, std::string::npos);
  const size_t col12 = text.find("12", line1) - text.rfind('\n', line1);
  const size_t col5 = line3 - text.rfind('\n', line3);
  EXPECT_EQ(col12 + 1, col5 + 1);
}

}  // namespace
}  // namespace wv::analytics
