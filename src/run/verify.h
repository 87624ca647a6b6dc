#ifndef WV_RUN_VERIFY_H_
#define WV_RUN_VERIFY_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "quality/checks.h"
#include "run/recount.h"
#include "run/recount_state.h"

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
// as such (docs/PIPELINE.md, "What `check` proves"). The recount is kept
// per fact partition and per quarantine file (run/recount_state.h): `check`
// compares it with the output's _state/recount.json, and `run --append`
// verifies only what its batch wrote, merging the recorded counts of the
// files it kept (ReusableCounts). Thread-compatible.
namespace wv::run {

struct VerifyReport {
  std::vector<quality::CheckResult> checks;  // every check performed, passed or not
  // The quality checks as recomputed from the files (what the run's
  // quality::EvaluateRunChecks gives for them), when they could be.
  std::vector<quality::CheckResult> recomputed;
  // The recount of every fact partition and quarantine file (those taken
  // from ReusableCounts as recorded), valid when recount_complete.
  RecountState recount;
  bool recount_complete = false;
  bool ok() const { return quality::AllErrorChecksPassed(checks); }
};

class PublishedOutput;
struct Manifest;

// What `run --append` may take from the version it appends to without
// reading it again: that version's recorded counts, for the files the new
// version keeps unchanged (hard links), and its dimensions as the append read
// them (the new version's must keep every key of them, or the recorded
// coverage would not hold; the rows of the dimension files kept unchanged are
// taken from there instead of being decoded again).
struct ReusableCounts {
  std::optional<RecountState> recorded;  // none: an output from before the record; recount all
  const PreviousDimensions* previous_dims = nullptr;  // not null
  std::set<std::string> kept;  // paths of files linked unchanged from the previous version
};

// The previous version's record (an InputError when it is listed but does
// not read back with its size and CRC-32, or does not parse); `kept` as
// KeepPreviousFiles() linked them; `dims` as ReadPreviousDimensions() read
// them from `previous` (it must outlive the result).
StatusOr<ReusableCounts> ReusableCountsOf(const PublishedOutput& previous,
                                          std::set<std::string> kept,
                                          const PreviousDimensions* dims);

// An InputError when DIR or its manifest cannot be read at all; otherwise
// the report (whose failures the caller turns into a MismatchError).
// DIR is read as one version through run::PublishedOutput, even while a run
// republishes it.
StatusOr<VerifyReport> VerifyOutput(const std::string& dir);

// The same for an output already opened.
StatusOr<VerifyReport> VerifyOutput(const PublishedOutput& out);
// The same against `m` instead of the folder's own manifest: `run --append`
// verifies the version it staged before it writes that version's manifest.
// With `reuse`, the kept fact partitions and quarantine files that have a
// record (whose dimension keys all resolved) are not read: their recorded
// counts stand in for them; a dimension whose files are exactly the previous
// version's kept ones plus others has the kept ones' rows taken from
// reuse->previous_dims (as read from the previous version, which verified
// them when it was made) and only the others read; the kept state files are
// not read either;
// every other file is verified and recounted in full, and the whole output's
// quality checks are recomputed from the merge.
VerifyReport VerifyOutput(const PublishedOutput& out, const Manifest& m,
                          const ReusableCounts* reuse = nullptr);

}  // namespace wv::run

#endif  // WV_RUN_VERIFY_H_
