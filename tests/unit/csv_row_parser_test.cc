#include <string>
#include <vector>

#include "csv/row_parser.h"
#include "gtest/gtest.h"

namespace wv::csv {
namespace {

struct ParsedRow {
  std::string raw;
  std::vector<std::string> fields;
  uint64_t first_line;
  uint32_t lines;
  std::string error;
  bool operator==(const ParsedRow&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ParsedRow& r) {
  os << "{raw='" << r.raw << "' fields=[";
  for (const auto& f : r.fields) os << "'" << f << "' ";
  return os << "] line=" << r.first_line << " lines=" << r.lines << " error='" << r.error << "'}";
}

std::vector<ParsedRow> ParseAll(std::string_view text, size_t expected_fields = 0) {
  RowParser parser(text, expected_fields);
  Row row;
  std::vector<ParsedRow> rows;
  while (parser.Next(&row)) {
    ParsedRow out{
        std::string(row.raw), {}, row.first_line, row.lines, std::string(row.quote_error)};
    for (size_t i = 0; i < std::min(row.field_count, Row::kMaxFields); ++i) {
      out.fields.emplace_back(row.fields[i]);
    }
    rows.push_back(out);
  }
  return rows;
}

TEST(RowParserTest, PlainRowsLfCrlfAndNoFinalNewline) {
  const auto rows = ParseAll("a,b,c\r\nlonger field here,with more bytes than sixteen,x\nd,,f");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (ParsedRow{"a,b,c", {"a", "b", "c"}, 0, 1, ""}));
  EXPECT_EQ(rows[1], (ParsedRow{"longer field here,with more bytes than sixteen,x",
                                {"longer field here", "with more bytes than sixteen", "x"},
                                1,
                                1,
                                ""}));
  EXPECT_EQ(rows[2], (ParsedRow{"d,,f", {"d", "", "f"}, 2, 1, ""}));
}

TEST(RowParserTest, QuotedFieldsWithCommasNewlinesAndEscapes) {
  const auto rows = ParseAll("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nnext,row\n\"\",x\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (ParsedRow{"\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"",
                                {"a,b", "say \"hi\"", "two\nlines"},
                                0,
                                2,
                                ""}));
  EXPECT_EQ(rows[1], (ParsedRow{"next,row", {"next", "row"}, 2, 1, ""}));
  EXPECT_EQ(rows[2], (ParsedRow{"\"\",x", {"", "x"}, 3, 1, ""}));
}

TEST(RowParserTest, BlankLinesAreSkippedAndCountedAndTrailingCommasKept) {
  RowParser parser("\n,\r\n\r\na,\n\n\r");
  Row row;
  std::vector<std::vector<std::string>> fields;
  std::vector<uint64_t> lines;
  while (parser.Next(&row)) {
    fields.emplace_back(row.fields.begin(), row.fields.begin() + row.field_count);
    lines.push_back(row.first_line);
  }
  EXPECT_EQ(fields, (std::vector<std::vector<std::string>>{{"", ""}, {"a", ""}}));
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 3}));  // physical lines, blank ones counted
  EXPECT_EQ(parser.blank_lines(), 4u);              // "\n", "\r\n", "\n" and the final "\r"
  EXPECT_EQ(parser.lines(), 6u);
}

TEST(RowParserTest, MaybeControlIsFalseOnlyWithoutControlBytes) {
  // A control byte at every offset of rows of several lengths (16-byte steps
  // and the scalar tail), each followed by a clean row.
  for (size_t length : {3, 15, 16, 17, 40, 100}) {
    const std::string clean(length, 'a');
    for (size_t at = 0; at < length; ++at) {
      for (char control : {'\0', '\x01', '\t', '\x1f', '\x7f', '\r'}) {
        std::string dirty = clean;
        dirty[at] = control;
        const std::string text = dirty + "\n" + clean + "\n";
        RowParser parser(text);
        Row row;
        ASSERT_TRUE(parser.Next(&row));
        EXPECT_TRUE(row.maybe_control) << length << " " << at << " " << int{control};
        ASSERT_TRUE(parser.Next(&row));
        EXPECT_FALSE(row.maybe_control) << length << " " << at;
      }
    }
  }
}

TEST(RowParserTest, OnlyBlankLinesGiveNoRows) {
  RowParser parser("\n\r\n\n");
  Row row;
  EXPECT_FALSE(parser.Next(&row));
  EXPECT_EQ(parser.blank_lines(), 3u);
  EXPECT_EQ(parser.lines(), 3u);
}

TEST(RowParserTest, BlankLinesInsideQuotesAreData) {
  RowParser parser("a,\"x\n\n\r\ny\",b\n\nc,d,e\n", 3);
  Row row;
  ASSERT_TRUE(parser.Next(&row));
  EXPECT_EQ(row.fields[1], "x\n\n\r\ny");
  EXPECT_EQ(row.lines, 4u);
  ASSERT_TRUE(parser.Next(&row));
  EXPECT_EQ(row.raw, "c,d,e");
  EXPECT_EQ(row.first_line, 5u);
  EXPECT_FALSE(parser.Next(&row));
  EXPECT_EQ(parser.blank_lines(), 1u);  // only the one between the rows
}

TEST(RowParserTest, SpacesOrALoneQuoteAreNotBlank) {
  EXPECT_EQ(ParseAll(" \n").size(), 1u);
  EXPECT_EQ(ParseAll("\r\r\n").size(), 1u);  // content "\r": not blank
  EXPECT_EQ(ParseAll("\"\"\n").size(), 1u);  // one empty quoted field
}

TEST(RowParserTest, ALongSingleLineIsOneRow) {
  // The parser does not reject: the caller does (the validator, by length).
  const std::string text = std::string(kMaxRowBytes + 10, 'x') + "\nnext\n";
  const auto rows = ParseAll(text);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].raw.size(), kMaxRowBytes + 10);
  EXPECT_EQ(rows[1].raw, "next");
}

TEST(RowParserTest, AMultiLineRowLongerThanTheLimitEndsAtItsFirstLineEnd) {
  // Well formed with 3 fields, but its last line takes it past kMaxRowBytes.
  const std::string text = "a,\"b\nc\"," + std::string(kMaxRowBytes, 'z') + "\nnext,1,2\n";
  const auto rows = ParseAll(text, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].raw, "a,\"b");
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
  EXPECT_EQ(rows[1].first_line, 1u);
  EXPECT_EQ(rows[2].raw, "next,1,2");
  // One byte shorter than the limit: one row over two lines.
  const std::string fits = "a,\"b\nc\"," + std::string(kMaxRowBytes - 8, 'z') + "\nnext,1,2\n";
  const auto fit_rows = ParseAll(fits, 3);
  ASSERT_EQ(fit_rows.size(), 2u);
  EXPECT_EQ(fit_rows[0].raw.size(), kMaxRowBytes);
  EXPECT_EQ(fit_rows[0].error, "");
}

TEST(RowParserTest, ScanRowCutsAnOpenRowOnceItCannotEndWithinTheLimit) {
  // Incomplete while the row could still end within the limit...
  std::string open = "a,\"b\n" + std::string(kMaxRowBytes - 5, 'z');
  EXPECT_FALSE(ScanRow(open, /*at_eof=*/false, 3).complete);
  // ...and cut at its first line end once it cannot.
  open += "zz";
  const RowExtent extent = ScanRow(open, /*at_eof=*/false, 3);
  EXPECT_TRUE(extent.complete);
  EXPECT_TRUE(extent.unbalanced);
  EXPECT_EQ(extent.consumed, 5u);
  // The same when the data ends on a quote (the byte after it would decide).
  const RowExtent on_quote =
      ScanRow("a,\"b\n" + std::string(kMaxRowBytes, 'z') + "\"", /*at_eof=*/false, 3);
  EXPECT_TRUE(on_quote.complete);
  EXPECT_EQ(on_quote.consumed, 5u);
}

TEST(RowParserTest, BrokenQuotingIsReportedPerRow) {
  // An unclosed quote costs one row: the row ends at its first line end.
  auto rows = ParseAll("a,\"b,c\nnext,ok\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].raw, "a,\"b,c");
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
  EXPECT_EQ(rows[1], (ParsedRow{"next,ok", {"next", "ok"}, 1, 1, ""}));

  rows = ParseAll("a,\"b\"c,d\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "a character follows a closing quote");
  rows = ParseAll("a,b\"c\"\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "a quote inside an unquoted field");
  // A stray quote inside a field does not open a quoted field.
  rows = ParseAll("a,b\"c,d\ne,f\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error, "a quote inside an unquoted field");
  EXPECT_EQ(rows[1].raw, "e,f\"");
  rows = ParseAll("a,\"unclosed at the end");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
}

TEST(RowParserTest, AnOpenQuoteStopsAtTheCap) {
  // A quote that opens and is closed only much later (after kMaxRowBytes)
  // does not swallow the rows in between.
  std::string text = "x,\"open\n";
  const size_t filler_rows = kMaxRowBytes / 8 + 10;
  for (size_t i = 0; i < filler_rows; ++i) text += "1,23456\n";
  text += "\"closing,z\n";
  const auto rows = ParseAll(text);
  ASSERT_EQ(rows.size(), filler_rows + 2);
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
  EXPECT_EQ(rows[1], (ParsedRow{"1,23456", {"1", "23456"}, 1, 1, ""}));
  EXPECT_EQ(rows.back().error, "unbalanced quotes");
  EXPECT_EQ(rows.back().first_line, filler_rows + 1);
}

TEST(RowParserTest, AMultiLineRowMustBeWellFormedWithTheExpectedFieldCount) {
  // Well formed with 3 fields: one row over two lines.
  auto rows = ParseAll("a,\"b\nc\",d\nx,y,z\n", 3);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (ParsedRow{"a,\"b\nc\",d", {"a", "b\nc", "d"}, 0, 2, ""}));
  // The same bytes when 4 fields are expected: the quote cannot span lines.
  rows = ParseAll("a,\"b\nc\",d\nx,y,z\n", 4);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].raw, "a,\"b");
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
  EXPECT_EQ(rows[1].raw, "c\",d");
  EXPECT_EQ(rows[1].first_line, 1u);
  EXPECT_EQ(rows[2], (ParsedRow{"x,y,z", {"x", "y", "z"}, 2, 1, ""}));
  // A stray opening quote pairs with a later quoted field: the span is not a
  // well-formed row, so only the stray quote's line is lost.
  rows = ParseAll("1,\"2,3\n4,5,6\n7,\"8\",9\n", 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].error, "unbalanced quotes");
  EXPECT_EQ(rows[1], (ParsedRow{"4,5,6", {"4", "5", "6"}, 1, 1, ""}));
  EXPECT_EQ(rows[2], (ParsedRow{"7,\"8\",9", {"7", "8", "9"}, 2, 1, ""}));
  EXPECT_EQ(CompleteRowsPrefix("1,\"2,3\n4,5,6\n7,\"8\",9\n", 3), 21u);
}

TEST(RowParserTest, MoreFieldsThanCapacityAreCounted) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "f,";
  text += "last\n";
  RowParser parser(text);
  Row row;
  ASSERT_TRUE(parser.Next(&row));
  EXPECT_EQ(row.field_count, 41u);
  EXPECT_FALSE(parser.Next(&row));
}

TEST(ScanRowTest, CompleteRowsPrefixIsQuoteAware) {
  EXPECT_EQ(CompleteRowsPrefix("a,b\nc,d\ne,f"), 8u);
  EXPECT_EQ(CompleteRowsPrefix("a,b"), 0u);
  EXPECT_EQ(CompleteRowsPrefix("a,\"b\nc\",d\ne"), 10u);
  EXPECT_EQ(CompleteRowsPrefix("a,b\nc,\"d\ne"), 4u);  // the quote may still close
  const RowExtent extent = ScanRow("a,\"b\r\nc\"\r\nnext", false);
  EXPECT_TRUE(extent.complete);
  EXPECT_EQ(extent.content, 8u);
  EXPECT_EQ(extent.consumed, 10u);
  EXPECT_EQ(extent.lines, 2u);
  EXPECT_FALSE(ScanRow("a,\"b\nc", false).complete);
  const RowExtent at_eof = ScanRow("a,\"b\nc", true);
  EXPECT_TRUE(at_eof.complete);
  EXPECT_TRUE(at_eof.unbalanced);
  EXPECT_EQ(at_eof.consumed, 5u);
}

}  // namespace
}  // namespace wv::csv
