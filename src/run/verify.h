#ifndef WV_RUN_VERIFY_H_
#define WV_RUN_VERIFY_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "quality/checks.h"

// `wordviews check DIR`: re-reads an output folder with the project's own
// Parquet reader and verifies it against DIR/_manifest.json — every listed
// file present (and no unlisted one), sizes, CRC-32s, row counts per file and
// table, schemas, dimension keys unique, fact foreign keys resolving, and the
// reconciliation input = fact + quarantine. Thread-compatible.
namespace wv::run {

struct VerifyReport {
  std::vector<quality::CheckResult> checks;  // every check performed, passed or not
  bool ok() const { return quality::AllErrorChecksPassed(checks); }
};

// An InputError when DIR or its manifest cannot be read at all; otherwise
// the report (whose failures the caller turns into a MismatchError).
// DIR is read as one version through run::PublishedOutput, even while a run
// republishes it.
StatusOr<VerifyReport> VerifyOutput(const std::string& dir);

class PublishedOutput;
// The same for an output already opened.
StatusOr<VerifyReport> VerifyOutput(const PublishedOutput& out);

}  // namespace wv::run

#endif  // WV_RUN_VERIFY_H_
