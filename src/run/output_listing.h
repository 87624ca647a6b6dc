#ifndef WV_RUN_OUTPUT_LISTING_H_
#define WV_RUN_OUTPUT_LISTING_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "quality/checks.h"
#include "run/manifest.h"
#include "run/published_output.h"

// What an output folder holds against what its manifest lists: the checks
// every reader of an output runs before answering (`query`, `report`), and
// that `check` runs before it reads the contents. They are cheap: the paths
// of the manifest, a walk of the folder, and each file's size and Parquet
// footer; no file is read whole and no CRC is computed (that is `check`'s).
// Every function is thread-compatible (const access to `out` only).
namespace wv::run {

// The one name at the top of an output that the manifest need not list:
// `run --report` writes the report after the manifest is published. It is
// derived from the tables (no reader uses it as data) and must be a regular
// file; anything else of that name is flagged like any unlisted entry.
inline constexpr std::string_view kReportName = "report.html";

// Empty when `path`, listed under `table`, is a path the run writes: relative,
// no empty, `.` or `..` component, inside the table's folder, and for the
// fact table inside a `date=YYYY-MM-DD` partition (`table/date=.../file`);
// other tables have their files directly in their folder. Otherwise why not.
std::string ListedPathProblem(std::string_view table, std::string_view path);

// Empty when `path`, listed among the manifest's state files, is one the run
// writes: `_state/courses.tsv`, `_state/lexemes_with_several_strings.tsv`,
// `_state/recount.json` (on S3 each with `-VERSION` before its extension:
// one name per version, io::VersionedName), or
// `_state/dedup/date=YYYY-MM-DD/NAME.fp`
// (no empty, `.` or `..` component). Otherwise why not.
std::string StatePathProblem(std::string_view path);

// Checks the manifest's table list: every table of the star-schema contract
// listed, no other, each with at least one file, every path acceptable to
// ListedPathProblem() and listed once.
std::vector<quality::CheckResult> CheckManifestPaths(const Manifest& m);

// Walks the folder (through out's pinned root, following no symbolic link)
// and flags every entry the manifest does not account for: at the top, any
// entry but the manifest, the table folders and kReportName; inside the
// table folders, any file not listed, any folder holding no listed file, any
// symbolic link (even to a listed file) or special file. One check per
// entry found (up to a cap) and a summary check "no_unlisted_entries".
std::vector<quality::CheckResult> CheckNoUnlistedEntries(const PublishedOutput& out,
                                                         const Manifest& m);

// Each listed file (with an acceptable path) present as a regular file with
// the listed size and, from its Parquet footer, the listed row count; each
// table's row count the sum of its files'.
std::vector<quality::CheckResult> CheckFilesCheaply(const PublishedOutput& out, const Manifest& m);

// The three above, in that order.
std::vector<quality::CheckResult> CheckListing(const PublishedOutput& out, const Manifest& m);

// Opens `dir` for a reader that answers from it (`query`, `report`):
// PublishedOutput::Open(), then, when the folder has a valid manifest,
// CheckListing(). A MismatchError naming the failed checks when any fails.
// Without a valid manifest (a star schema written by another tool) the
// folder is opened all the same and *note says that nothing was verified,
// for the caller to print; otherwise *note is cleared.
StatusOr<std::unique_ptr<PublishedOutput>> OpenVerifiedOutput(const std::string& dir,
                                                              std::string* note);

}  // namespace wv::run

#endif  // WV_RUN_OUTPUT_LISTING_H_
