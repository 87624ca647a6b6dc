#ifndef WV_DIST_MERGE_H_
#define WV_DIST_MERGE_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "dist/split_step.h"
#include "run/pipeline.h"

// `wordviews merge`: the last step of a distributed run (docs/DISTRIBUTED.md),
// on the driver. From the chosen attempt of every split, in input order, it
// stages OUT as one `run` over all the inputs would: the splits' fact and
// quarantine files (hard-linked, renamed part-s<split>-...), the four
// dimensions built from the splits' dims.bin with the run's own builder
// (model::DimensionBuilder, fed in input order), the quality checks
// recomputed over the whole staged output (run::VerifyOutput, as
// `run --append` does), the quality gate, the manifest last; then publishes
// with the output store exactly as `run` does (ownership checks, writer
// lock, refusal of a folder that is not ours, atomic exchange).
//
// Thread-safety: MergeSplits may be called from any thread.
namespace wv::dist {

struct MergeOptions {
  std::string out_dir;
  // The chosen attempt of every split (dist/split_step.h), in input order
  // (split i is input i of the run), given one of two ways (not both):
  // its folder, whose files are taken as they are (a shell scheduler's
  // --split), or its report (--reports: a folder or an s3:// prefix, every
  // file merge uses checked against the report's size and CRC-32 as it is
  // read, fetched or linked; an InputError on a difference).
  std::vector<std::string> splits;
  std::vector<SplitReport> reports;
  std::string run_id;  // the id the splits were run with
  std::string compression = "zstd";
  double max_bad_ratio = 0.05;
  double wait_seconds = 0;
  std::string lexemes_path, languages_path;
  std::vector<std::string> arguments;  // for the manifest
  // As for run: past a tenth of it the session log spills into a spill
  // folder under tmp_dir (default: beside OUT), removed however the merge
  // ends. 0: no limit.
  uint64_t memory_limit_bytes = run::kDefaultMemoryLimit;
  std::string tmp_dir;
};

// Errors: UsageError, InputError (a split folder that is not a split's
// output, a split run with another run id, a file that differs from its
// attempt's report), QualityGateError, OutputError
// (OUT cannot be written, is not ours, or another writer holds it). On any
// error OUT is as it was.
StatusOr<run::RunSummary> MergeSplits(const MergeOptions& options);

// Opens OUT's output store as `run` would (refusing a location that is not
// ours or that holds one of `inputs`) and lets it go: what a scheduler calls
// before it starts any task.
Status CheckOutputLocation(const std::string& out_dir, const std::vector<std::string>& inputs,
                           double wait_seconds);

}  // namespace wv::dist

#endif  // WV_DIST_MERGE_H_
