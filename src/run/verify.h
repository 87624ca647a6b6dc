#ifndef WV_RUN_VERIFY_H_
#define WV_RUN_VERIFY_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "quality/checks.h"

// `wordviews check DIR`: trusts nothing in DIR. It re-reads the output with
// the project's own Parquet reader and verifies it against DIR/_manifest.json:
// the listed paths stay inside DIR (run/output_listing.h), no entry of DIR is
// unlisted (report.html aside), every listed file has its size, CRC-32, row
// count and schema, and each table and quarantine reason its row count. It
// then rebuilds the run's statistics from the files (run/recount.h) and
// recomputes the quality checks with the functions the run used
// (quality::EvaluateRunChecks): each recomputed result is reported, and
// compared with the one the manifest stores (observed, expected, passed,
// severity, detail). The few checks the files cannot reproduce are listed
// as such (docs/PIPELINE.md, "What `check` proves"). Thread-compatible.
namespace wv::run {

struct VerifyReport {
  std::vector<quality::CheckResult> checks;  // every check performed, passed or not
  // The quality checks as recomputed from the files (what the run's
  // quality::EvaluateRunChecks gives for them), when they could be.
  std::vector<quality::CheckResult> recomputed;
  bool ok() const { return quality::AllErrorChecksPassed(checks); }
};

// An InputError when DIR or its manifest cannot be read at all; otherwise
// the report (whose failures the caller turns into a MismatchError).
// DIR is read as one version through run::PublishedOutput, even while a run
// republishes it.
StatusOr<VerifyReport> VerifyOutput(const std::string& dir);

class PublishedOutput;
struct Manifest;
// The same for an output already opened.
StatusOr<VerifyReport> VerifyOutput(const PublishedOutput& out);
// The same against `m` instead of the folder's own manifest: `run --append`
// verifies the version it staged before it writes that version's manifest.
VerifyReport VerifyOutput(const PublishedOutput& out, const Manifest& m);

}  // namespace wv::run

#endif  // WV_RUN_VERIFY_H_
