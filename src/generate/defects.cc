#include "generate/defects.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "fmt/core.h"

// GCC 12 reports false -Wrestrict errors on std::string assignment once
// inlined (GCC bug 105329); the code here only assigns string literals.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no -Wrestrict (fuzz builds)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace wv::generate {

using traces::RejectReason;

namespace {

// Share of the defect rows per quarantine reason (enum order).
constexpr std::array<double, static_cast<int>(RejectReason::kNumReasons)> kDefectMix = {
    0.14, 0.12, 0.12, 0.16, 0.10, 0.14, 0.22};

// (Not std::string::insert(0, ...): GCC 12 warns falsely (-Wrestrict) on it.)
void Prefix(std::string_view prefix, std::string& field) {
  std::string joined;
  joined.reserve(prefix.size() + field.size());
  joined.append(prefix);
  joined.append(field);
  field.swap(joined);
}

// A wrong field count, invalid UTF-8 or broken quoting.
void BreakRowShape(Rng& rng, std::vector<std::string>& fields) {
  switch (rng.Below(4)) {
    case 0:
      fields.pop_back();  // 11 fields
      break;
    case 1:
      fields.push_back(fields.back());  // 13 fields
      break;
    case 2:
      Prefix("\xff", fields[traces::kLexemeString]);  // invalid UTF-8
      break;
    default: {
      // Broken quoting that stays within its line: a quote never opens a
      // quoted field mid-field, so a row cannot swallow the lines after it.
      std::string& text = fields[traces::kLexemeString];
      if (rng.Bernoulli(0.5)) {
        text.insert(text.begin() + 1, '"');  // a stray quote inside a bare field
      } else {
        Prefix("\"", text);
        text += "\"x";  // text after the closing quote
      }
      break;
    }
  }
}

// A numeric field that does not parse as its type.
void BreakNumber(Rng& rng, std::vector<std::string>& fields) {
  static constexpr std::array<int, 7> kNumeric = {
      traces::kPRecall,        traces::kTimestamp,   traces::kDelta,         traces::kHistorySeen,
      traces::kHistoryCorrect, traces::kSessionSeen, traces::kSessionCorrect};
  static constexpr std::array<const char*, 8> kBadDecimals = {"1.0.0", "abc", "0.5x", "nan",
                                                              "inf",   ".",   "1e",   "0..5"};
  static constexpr std::array<const char*, 7> kBadIntegers = {
      "12x", "x7", "1.5", "3e2", "99999999999999999999", "+-3", "1 2"};
  const int column = kNumeric[rng.Below(kNumeric.size())];
  fields[column] = column == traces::kPRecall ? kBadDecimals[rng.Below(kBadDecimals.size())]
                                              : kBadIntegers[rng.Below(kBadIntegers.size())];
}

// Numbers that parse but break a range or consistency rule.
void BreakRange(Rng& rng, const Row& base, std::vector<std::string>& fields) {
  switch (rng.Below(8)) {
    case 0:
      fields[traces::kPRecall] = "1.5";
      break;
    case 1:
      fields[traces::kPRecall] = "-0.25";
      break;
    case 2:
      fields[traces::kDelta] = fmt::format("-{}", std::max<int64_t>(base.delta, 5));
      break;
    case 3:
      fields[traces::kSessionSeen] = "0";
      fields[traces::kSessionCorrect] = "0";
      break;
    case 4:
      fields[traces::kSessionCorrect] = fmt::format("{}", base.seen + 1);
      break;
    case 5:
      fields[traces::kHistorySeen] = "-3";
      fields[traces::kHistoryCorrect] = "0";
      break;
    case 6:
      fields[traces::kHistoryCorrect] = fmt::format("{}", base.history_seen + 2);
      break;
    default:
      fields[traces::kTimestamp] = rng.Bernoulli(0.5) ? "4102444800" : "946684799";
      break;
  }
}

// A language code that is not in the reference list.
void BreakLanguage(Rng& rng, std::vector<std::string>& fields) {
  static constexpr std::array<const char*, 5> kUnknown = {"xx", "zz", "qq", "jp", "eng"};
  // (C++17 evaluates the right side of `=` first: the code is drawn before
  // the column, an order the seeds' outputs depend on.)
  fields[rng.Bernoulli(0.5) ? traces::kLearningLanguage : traces::kUiLanguage] =
      kUnknown[rng.Below(kUnknown.size())];
}

// A malformed lexeme id (case, length, a non-hex digit) or lexeme string (no
// surface/lemma separator, no tag).
void BreakLexeme(Rng& rng, std::vector<std::string>& fields) {
  std::string& id = fields[traces::kLexemeId];
  std::string& text = fields[traces::kLexemeString];
  switch (rng.Below(6)) {
    case 0:
      if (std::any_of(id.begin(), id.end(), [](char c) { return c >= 'a' && c <= 'f'; })) {
        for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else {
        id[0] = 'g';
      }
      break;
    case 1:
      id.pop_back();  // 31 digits
      break;
    case 2:
      id[0] = 'g';
      break;
    case 3:
      id.push_back('0');  // 33 digits
      break;
    case 4:
      text.erase(text.find('/'), 1);  // no surface/lemma separator
      break;
    default:
      text.erase(text.find('<', text.find('/')));  // no tag
      break;
  }
}

}  // namespace

RejectReason PickDefectReason(Rng& rng) {
  const double pick = rng.Unit();
  double acc = 0;
  for (int r = 0; r < static_cast<int>(RejectReason::kNumReasons); ++r) {
    acc += kDefectMix[r];
    if (pick < acc) return static_cast<RejectReason>(r);
  }
  return static_cast<RejectReason>(static_cast<int>(RejectReason::kNumReasons) - 1);
}

// A row's fields (the text holds no quotes or line end: a plain row).
std::vector<std::string> SplitAtCommas(std::string_view row_text) {
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    const size_t comma = row_text.find(',', start);
    fields.emplace_back(row_text.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

void AppendJoined(const std::vector<std::string>& fields, std::string& text) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) text.push_back(',');
    text.append(fields[i]);
  }
  text.push_back('\n');
}

// Breaks the rule `reason` stands for in the fields of `base`.
// REQUIRES: reason is not kDuplicate (a duplicate is the row unchanged)
void BreakOneRule(RejectReason reason, const Row& base, Rng& rng,
                  std::vector<std::string>& fields) {
  switch (reason) {
    case RejectReason::kMalformed:
      BreakRowShape(rng, fields);
      break;
    case RejectReason::kMissingValue:
      fields[rng.Below(traces::kNumTraceColumns)].clear();
      break;
    case RejectReason::kBadNumber:
      BreakNumber(rng, fields);
      break;
    case RejectReason::kOutOfRange:
      BreakRange(rng, base, fields);
      break;
    case RejectReason::kUnknownLanguage:
      BreakLanguage(rng, fields);
      break;
    case RejectReason::kBadLexeme:
      BreakLexeme(rng, fields);
      break;
    default:
      break;
  }
}

}  // namespace wv::generate
