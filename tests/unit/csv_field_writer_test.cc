#include <string>

#include "csv/field_writer.h"
#include "csv/row_parser.h"
#include "gtest/gtest.h"

namespace wv::csv {
namespace {

std::string Field(std::string_view s) {
  std::string out = "x";  // appends, never replaces
  AppendCsvField(s, &out);
  return out.substr(1);
}

TEST(CsvFieldWriterTest, PlainFieldsAreExact) {
  EXPECT_EQ(Field(""), "");
  EXPECT_EQ(Field("abc"), "abc");
  EXPECT_EQ(Field("caf\xC3\xA9 \t'x'"), "caf\xC3\xA9 \t'x'");
}

TEST(CsvFieldWriterTest, QuotesWhereRfc4180Needs) {
  EXPECT_EQ(Field("a,b"), "\"a,b\"");
  EXPECT_EQ(Field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(Field("a\rb"), "\"a\rb\"");
}

TEST(CsvFieldWriterTest, ReadsBackThroughTheParser) {
  const std::string value = "x,\"y\"\r\nz";
  std::string row;
  AppendCsvField(value, &row);
  row += ',';
  AppendCsvField("plain", &row);
  row += '\n';
  RowParser parser(row);
  Row parsed;
  ASSERT_TRUE(parser.Next(&parsed));
  EXPECT_TRUE(parsed.quote_error.empty()) << parsed.quote_error;
  ASSERT_EQ(parsed.field_count, 2u);
  EXPECT_EQ(parsed.fields[0], value);
  EXPECT_EQ(parsed.fields[1], "plain");
}

}  // namespace
}  // namespace wv::csv
