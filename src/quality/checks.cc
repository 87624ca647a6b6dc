#include "quality/checks.h"

#include "absl/container/flat_hash_set.h"
#include "fmt/core.h"

namespace wv::quality {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "error";
}

bool AllErrorChecksPassed(const std::vector<CheckResult>& results) {
  for (const CheckResult& r : results) {
    if (r.severity == Severity::kError && !r.passed) return false;
  }
  return true;
}

CheckResult CheckKeysUnique(std::string_view table, std::string_view column,
                            const parquet::ColumnVector& keys, parquet::PhysicalType type,
                            size_t prefix_rows, const std::function<bool(int64_t)>& in_prefix) {
  int64_t duplicates = 0;
  int64_t n = 0;
  if (type == parquet::PhysicalType::kByteArray) {
    absl::flat_hash_set<std::string> seen;
    n = static_cast<int64_t>(keys.bytes.size());
    seen.reserve(keys.bytes.size());
    for (size_t i = 0; i < keys.bytes.size(); ++i) {
      duplicates += !seen.emplace(keys.bytes[i]).second;
    }
  } else if (in_prefix && prefix_rows <= keys.i64.size()) {
    absl::flat_hash_set<int64_t> seen;
    n = static_cast<int64_t>(keys.i64.size());
    const auto rest = keys.i64.begin() + static_cast<std::ptrdiff_t>(prefix_rows);
    seen.reserve(static_cast<size_t>(keys.i64.end() - rest));
    for (auto it = rest; it != keys.i64.end(); ++it) {
      duplicates += in_prefix(*it) || !seen.insert(*it).second;
    }
  } else {
    absl::flat_hash_set<int64_t> seen;
    n = static_cast<int64_t>(keys.i64.size());
    seen.reserve(keys.i64.size());
    for (int64_t v : keys.i64) duplicates += !seen.insert(v).second;
  }
  for (uint8_t v : keys.valid) duplicates += v == 0;  // a NULL key is never acceptable
  return CheckKeyCounts(table, column, n, duplicates);
}

CheckResult CheckKeyCounts(std::string_view table, std::string_view column, int64_t n,
                           int64_t duplicates) {
  CheckResult r;
  r.name = fmt::format("{}.{}.unique", table, column);
  r.observed = duplicates;
  r.expected = 0;
  r.passed = duplicates == 0;
  r.detail = r.passed ? fmt::format("{} keys, all distinct", n)
                      : fmt::format("{} of {} keys are repeated or NULL", duplicates, n);
  return r;
}

CheckResult CheckForeignKey(std::string_view fact_column, std::string_view dimension,
                            int64_t fact_rows, int64_t covered) {
  CheckResult r;
  r.name = fmt::format("fact_wordviews.{}.resolves", fact_column);
  r.observed = fact_rows - covered;
  r.expected = 0;
  r.passed = r.observed == 0;
  r.detail = r.passed ? fmt::format("all {} fact rows resolve in {}", fact_rows, dimension)
                      : fmt::format("{} of {} fact rows have no matching row in {}", r.observed,
                                    fact_rows, dimension);
  return r;
}

CheckResult CheckReconciliation(int64_t input_rows, int64_t fact_rows, int64_t quarantine_rows) {
  CheckResult r;
  r.name = "reconciliation";
  r.observed = fact_rows + quarantine_rows;
  r.expected = input_rows;
  r.passed = r.observed == r.expected;
  r.detail = fmt::format("{} input rows {} {} fact rows + {} quarantined rows", input_rows,
                         r.passed ? "=" : "!=", fact_rows, quarantine_rows);
  return r;
}

CheckResult CheckRejectedShare(int64_t input_rows, int64_t rejected_not_duplicate,
                               double max_bad_ratio) {
  CheckResult r;
  r.name = "rejected_share";
  r.observed = rejected_not_duplicate;
  r.expected = static_cast<int64_t>(max_bad_ratio * static_cast<double>(input_rows));
  const double share = input_rows == 0 ? 0.0
                                       : static_cast<double>(rejected_not_duplicate) /
                                             static_cast<double>(input_rows);
  r.passed = share <= max_bad_ratio;
  r.detail = fmt::format(
      "{} of {} rows rejected (duplicates not counted): {:.4f}% {} --max-bad-ratio {}",
      rejected_not_duplicate, input_rows, share * 100.0, r.passed ? "<=" : ">", max_bad_ratio);
  return r;
}

CheckResult CheckZero(std::string name, int64_t violations, std::string what) {
  CheckResult r;
  r.name = std::move(name);
  r.observed = violations;
  r.passed = violations == 0;
  r.detail = r.passed ? fmt::format("no {}", what) : fmt::format("{} {}", violations, what);
  return r;
}

CheckResult CountAnomaly(std::string name, int64_t count, std::string what) {
  CheckResult r = CheckZero(std::move(name), count, std::move(what));
  r.severity = Severity::kWarning;
  return r;
}

CheckResult CountInfo(std::string name, int64_t count, std::string what) {
  CheckResult r;
  r.name = std::move(name);
  r.observed = count;
  r.passed = true;
  r.severity = Severity::kInfo;
  r.detail = fmt::format("{} {}", count, what);
  return r;
}

CheckResult MakeCheck(std::string name, bool passed, int64_t observed, int64_t expected,
                      std::string detail) {
  CheckResult r;
  r.name = std::move(name);
  r.passed = passed;
  r.observed = observed;
  r.expected = expected;
  r.detail = std::move(detail);
  return r;
}

}  // namespace wv::quality
