#include <cmath>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "gtest/gtest.h"
#include "traces/references.h"
#include "traces/validator.h"

namespace wv::traces {
namespace {

// The real first row of the data set (DATA_PROFILE.md), as fields.
std::vector<std::string> GoodFields() {
  return {"1.0",
          "1362076081",
          "27649635",
          "u:FO",
          "de",
          "en",
          "76390c1350a8dac31186187e2fe1e178",
          "lernt/lernen<vblex><pri><p3><sg>",
          "6",
          "4",
          "2",
          "2"};
}

std::string Join(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row += ',';
    row += fields[i];
  }
  return row;
}

std::string With(int column, const std::string& value) {
  auto fields = GoodFields();
  fields[column] = value;
  return Join(fields);
}

struct Outcome {
  ValidatedChunk chunk;
  DedupInput side;
};

Outcome Validate(const std::string& rows, int64_t first_line = 2) {
  static const References refs;
  ChunkValidator validator(refs);
  Outcome outcome;
  validator.Validate(rows, 3, first_line, &outcome.chunk, &outcome.side);
  EXPECT_EQ(outcome.chunk.accepted.size() + outcome.chunk.rejected.size(),
            outcome.chunk.input_rows);
  return outcome;
}

// Validates one row; returns "accepted" or "<reason>: <detail>".
std::string Verdict(const std::string& row) {
  const Outcome outcome = Validate(row + "\n");
  EXPECT_EQ(outcome.chunk.input_rows, 1u);
  if (outcome.chunk.accepted.size() == 1) return "accepted";
  if (outcome.chunk.rejected.size() != 1) return "lost";
  return std::string(RejectReasonName(outcome.chunk.rejected.reason[0])) + ": " +
         std::string(outcome.chunk.rejected.detail[0]);
}

std::string ReasonOf(const std::string& row) {
  const std::string verdict = Verdict(row);
  return verdict.substr(0, verdict.find(':'));
}

TEST(ValidatorTest, TheRealFirstRowIsAcceptedWithTypedValues) {
  const Outcome outcome = Validate(Join(GoodFields()) + "\n", 2);
  const TraceBatch& b = outcome.chunk.accepted;
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.p_recall[0], 1.0);
  EXPECT_EQ(b.timestamp[0], 1362076081);
  EXPECT_EQ(b.delta[0], 27649635);
  EXPECT_EQ(b.user_id[0], "u:FO");
  EXPECT_EQ(b.learning_language[0], "de");
  EXPECT_EQ(b.ui_language[0], "en");
  EXPECT_EQ(b.lexeme_id[0], "76390c1350a8dac31186187e2fe1e178");
  EXPECT_EQ(b.lexeme_string[0], "lernt/lernen<vblex><pri><p3><sg>");
  EXPECT_EQ(b.history_seen[0], 6);
  EXPECT_EQ(b.history_correct[0], 4);
  EXPECT_EQ(b.session_seen[0], 2);
  EXPECT_EQ(b.session_correct[0], 2);
  EXPECT_EQ(b.source_file[0], 3u);
  EXPECT_EQ(b.line_number[0], 2);
  EXPECT_EQ(outcome.side.fingerprints.size(), 1u);
  EXPECT_EQ(outcome.side.physical_lines, 1u);
}

TEST(ValidatorTest, Malformed) {
  auto fields = GoodFields();
  fields.pop_back();
  EXPECT_EQ(Verdict(Join(fields)), "malformed: expected 12 fields, found 11");
  fields = GoodFields();
  fields.push_back("extra");
  EXPECT_EQ(Verdict(Join(fields)), "malformed: expected 12 fields, found 13");
  EXPECT_EQ(Verdict(" "), "malformed: expected 12 fields, found 1");
  EXPECT_EQ(Verdict(With(kUserId, "\"u:FO")), "malformed: unbalanced quotes");
  EXPECT_EQ(Verdict(With(kUserId, "u\"FO")), "malformed: a quote inside an unquoted field");
  EXPECT_EQ(Verdict(With(kUserId, "\"u:\"FO")), "malformed: a character follows a closing quote");
  EXPECT_EQ(Verdict(With(kUserId, "u:\xff")), "malformed: invalid UTF-8 at byte 27 of the row");
  EXPECT_EQ(ReasonOf(With(kLexemeString, "\xc3(/x<n>")), "malformed");         // bad continuation
  EXPECT_EQ(ReasonOf(With(kLexemeString, "\xc0\xaf/x<n>")), "malformed");      // overlong '/'
  EXPECT_EQ(ReasonOf(With(kLexemeString, "\xed\xa0\x80/x<n>")), "malformed");  // surrogate
  EXPECT_EQ(ReasonOf(With(kLexemeString, "\xf4\x90\x80\x80/x<n>")), "malformed");  // > U+10FFFF
  EXPECT_EQ(ReasonOf(With(kLexemeString, "x/x<n>\xe2\x82")), "malformed");         // cut at the end
  EXPECT_EQ(Verdict(With(kLexemeString, "\xc3\xa9tant/\xc3\xaatre<vbser><pprs>")), "accepted");
  EXPECT_EQ(Verdict(With(kLexemeString, "\xf0\x9f\x98\x80/x<n>")), "accepted");  // 4-byte UTF-8
}

TEST(ValidatorTest, MissingValueNamesTheFirstEmptyField) {
  for (int column = 0; column < kNumTraceColumns; ++column) {
    EXPECT_EQ(Verdict(With(column, "")),
              "missing_value: field '" + std::string(kTraceColumnNames[column]) + "' is empty");
  }
  EXPECT_EQ(Verdict(With(kDelta, "\"\"")), "missing_value: field 'delta' is empty");
}

TEST(ValidatorTest, BadNumberForPRecall) {
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", " 1", "1 ", "0x1p-1", "1.", ".5",
                          "1e", "1e+", "--1", "+-1", "1,0", "one", "1.0.0", "0x10"}) {
    const std::string row = With(kPRecall, bad);
    if (std::string(bad) == "1,0") {
      EXPECT_EQ(ReasonOf(row), "malformed");  // the comma splits the field
      continue;
    }
    EXPECT_EQ(Verdict(row),
              "bad_number: field 'p_recall': '" + std::string(bad) + "' is not a decimal number")
        << bad;
  }
  for (const char* good : {"1", "0", "0.5", "+0.25", "-0", "1e0", "5E-1", "0.75e+0", "00.5"}) {
    EXPECT_EQ(Verdict(With(kPRecall, good)), "accepted") << good;
  }
  EXPECT_EQ(Validate(With(kPRecall, "-0") + "\n").chunk.accepted.p_recall[0], 0.0);
  EXPECT_FALSE(std::signbit(Validate(With(kPRecall, "-0") + "\n").chunk.accepted.p_recall[0]));
}

TEST(ValidatorTest, BadNumberForIntegers) {
  for (int column :
       {kTimestamp, kDelta, kHistorySeen, kHistoryCorrect, kSessionSeen, kSessionCorrect}) {
    const std::string name(kTraceColumnNames[column]);
    for (const char* bad : {"1.0", "1e5", " 1", "1 ", "0x10", "--1", "+", "-", "1_000", "nan"}) {
      EXPECT_EQ(Verdict(With(column, bad)),
                "bad_number: field '" + name + "': '" + bad + "' is not a base-10 integer")
          << name << " " << bad;
    }
    EXPECT_EQ(Verdict(With(column, "9223372036854775808")),
              "bad_number: field '" + name + "': '9223372036854775808' does not fit in 64 bits");
    EXPECT_EQ(ReasonOf(With(column, "-9223372036854775809")), "bad_number");
  }
  int64_t v = 0;
  using validation::IntParse;
  EXPECT_EQ(validation::ParseInt64("9223372036854775807", &v), IntParse::kOk);
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_EQ(validation::ParseInt64("-9223372036854775808", &v), IntParse::kOk);
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_EQ(validation::ParseInt64("+42", &v), IntParse::kOk);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(validation::ParseInt64("-0", &v), IntParse::kOk);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(validation::ParseInt64("000000000000000000000000001", &v), IntParse::kOk);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(Verdict(With(kDelta, "+27649635")), "accepted");
  EXPECT_EQ(Verdict(With(kHistoryCorrect, "-0")), "accepted");
}

TEST(ValidatorTest, OutOfRange) {
  EXPECT_EQ(Verdict(With(kPRecall, "1.0000001")),
            "out_of_range: field 'p_recall': '1.0000001' is outside [0, 1]");
  EXPECT_EQ(ReasonOf(With(kPRecall, "-0.1")), "out_of_range");
  EXPECT_EQ(ReasonOf(With(kPRecall, "1e999")), "out_of_range");  // parses to inf
  EXPECT_EQ(Verdict(With(kPRecall, "1e-999")), "accepted");      // underflows to 0
  // Timestamp bounds exactly: [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z).
  EXPECT_EQ(Verdict(With(kTimestamp, "946684800")), "accepted");
  EXPECT_EQ(Verdict(With(kTimestamp, "946684799")),
            "out_of_range: field 'timestamp': '946684799' is outside [2000-01-01, 2100-01-01)");
  EXPECT_EQ(Verdict(With(kTimestamp, "4102444799")), "accepted");
  EXPECT_EQ(ReasonOf(With(kTimestamp, "4102444800")), "out_of_range");
  EXPECT_EQ(ReasonOf(With(kTimestamp, "-1")), "out_of_range");
  EXPECT_EQ(Verdict(With(kDelta, "-5")), "out_of_range: field 'delta': '-5' is negative");
  EXPECT_EQ(Verdict(With(kDelta, "0")), "accepted");
  EXPECT_EQ(Verdict(With(kSessionSeen, "0")),
            "out_of_range: field 'session_seen': '0' is less than 1");
  // session_correct > session_seen (2), and negative.
  EXPECT_EQ(Verdict(With(kSessionCorrect, "3")),
            "out_of_range: field 'session_correct': '3' is outside [0, session_seen = 2]");
  EXPECT_EQ(ReasonOf(With(kSessionCorrect, "-1")), "out_of_range");
  EXPECT_EQ(Verdict(With(kSessionCorrect, "0")), "accepted");
  // history_correct > history_seen (6), and negative; history_seen 0 with 0 correct is fine.
  EXPECT_EQ(Verdict(With(kHistoryCorrect, "7")),
            "out_of_range: field 'history_correct': '7' is outside [0, history_seen = 6]");
  EXPECT_EQ(ReasonOf(With(kHistoryCorrect, "-1")), "out_of_range");
  EXPECT_EQ(Verdict(With(kHistorySeen, "-1")),
            "out_of_range: field 'history_seen': '-1' is negative");
  auto fields = GoodFields();
  fields[kHistorySeen] = "0";
  fields[kHistoryCorrect] = "0";
  EXPECT_EQ(Verdict(Join(fields)), "accepted");
}

TEST(ValidatorTest, CountsAndDeltaFitIn32Bits) {
  // 2^31 - 1 is accepted, 2^31 and 2^63 - 1 are out of range (and 2^63 does
  // not parse), for each of delta, history_seen and session_seen.
  for (int column : {kDelta, kHistorySeen, kSessionSeen}) {
    const std::string name(kTraceColumnNames[column]);
    EXPECT_EQ(Verdict(With(column, "2147483647")), "accepted") << name;
    EXPECT_EQ(Verdict(With(column, "+2147483647")), "accepted") << name;
    EXPECT_EQ(Verdict(With(column, "2147483648")),
              "out_of_range: field '" + name + "': '2147483648' is above 2147483647");
    EXPECT_EQ(Verdict(With(column, "9223372036854775807")),
              "out_of_range: field '" + name + "': '9223372036854775807' is above 2147483647");
    EXPECT_EQ(Verdict(With(column, "9223372036854775808")),
              "bad_number: field '" + name + "': '9223372036854775808' does not fit in 64 bits");
  }
  // The correct counts are bounded by the seen counts, so by 2^31 - 1 too.
  auto fields = GoodFields();
  fields[kSessionSeen] = "2147483647";
  fields[kSessionCorrect] = "2147483647";
  fields[kHistorySeen] = "2147483647";
  fields[kHistoryCorrect] = "2147483647";
  fields[kPRecall] = "1";
  EXPECT_EQ(Verdict(Join(fields)), "accepted");
  fields[kSessionCorrect] = "2147483648";
  EXPECT_EQ(ReasonOf(Join(fields)), "out_of_range");
}

TEST(ValidatorTest, PRecallBoundsAreDecidedOnTheDigits) {
  // Above 1 by less than a double can tell: rounds to 1.0, still rejected.
  for (const char* above :
       {"1.00000000000000000001", "1.0000000000000000000001", "1.0000000000000001",
        "1.00000000000000000000000000000000000000001", "0.10000000000000000001e1",
        "100000000000000000001e-20", "1e1", "1.5", "+1.000000000000000000000000000000000001"}) {
    EXPECT_EQ(ReasonOf(With(kPRecall, above)), "out_of_range") << above;
  }
  // Below 0 by less than a double can tell: rounds to -0, still rejected.
  for (const char* below : {"-1e-400", "-0.0000000000000000000000001", "-0.1", "-1"}) {
    EXPECT_EQ(ReasonOf(With(kPRecall, below)), "out_of_range") << below;
  }
  // Exactly 0 or 1 in any spelling, or just inside: accepted.
  for (const char* inside : {"1",
                             "1.0",
                             "1.000000000000000000000000",
                             "1e0",
                             "10e-1",
                             "0.1e1",
                             "100000e-5",
                             "001.000",
                             "+1.0",
                             "0",
                             "0.0",
                             "-0",
                             "-0.0",
                             "-0e5",
                             "+0.000",
                             "0e-99999999999999999999999",
                             "0.99999999999999999999999",
                             "0.9999999999999999999999999999999999999",
                             "1e-400",
                             "0.000000000000000000000000000001",
                             "9e-1",
                             "999999999999999999999e-21"}) {
    EXPECT_EQ(Verdict(With(kPRecall, inside)), "accepted") << inside;
  }
  using validation::LocateInUnitInterval;
  using validation::UnitInterval;
  EXPECT_EQ(LocateInUnitInterval("10.0e-1000000000000000000000"), UnitInterval::kInside);
  EXPECT_EQ(LocateInUnitInterval("1e99999999999999999999999"), UnitInterval::kAbove);
  EXPECT_EQ(LocateInUnitInterval("-1e-99999999999999999999999"), UnitInterval::kBelow);
  EXPECT_EQ(LocateInUnitInterval("0.5"), UnitInterval::kInside);
  EXPECT_EQ(LocateInUnitInterval("2"), UnitInterval::kAbove);
  EXPECT_EQ(LocateInUnitInterval("1.00000000000000000000000000000000000000000000000001"),
            UnitInterval::kAbove);
  // The accepted value is the nearest double.
  const Outcome outcome = Validate(With(kPRecall, "0.99999999999999999999999") + "\n");
  ASSERT_EQ(outcome.chunk.accepted.size(), 1u);
  EXPECT_EQ(outcome.chunk.accepted.p_recall[0], 1.0);
}

TEST(ValidatorTest, UnknownLanguage) {
  EXPECT_EQ(Verdict(With(kLearningLanguage, "xx")),
            "unknown_language: field 'learning_language': 'xx' is not an alpha2 code of the "
            "language reference");
  EXPECT_EQ(ReasonOf(With(kUiLanguage, "EN")), "unknown_language");
  EXPECT_EQ(ReasonOf(With(kUiLanguage, "eng")), "unknown_language");
  EXPECT_EQ(ReasonOf(With(kUiLanguage, "en ")), "unknown_language");
  EXPECT_EQ(Verdict(With(kLearningLanguage, "pt")), "accepted");
  EXPECT_EQ(Verdict(With(kUiLanguage, "zu")), "accepted");  // any alpha2 of the reference
}

TEST(ValidatorTest, BadLexeme) {
  EXPECT_EQ(Verdict(With(kLexemeId, "76390C1350A8DAC31186187E2FE1E178")),
            "bad_lexeme: field 'lexeme_id': '76390C1350A8DAC31186187E2FE1E178' is not 32 "
            "lowercase hex digits");
  EXPECT_EQ(ReasonOf(With(kLexemeId, "76390c1350a8dac31186187e2fe1e17")), "bad_lexeme");
  EXPECT_EQ(ReasonOf(With(kLexemeId, "76390c1350a8dac31186187e2fe1e1788")), "bad_lexeme");
  EXPECT_EQ(ReasonOf(With(kLexemeId, "g6390c1350a8dac31186187e2fe1e178")), "bad_lexeme");
  EXPECT_EQ(Verdict(With(kLexemeString, "lernen<vblex>")),
            "bad_lexeme: field 'lexeme_string': 'lernen<vblex>' is not surface/lemma<tag>...: no "
            "'/' between surface and lemma");
  EXPECT_EQ(ReasonOf(With(kLexemeString, "lernt/lernen")), "bad_lexeme");
  EXPECT_EQ(ReasonOf(With(kLexemeString, "a/b>c<n>")), "bad_lexeme");
  // Unknown tags and wildcards are not rejected (quality checks count them).
  EXPECT_EQ(Verdict(With(kLexemeString, "<*sf>/ser<vbser><pri><*pers><*numb>")), "accepted");
  EXPECT_EQ(Verdict(With(kLexemeString, "x/y<notatag>")), "accepted");
}

TEST(ValidatorTest, PrecedenceGivesTheFirstFailingRule) {
  auto fields = GoodFields();
  // malformed beats everything: invalid UTF-8 plus an empty field.
  fields[kUserId] = "\xff";
  fields[kDelta] = "";
  EXPECT_EQ(ReasonOf(Join(fields)), "malformed");
  // missing_value beats bad_number.
  fields = GoodFields();
  fields[kPRecall] = "nan";
  fields[kSessionCorrect] = "";
  EXPECT_EQ(ReasonOf(Join(fields)), "missing_value");
  // bad_number beats out_of_range, even in a later column.
  fields = GoodFields();
  fields[kPRecall] = "2";
  fields[kSessionCorrect] = "x";
  EXPECT_EQ(Verdict(Join(fields)),
            "bad_number: field 'session_correct': 'x' is not a base-10 integer");
  // out_of_range beats unknown_language and bad_lexeme.
  fields = GoodFields();
  fields[kDelta] = "-1";
  fields[kUiLanguage] = "xx";
  fields[kLexemeId] = "nothex";
  EXPECT_EQ(ReasonOf(Join(fields)), "out_of_range");
  // unknown_language beats bad_lexeme.
  fields = GoodFields();
  fields[kUiLanguage] = "xx";
  fields[kLexemeString] = "broken";
  EXPECT_EQ(ReasonOf(Join(fields)), "unknown_language");
  // Within a rule, the first field in column order is named.
  fields = GoodFields();
  fields[kDelta] = "-1";
  fields[kPRecall] = "1.5";
  EXPECT_EQ(Verdict(Join(fields)), "out_of_range: field 'p_recall': '1.5' is outside [0, 1]");
}

TEST(ValidatorTest, CrlfAndQuotedFieldsAreAcceptedButNotLineBreaksInsideThem) {
  auto fields = GoodFields();
  fields[kUserId] = "\"u:FO\"";
  fields[kLexemeString] = "\",/,<cm>\"";
  const std::string quoted = Join(fields);
  fields = GoodFields();
  fields[kUserId] = "\"u:a\"\"b\nc\"";  // an escaped quote and a newline inside quotes
  const std::string multiline = Join(fields);
  const std::string text = Join(GoodFields()) + "\r\n" + quoted + "\r\n" + multiline + "\n" +
                           Join(GoodFields());  // the last line has no line end
  const Outcome outcome = Validate(text, 10);
  const TraceBatch& b = outcome.chunk.accepted;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.session_correct[0], 2);  // the '\r' is not part of the last field
  EXPECT_EQ(b.user_id[1], "u:FO");
  EXPECT_EQ(b.lexeme_string[1], ",/,<cm>");
  EXPECT_EQ(std::vector<int64_t>(b.line_number.begin(), b.line_number.end()),
            (std::vector<int64_t>{10, 11, 14}));
  // The row over two lines is one row, rejected: a line break is a control character.
  const QuarantineBatch& q = outcome.chunk.rejected;
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.line_number[0], 12);
  EXPECT_EQ(q.reason[0], RejectReason::kMalformed);
  EXPECT_EQ(q.detail[0], "control character 0x0A in field 'user_id'");
  EXPECT_EQ(q.raw_line[0], multiline);
  EXPECT_EQ(outcome.side.physical_lines, 5u);
}

TEST(ValidatorTest, ControlCharactersInAnyFieldAreMalformed) {
  const std::vector<std::pair<std::string, std::string>> controls = {{std::string(1, '\0'), "0x00"},
                                                                     {"\x01", "0x01"},
                                                                     {"\t", "0x09"},
                                                                     {"\r", "0x0D"},
                                                                     {"\x1b", "0x1B"},
                                                                     {"\x1f", "0x1F"},
                                                                     {"\x7f", "0x7F"},
                                                                     {"\xc2\x9b", "U+009B"},
                                                                     {"\xc2\x80", "U+0080"}};
  for (int column = 0; column < kNumTraceColumns; ++column) {
    for (const auto& [control, shown] : controls) {
      for (const bool quoted : {false, true}) {
        std::string value = GoodFields()[column];
        value.insert(value.size() / 2, control);
        if (quoted) value = "\"" + value + "\"";
        const std::string row = With(column, value);
        if (!quoted && control == "\r") continue;  // a trailing '\r' is a line end
        EXPECT_EQ(Verdict(row), "malformed: control character " + shown + " in field '" +
                                    std::string(kTraceColumnNames[column]) + "'")
            << column << " " << shown << " " << quoted;
      }
    }
  }
  // Printable neighbours and other non-ASCII are fine: ' ' is not a control
  // character (the lexeme rule decides), U+00A0 and U+2028 are not C0/C1.
  EXPECT_EQ(Verdict(With(kLexemeString, "\xc2\xa0/x<n>")), "accepted");
  EXPECT_EQ(Verdict(With(kLexemeString, "\xe2\x80\xa8/x<n>")), "accepted");
  EXPECT_EQ(Verdict(With(kUserId, "u:~")), "accepted");
  // Invalid UTF-8 is reported before a control character.
  EXPECT_EQ(Verdict(With(kUserId, "\xff\x01")), "malformed: invalid UTF-8 at byte 25 of the row");
}

TEST(ValidatorTest, BlankLinesAreNotRowsAndCountedSeparately) {
  const std::string good = Join(GoodFields());
  const Outcome outcome = Validate("\n" + good + "\n\r\n\n" + With(kDelta, "-1") + "\r\n\r", 2);
  EXPECT_EQ(outcome.chunk.input_rows, 2u);
  EXPECT_EQ(outcome.chunk.blank_lines, 4u);
  ASSERT_EQ(outcome.chunk.accepted.size(), 1u);
  EXPECT_EQ(outcome.chunk.accepted.line_number[0], 3);
  ASSERT_EQ(outcome.chunk.rejected.size(), 1u);
  EXPECT_EQ(outcome.chunk.rejected.line_number[0], 6);
  EXPECT_EQ(outcome.side.physical_lines, 6u);
  const Outcome only_blank = Validate("\n\n\r\n", 2);
  EXPECT_EQ(only_blank.chunk.input_rows, 0u);
  EXPECT_EQ(only_blank.chunk.blank_lines, 3u);
}

TEST(ValidatorTest, RowsLongerThanTheLimitAreMalformedAndKeepTheirStart) {
  auto fields = GoodFields();
  fields[kLexemeString] = std::string(csv::kMaxRowBytes, 'a') + "/a<n>";
  const std::string row = Join(fields);
  const Outcome outcome = Validate(row + "\n");
  ASSERT_EQ(outcome.chunk.rejected.size(), 1u);
  EXPECT_EQ(outcome.chunk.rejected.detail[0], "the row is longer than 65536 bytes");
  EXPECT_EQ(outcome.chunk.rejected.raw_line[0], row.substr(0, csv::kMaxRowBytes));
  // A row of exactly the limit is checked as usual.
  fields[kLexemeString] =
      std::string(csv::kMaxRowBytes - (row.size() - fields[kLexemeString].size()) - 5, 'a') +
      "/a<n>";
  const std::string longest = Join(fields);
  ASSERT_EQ(longest.size(), csv::kMaxRowBytes);
  EXPECT_EQ(Verdict(longest), "accepted");
}

TEST(ValidatorTest, RejectedRowsKeepTheirRawLineAndLine) {
  const std::string bad = With(kDelta, "-5");
  const Outcome outcome = Validate(Join(GoodFields()) + "\n" + bad + "\r\n", 7);
  ASSERT_EQ(outcome.chunk.rejected.size(), 1u);
  EXPECT_EQ(outcome.chunk.rejected.raw_line[0], bad);
  EXPECT_EQ(outcome.chunk.rejected.line_number[0], 8);
  EXPECT_EQ(outcome.chunk.rejected.source_file[0], 3u);
  EXPECT_EQ(outcome.chunk.rejected.reason[0], RejectReason::kOutOfRange);
}

TEST(ValidatorTest, LongValuesAreShortenedInDetails) {
  const std::string long_id = "u:" + std::string(200, 'x');
  auto fields = GoodFields();
  fields[kUserId] = long_id;
  fields[kDelta] = std::string(100, '7') + "x";
  const std::string verdict = Verdict(Join(fields));
  EXPECT_LT(verdict.size(), 150u) << verdict;
  EXPECT_NE(verdict.find("...'"), std::string::npos) << verdict;
}

TEST(ValidatorTest, FingerprintsIgnoreQuotingAndLineEnds) {
  auto quoted = GoodFields();
  for (auto& f : quoted) f = "\"" + f + "\"";
  const std::string text =
      Join(GoodFields()) + "\n" + Join(quoted) + "\r\n" + With(kDelta, "27649636") + "\n";
  const Outcome outcome = Validate(text);
  ASSERT_EQ(outcome.side.fingerprints.size(), 3u);
  EXPECT_EQ(outcome.side.fingerprints[0], outcome.side.fingerprints[1]);
  EXPECT_NE(outcome.side.fingerprints[0], outcome.side.fingerprints[2]);
  // Values containing commas cannot alias a different split of the same text.
  auto a = GoodFields();
  a[kUserId] = "\"u:a,b\"";
  a[kLexemeString] = "\"x/y<n>\"";
  auto b = GoodFields();
  b[kUserId] = "\"u:a\"";
  const Outcome pair = Validate(Join(a) + "\n" + Join(b) + "\n");
  ASSERT_EQ(pair.side.fingerprints.size(), 2u);
  EXPECT_NE(pair.side.fingerprints[0], pair.side.fingerprints[1]);
}

TEST(ValidatorTest, HeaderCheck) {
  EXPECT_TRUE(CheckTraceHeader(kTraceHeader, "f.csv").ok());
  EXPECT_TRUE(CheckTraceHeader(std::string(kTraceHeader) + "\r", "f.csv").ok());
  EXPECT_TRUE(CheckTraceHeader("\xEF\xBB\xBF" + std::string(kTraceHeader), "f.csv").ok());
  const Status wrong = CheckTraceHeader("a,b,c", "f.csv");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.kind(), ErrorKind::kInput);
  EXPECT_NE(wrong.message().find("f.csv: line 1: unexpected header 'a,b,c'"), std::string::npos)
      << wrong.message();
  EXPECT_FALSE(CheckTraceHeader(Join(GoodFields()), "f.csv").ok());
  EXPECT_FALSE(CheckTraceHeader("", "f.csv").ok());
  EXPECT_FALSE(CheckTraceHeader(" " + std::string(kTraceHeader), "f.csv").ok());
}

TEST(ValidatorTest, HeaderMessagesAreEscapedForTheTerminal) {
  // A header with terminal escapes, NUL and invalid UTF-8, in a file whose
  // name has a control character too: the message has none of them.
  const Status status =
      CheckTraceHeader(std::string("p_recall\x1b[2J,\0x,\xff\x07", 18), "dir/\x1b]0;t\x07.csv");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "dir/\\x1b]0;t\\x07.csv: line 1: unexpected header "
            "'p_recall\\x1b[2J,\\x00x,\\xff\\x07' (expected '" +
                std::string(kTraceHeader) + "')");
  EXPECT_EQ(FindControlCharacter(status.message()), std::string_view::npos);
  // A long one is cut before it is escaped, so no escape is cut in half.
  const Status long_one = CheckTraceHeader(std::string(100, '\x01'), "f.csv");
  EXPECT_NE(long_one.message().find("\\x01...'"), std::string::npos) << long_one.message();
  // A blank first line says so.
  const Status blank = CheckTraceHeader("\r", "f.csv");
  EXPECT_EQ(blank.message().substr(0, 39), "f.csv: line 1 is blank (expected the he");
}

}  // namespace
}  // namespace wv::traces
