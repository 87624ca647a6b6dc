#ifndef WV_RUN_PIPELINE_H_
#define WV_RUN_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/s3_connection.h"
#include "parquet/schema.h"
#include "run/manifest.h"
#include "traces/duplicate_history.h"
#include "traces/ingest.h"
#include "traces/trace_batch.h"

namespace wv::io {
class OutputStore;
}  // namespace wv::io

// `wordviews run` as a library call: read and validate the traces, build the
// star schema, check it, write the manifest and publish the output folder
// atomically. The CLI only parses flags and draws progress.
//
// Thread-safety: RunPipeline() may be called from any thread; it starts its
// own workers, and calls the observer from the thread that consumes chunks.
namespace wv::run {

class AbsentFileSource;  // run/published_output.h

inline constexpr uint64_t kDefaultMemoryLimit = uint64_t{1} << 30;
// The least --memory-limit that parses (the least a run accepts is higher and
// depends on its threads: run/memory_plan.h, MinimumMemoryLimit).
inline constexpr uint64_t kMinMemoryLimit = uint64_t{1} << 20;

struct RunOptions {
  std::vector<std::string> traces;  // files, globs or s3:// objects, prefixes, globs; CSV or gzip
  std::string lexemes_path;         // empty: bundled reference
  std::string languages_path;       // empty: bundled reference
  std::string out_dir;
  int threads = 0;                   // 0: hardware concurrency
  std::string compression = "zstd";  // zstd | snappy | none
  // Nearly sorted INT64 columns (line_number, epoch) written DELTA_BINARY_PACKED
  // (parquet::WriterOptions::delta_binary_packed).
  bool parquet_delta = false;
  double max_bad_ratio = 0.05;
  double wait_seconds = 0;  // for another run writing out_dir (0: fail at once)
  // What the run may hold in memory before it spills to disk (bytes; 0: no
  // limit, never spill). See docs/ARCHITECTURE.md, Memory.
  uint64_t memory_limit_bytes = kDefaultMemoryLimit;
  // Non-zero: what the parts that grow with the input share, instead of what
  // the limit leaves them (run/memory_plan.h); tests force tiny budgets so.
  uint64_t spill_budget_bytes = 0;
  // Where the spill folder goes; empty: beside out_dir.
  std::string tmp_dir;
  double s3_grace_seconds = 900;  // S3 out: how long superseded objects are kept
  // Add the traces to out_dir as a new batch instead of replacing it
  // (run/append.h; docs/PIPELINE.md, Appending).
  bool append = false;
  // Keep the append state (run/append.h) in a plain run too, so that later
  // --append runs can grow its output; --append implies it.
  bool appendable = false;
  // The run's id (the manifest's run_id, the batch_id of its rows); empty:
  // a new one from the time and a random number. Letters, digits, '.', '_'
  // and '-', at most 64; local outputs only (S3 object names carry it), and
  // not the id of an earlier batch of the output.
  std::string run_id;
  std::vector<std::string> arguments;  // the command line, for the manifest
  // How s3:// paths are reached (endpoint, region, addressing, credentials):
  // RunPipeline makes them the process's (io::ConfigureS3) before it opens
  // anything. The client is created only if an s3:// path is used.
  io::S3Settings s3;
  // ---- For an outside scheduler (src/dist): one split of a distributed run ----
  // Rule 7 across the splits: asked about every accepted row before the run's
  // own duplicate set, told every first occurrence (traces/duplicate_history.h).
  // Null: none. Not with append/appendable (they bring their own).
  traces::DuplicateHistory* split_history = nullptr;
  // With append: out_dir holds part of the version it appends to, the rest
  // brought in from here as read (run/s3_append.h's partial copy). Null: a
  // complete folder.
  const AbsentFileSource* previous_files = nullptr;
  // Called with each chunk's accepted rows (after rule 7), in input order,
  // from the thread that consumes chunks. May be empty.
  std::function<Status(const traces::TraceBatch&)> on_accepted;
  // Only this byte range of the one --traces input, a local plain file
  // (traces/ingest.h, ByteRange); its manifest input lists the range's bytes
  // and CRC-32. Not with append/appendable.
  std::optional<traces::ByteRange> input_range;
};

// A snapshot of progress, delivered from the thread that consumes chunks.
struct RunProgress {
  int64_t rows = 0;
  uint64_t stored_bytes_read = 0;
  uint64_t stored_bytes_total = 0;  // 0 when unknown
  double elapsed_seconds = 0;
};

struct RunObserver {
  std::function<void(const RunProgress&)> on_progress;  // may be empty
  std::function<void(const std::string&)> on_stage;     // "ingest", "dimensions", ...

  // Calls on_stage, if set.
  void Stage(const std::string& name) const;
};

struct RunSummary {
  Manifest manifest;
  double seconds = 0;
  std::string out_dir;
  std::string commit_note;  // io::OutputStore::CommitNote(): what else the commit did
  // `run --append` of inputs every one of which was appended before: nothing
  // was read or published; `manifest` is the output's as it stands.
  bool no_op = false;
  // Requests, retries and bytes of the S3 client, when the run used S3.
  std::optional<s3::S3Counters> s3;
};

// Runs the whole job. Errors: UsageError (bad options), InputError (missing,
// unreadable, truncated input or a wrong header), QualityGateError (rejected
// share above max_bad_ratio or a failed error-level check), OutputError (the
// folder cannot be written or published, holds something that is not a
// wordviews output, or another run is writing it). On any error the previous
// content of out_dir is untouched.
StatusOr<RunSummary> RunPipeline(const RunOptions& options, const RunObserver& observer);

// The QualityGateError of `command` ("run", "merge") whose manifest's
// error-level checks did not all pass: the failed checks and the rejections
// by reason, out_dir named as left as it was.
Status QualityGateFailure(const Manifest& manifest, const std::string& out_dir,
                          std::string_view command);

// Writes the manifest into the store last, then commits it: the one commit
// point of a run's (or a merge's) staged output.
Status WriteManifestAndCommit(const Manifest& manifest, io::OutputStore* store);

// The process's peak resident set so far, in bytes (the manifest's
// peak_rss_bytes).
int64_t PeakRssBytes();

// The human summary printed at the end of a run.
std::string FormatRunSummary(const RunSummary& summary);

// Parses a byte count with an optional binary suffix: 1048576, 512K, 512M,
// 2G, 1T (K = 1024; a trailing "B" or "iB" is allowed: 512MB, 2GiB). A
// UsageError naming `option` otherwise.
StatusOr<uint64_t> ParseByteSize(std::string_view text, std::string_view option);

// Parses --compression.
StatusOr<parquet::Compression> ParseCompressionName(const std::string& name);

}  // namespace wv::run

#endif  // WV_RUN_PIPELINE_H_
