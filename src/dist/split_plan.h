#ifndef WV_DIST_SPLIT_PLAN_H_
#define WV_DIST_SPLIT_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "traces/ingest.h"

// Byte-range splits of one plain traces file for a distributed run
// (docs/DISTRIBUTED.md, `wordviews shard --plan BYTES`): where one large file
// may be cut so that several tasks read it and their rows, line numbers and
// first occurrences are exactly those of one run over the whole file.
//
// The cut points are found by reading the file once with the run's own
// csv::Chunker at the run's chunk size: a range ends only at the end of one
// of the chunks one run would read, never inside a row (a quoted field that
// spans lines included, decided by csv::ScanRow with the chunker's look-ahead
// exactly as in the run). A range that starts there is then cut by its own
// chunker into the very chunks the whole file's chunker cut from that point
// on, and its lines are numbered after the `lines_before` counted here.
//
// Thread-safety: PlanByteRanges may be called from any thread.
namespace wv::dist {

struct RangePlan {
  std::string path;
  uint64_t bytes = 0;  // the file's size
  // In file order, covering [0, bytes) without gaps; empty when the file
  // cannot be split (a gzip file: one whole-file split).
  std::vector<traces::ByteRange> ranges;
};

// Cuts `path` into ranges of at least `target_bytes` (the last may be
// shorter), at chunk boundaries of a chunker of `chunk_bytes`.
// REQUIRES: target_bytes > 0; chunk_bytes is the ingest's
// (traces::IngestOptions::chunk_bytes).
// Errors: UsageError (an s3:// path, a target of 0), InputError (the file
// cannot be read, is empty, or its first line is not the header).
StatusOr<RangePlan> PlanByteRanges(const std::string& path, uint64_t target_bytes,
                                   size_t chunk_bytes = traces::IngestOptions::kDefaultChunkBytes);

// The plan as one JSON line: {"input", "bytes", "ranges": [[start, end,
// lines_before], ...]}.
std::string RangePlanJson(const RangePlan& plan);

// The inputs one run reads for the input argument `pattern`, expanded as
// `run` expands it (traces::ExpandTracePaths: a local file or glob, an s3://
// object, every object under a prefix ending in '/', or the keys matching a
// glob, in key order), as one JSON line {"inputs": [...]}: what a scheduler
// plans its splits from (`wordviews shard --list`). S3 connection settings
// are the process's (io::ConfigureS3). Errors: ExpandTracePaths' (an
// InputError when nothing matches).
StatusOr<std::string> ListInputsJson(const std::string& pattern);

}  // namespace wv::dist

#endif  // WV_DIST_SPLIT_PLAN_H_
