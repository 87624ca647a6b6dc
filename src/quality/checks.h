#ifndef WV_QUALITY_CHECKS_H_
#define WV_QUALITY_CHECKS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/column_vector.h"
#include "parquet/schema.h"

// Data-quality checks over a run's output. Each check is a pure function of
// counts gathered while the tables were built (or of a key column), so it runs
// without re-reading anything and can be unit-tested by feeding it bad
// numbers. Thread-safe (no shared state).
namespace wv::quality {

enum class Severity {
  kError,    // a failure fails the run (QualityGateError) / the `check`
  kWarning,  // a counted anomaly: reported, never fatal
  kInfo,     // a count worth knowing (e.g. wildcard words); always passes
};

struct CheckResult {
  std::string name;  // stable identifier, e.g. "dim_users.user_id.unique"
  bool passed = false;
  Severity severity = Severity::kError;
  int64_t observed = 0;  // the measured quantity (violations, or a row count)
  int64_t expected = 0;  // what it should be
  std::string detail;    // one human sentence
};

std::string_view SeverityName(Severity s);

// True when no kError check failed.
bool AllErrorChecksPassed(const std::vector<CheckResult>& results);

// Every value of a key column is distinct (BYTE_ARRAY or INT64 keys).
// observed = number of duplicate values. With `in_prefix` (INT64 keys: the
// first `prefix_rows` values are all distinct, and in_prefix(v) tells
// whether v is one of them), only the values after them are inserted, and
// looked up with in_prefix too: the same result, without a set of the prefix.
CheckResult CheckKeysUnique(std::string_view table, std::string_view column,
                            const parquet::ColumnVector& keys, parquet::PhysicalType type,
                            size_t prefix_rows = 0,
                            const std::function<bool(int64_t)>& in_prefix = {});
// The same check from counts made elsewhere: `n` keys, `duplicates` of them
// repeated or NULL (a spilled dim_users counts its keys per hash partition).
CheckResult CheckKeyCounts(std::string_view table, std::string_view column, int64_t n,
                           int64_t duplicates);

// Every fact row's foreign key resolves to an emitted dimension row: the fact
// rows accounted for by the emitted keys (`covered`) must equal the fact rows
// written. observed = unresolved fact rows.
CheckResult CheckForeignKey(std::string_view fact_column, std::string_view dimension,
                            int64_t fact_rows, int64_t covered);

// input rows == fact rows + quarantined rows.
CheckResult CheckReconciliation(int64_t input_rows, int64_t fact_rows, int64_t quarantine_rows);

// The share of rows rejected for reasons other than `duplicate` is at most
// `max_bad_ratio`. observed = those rejected rows.
CheckResult CheckRejectedShare(int64_t input_rows, int64_t rejected_not_duplicate,
                               double max_bad_ratio);

// A count of violations that must be zero (an error check), e.g. NULLs in a
// required column or values outside their domain.
CheckResult CheckZero(std::string name, int64_t violations, std::string what);

// A counted anomaly (a warning): passed when zero, never fatal.
CheckResult CountAnomaly(std::string name, int64_t count, std::string what);

// An informational count: always passes.
CheckResult CountInfo(std::string name, int64_t count, std::string what);

// An error check with its outcome decided by the caller: for `check`, whose
// checks compare what the files hold with what the manifest claims.
CheckResult MakeCheck(std::string name, bool passed, int64_t observed, int64_t expected,
                      std::string detail);

}  // namespace wv::quality

#endif  // WV_QUALITY_CHECKS_H_
