#ifndef WV_TRACES_INGEST_H_
#define WV_TRACES_INGEST_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/byte_source.h"
#include "traces/duplicate_history.h"
#include "traces/references.h"
#include "traces/trace_batch.h"

// The ingest driver: input files -> validated, deduplicated chunks, in input
// order. The `run` command builds the star schema from what it hands over.
//
//   reader thread:  open (gzip detected from the bytes) -> header check ->
//                   row-aligned chunks of ~4 MiB (quote-aware)
//                   [traces/trace_file_reader.h]
//   N workers:      parse + validate (rules 1-6) + fingerprint, one chunk each
//                   [traces/validator.h]
//   in order:       line numbers, duplicates (rule 7), consume(chunk)
//                   [traces/in_order_stage.h, traces/duplicate_detector.h]
//
// The stages meet in the hand-offs of traces/chunks_in_flight.h (buffer
// pool, queue, reorderer); the in-order stage runs on whichever worker
// delivers the next chunk.
//
// Memory is bounded: at most 2N+2 chunks are in flight; the duplicate set
// grows with distinct accepted rows (a 16-byte entry plus a control byte per
// slot, sized up front from the input sizes: about 285 MB for the real
// file's 12.85M rows) up to IngestSpill's budget, beyond which duplicates
// are found on disk and the chunks replayed (traces/in_order_stage.h).
namespace wv::traces {

struct IngestProgress {
  uint64_t rows = 0;                           // input rows handed to consume so far
  uint64_t stored_bytes_read = 0;              // bytes read from storage (compressed if gzip)
  std::optional<uint64_t> stored_bytes_total;  // when every input's size is known
};

// Where and how much the ingest may spill (bounded memory; see
// traces/in_order_stage.h).
struct IngestSpill {
  std::string folder;  // the run's own spill folder; empty: never spill
  // Memory for the duplicate set (and, once spilled, its sorters); 0: no limit.
  size_t duplicate_memory_bytes = 0;
  // Called once, from the in-order stage, when the run starts spilling.
  std::function<void()> on_spill = {};
};

// A byte range of one plain traces file (a split of a distributed run,
// docs/DISTRIBUTED.md): bytes [start, end), where both ends are chunk
// boundaries of the whole file's csv::Chunker at the ingest's chunk size
// (dist::PlanByteRanges finds them), so the range is cut into exactly the
// chunks, rows and lines one run over the whole file reads there.
// `lines_before` is the file's physical lines before `start`, the header
// included (ignored when start is 0: that range has the header). Plain data.
struct ByteRange {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t lines_before = 0;
};

// The chunk buffers an ingest with `workers` validation workers recycles:
// at most this many chunks are read or being validated at once.
inline size_t ChunkBufferCount(int workers) { return 2 * static_cast<size_t>(workers) + 2; }

struct IngestOptions {
  std::vector<std::string> paths;  // in order; already glob-expanded; "-" is stdin
  const References& refs;
  int threads = 2;  // validation workers (at least 1)
  // Called after each consumed chunk, from the thread that ran consume.
  std::function<void(const IngestProgress&)> progress = {};
  static constexpr size_t kDefaultChunkBytes = size_t{4} << 20;
  size_t chunk_bytes = kDefaultChunkBytes;  // target chunk size (tests use tiny ones)
  IngestSpill spill = {};
  // The earlier batches of the output (`run --append`), for rule 7 across
  // batches; null: this run is the only batch. Must outlive the ingest.
  DuplicateHistory* history = nullptr;
  // Empty, or one per path: nullopt reads the whole file, a range only those
  // bytes of a local plain file (no header check unless it starts at 0;
  // lines numbered from lines_before + 1).
  std::vector<std::optional<ByteRange>> ranges = {};
  // Whether the validating workers number each chunk's dimension keys
  // (ValidatedChunk::keys, traces/chunk_keys.h) for a consumer that builds
  // the dimensions (`run`); others skip the cost.
  bool dimension_keys = false;
};

struct IngestFileStats {
  std::string path;
  uint64_t rows = 0;            // data rows (not the header, not blank lines)
  uint64_t blank_lines = 0;     // empty (or "\r") lines between rows: skipped, not rows
  uint64_t physical_lines = 0;  // lines including the header and blank lines
  uint64_t stored_bytes = 0;    // bytes read from storage (the .gz size for gzip)
  uint64_t bytes = 0;           // bytes after decompression
  uint32_t stored_crc32 = 0;    // CRC-32 (zlib/gzip polynomial) of the stored bytes
  // A regular file's size, modification time, inode and device at open; the
  // file was verified unchanged when its last byte was read, and
  // stored_bytes equals its size. nullopt for stdin and pipes.
  std::optional<io::FileIdentity> identity;
  // An S3 object's URL, size and ETag at open; nullopt for local files.
  std::optional<io::ObjectIdentity> object;
};

struct IngestStats {
  uint64_t input_rows = 0;
  uint64_t blank_lines = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;  // duplicates included
  std::array<uint64_t, static_cast<size_t>(RejectReason::kNumReasons)> rejected_by_reason{};
  uint64_t stored_bytes = 0;
  uint64_t bytes = 0;
  std::vector<IngestFileStats> files;  // in input order; complete after a successful Run
};

// Runs one ingest.
// Not thread-safe: call Run once, from one thread.
class Ingestor {
 public:
  explicit Ingestor(IngestOptions options);

  // Reads every input in order and calls `consume` with each chunk in
  // sequence order (chunk.sequence = 0, 1, 2, ...), from one thread at a time
  // (not necessarily the caller's). Stops at the first error -- an unreadable,
  // corrupt or truncated input, a wrong header or empty file (InputError), or
  // an error returned by `consume` -- and returns it.
  // Within a chunk, accepted rows and rejected rows are each in line order;
  // every data row of the input lands in exactly one of them.
  Status Run(const std::function<Status(ValidatedChunk&&)>& consume);

  const IngestStats& stats() const { return stats_; }
  // Whether the run spilled its duplicate detection (after Run()).
  bool spilled() const { return spilled_; }

 private:
  IngestOptions options_;
  IngestStats stats_;
  bool spilled_ = false;
};

// Expands --traces arguments: each is a path, "-", or a glob(3) pattern
// (matches sorted), or an S3 URL: an object, a prefix ending in '/' (every
// object under it) or a '*'/'?' glob in the key's last segment (matches in
// key order; io::ExpandS3Input). A missing file or object, or a pattern
// matching nothing, is an InputError.
StatusOr<std::vector<std::string>> ExpandTracePaths(const std::vector<std::string>& arguments);

}  // namespace wv::traces

#endif  // WV_TRACES_INGEST_H_
