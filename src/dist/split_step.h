#ifndef WV_DIST_SPLIT_STEP_H_
#define WV_DIST_SPLIT_STEP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "dist/attempt_store.h"
#include "io/s3_connection.h"
#include "run/pipeline.h"

// `wordviews shard`: one split of a distributed run (docs/DISTRIBUTED.md),
// one attempt. A split is one input file (or object), named exactly as the
// whole run names it (its rows' source_file), or a byte range of one plain
// file planned by `shard --plan` (dist/split_plan.h). The attempt writes only under
// its own folder, which must not exist:
//   ATTEMPT/out/              the split's tables, as `run` of that file alone
//                             would publish them, except that rows whose first
//                             occurrence is in an earlier split (--losers) are
//                             quarantined as duplicates of it;
//   ATTEMPT/fingerprints.bin  the split's first occurrences (dist/split_files.h);
//   ATTEMPT/dims.bin          its accepted rows' dimension columns.
// ATTEMPT may be an s3:// prefix (dist/attempt_store.h): the attempt then
// runs in a private folder under tmp_dir and puts its files under the prefix,
// which must hold no object yet, each only if its key is free.
// Without --losers this is the first step (every split, in parallel); with
// it, the finishing step of a split that has cross-split duplicates (a split
// without any is final after the first step).
//
// Thread-safety: RunSplit may be called from any thread (it runs a pipeline).
namespace wv::dist {

struct SplitOptions {
  std::string input;  // the split's file, as the whole run names it
  // Only this byte range of `input` (dist/split_plan.h); nullopt: the whole file.
  std::optional<traces::ByteRange> range;
  std::string attempt_dir;  // created here; an OutputError if it exists
  std::string losers_path;  // empty: none (the first step); a file or an s3:// object
  // An s3:// attempt's local folder goes under it (default $TMPDIR), removed
  // however the shard ends.
  std::string tmp_dir;
  std::string run_id;  // the distributed run's id (the rows' batch_id)
  std::string compression = "zstd";
  int threads = 1;
  uint64_t memory_limit_bytes = run::kDefaultMemoryLimit;
  std::string lexemes_path, languages_path;
  io::S3Settings s3;
};

struct SplitReport {
  std::string attempt_dir;         // a folder or an s3:// prefix
  std::vector<WrittenFile> files;  // everything the attempt wrote, sorted by path
  int64_t input_rows = 0, accepted_rows = 0, rejected_rows = 0;
  size_t losers = 0;     // fingerprints of --losers
  bool spilled = false;  // the duplicate detection spilled to disk (--memory-limit)
  // The process's CPU seconds (user + system) at the report: what the task
  // cost, which a scheduler cannot always measure (Spark's Python workers).
  double cpu_seconds = 0;
};

// Errors as run's (UsageError, InputError, OutputError); the attempt folder
// is left as it is on failure (the scheduler ignores failed attempts).
StatusOr<SplitReport> RunSplit(const SplitOptions& options);

// The report as one JSON line (what the scheduler reads on stdout).
std::string SplitReportJson(const SplitReport& report);

// A report back from SplitReportJson's text (the attempt folder and its
// files; the counters are not needed). An InputError naming `where` if it is
// not such a report.
StatusOr<SplitReport> ParseSplitReportJson(std::string_view text, const std::string& where);

}  // namespace wv::dist

#endif  // WV_DIST_SPLIT_STEP_H_
