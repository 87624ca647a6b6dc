#ifndef WV_TRACES_IN_ORDER_STAGE_H_
#define WV_TRACES_IN_ORDER_STAGE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "traces/chunks_in_flight.h"
#include "traces/duplicate_detector.h"
#include "traces/ingest.h"
#include "traces/references.h"
#include "traces/spill_file.h"
#include "traces/spilled_duplicates.h"

// The part of an ingest that needs chunks in input order. Internal to the
// traces module.
namespace wv::traces {

// Finishes validated chunks, in input order: numbers their rows' lines
// (per file and run-wide), moves duplicates (rule 7) to the quarantine,
// counts rows into IngestStats, hands the chunk to `consume` and reports
// progress.
//
// Bounded memory: when the distinct rows would outgrow the duplicate set's
// budget, the stage stops deciding on the way. From that chunk on, it hands
// every accepted row's fingerprint to a SpilledDuplicates and appends the
// chunk's bytes (zstd) to a log in the spill folder, consuming nothing;
// FinishDeferred() then resolves the duplicates and replays the log:
// validates each chunk again (the validator is a pure function of the
// bytes), quarantines the duplicates found, and consumes the chunks in the
// same order, so the consumer sees exactly what it would have seen.
// Not thread-safe: one thread at a time (the ChunkReorderer ensures it).
class InOrderStage {
 public:
  using Consume = std::function<Status(ValidatedChunk&&)>;
  using Progress = std::function<void(const IngestProgress&)>;

  // REQUIRES: `paths`, `consume`, `progress`, `stored_bytes_read` and
  // `stats` outlive the stage; stats->files has one entry per path, whose
  // physical_lines the stage counts (from 1, the header).
  // `expected_rows` sizes the duplicate set up front (an estimate).
  // `history`, when set, holds the earlier batches' rows (see
  // traces/duplicate_history.h): a row equal to one of them is a duplicate
  // of it, and every row kept is remembered there.
  InOrderStage(const std::vector<std::string>& paths, const Consume& consume,
               const Progress& progress, const std::atomic<uint64_t>* stored_bytes_read,
               std::optional<uint64_t> stored_bytes_total, size_t expected_rows,
               const IngestSpill& spill, IngestStats* stats, DuplicateHistory* history = nullptr);

  // Finishes `chunk` and consumes it; returns the first error (of consume, or
  // an internal inconsistency).
  // REQUIRES: chunks come in sequence order.
  Status Finish(ChunkInFlight& chunk);

  // Replays the deferred chunks, if any (see above), validating them again
  // on up to `threads` threads (and numbering their dimension keys when
  // `dimension_keys`, IngestOptions). REQUIRES: after the last Finish(), once.
  Status FinishDeferred(const References& refs, int threads, bool dimension_keys);

  // Whether the duplicate set outgrew its budget (the chunks were deferred).
  bool spilled() const { return spilled_ != nullptr; }

 private:
  // One deferred chunk in the log: this header, then its bytes (zstd).
  struct DeferredHeader {
    uint64_t sequence;
    uint32_t file;
    uint32_t unused;
    int64_t first_line;  // of the chunk's first physical line, in its file
    uint64_t bytes;      // uncompressed
    uint64_t compressed_bytes;
  };

  // Turns chunk-relative line numbers into file line numbers and accounts
  // the chunk's physical lines; returns the line of the chunk's first one.
  int64_t NumberLines(ChunkInFlight& chunk);
  // Whether remembering `chunk`'s rows could outgrow the set's budget.
  bool WouldOutgrow(const ChunkInFlight& chunk) const;
  // Hands the set's rows to a SpilledDuplicates and opens the log.
  Status StartSpilling();
  Status Defer(const ChunkInFlight& chunk, int64_t first_line);
  // Reads the next deferred chunk into *chunk; false at the end of the log.
  StatusOr<bool> ReadDeferred(SpillReader* log, ChunkInFlight* chunk, int64_t* first_line);
  // Finds the spilled duplicates among `chunk`'s accepted rows (into found_).
  Status TakeSpilledDuplicates(const ChunkInFlight& chunk);
  // Puts the rows of `chunk` that repeat an earlier batch's among found_
  // (with their details in found_details_) and remembers the rows kept.
  Status ApplyHistory(const ChunkInFlight& chunk);
  // Quarantines found_, counts, checks and consumes `chunk`.
  Status Complete(ChunkInFlight& chunk);
  // Moves the rows `duplicates` names from chunk.validated.accepted to
  // chunk.validated.rejected, keeping both in line order.
  void QuarantineDuplicates(const std::vector<DuplicateDetector::Duplicate>& duplicates,
                            ChunkInFlight& chunk) const;
  // The detail of a duplicate whose first occurrence is at run-wide `line`.
  std::string DuplicateDetail(uint32_t first_line) const;
  void CountRows(const ValidatedChunk& chunk);
  void ReportProgress() const;

  const std::vector<std::string>& paths_;
  const Consume& consume_;
  const Progress& progress_;
  const std::atomic<uint64_t>* stored_bytes_read_;
  const std::optional<uint64_t> stored_bytes_total_;
  IngestStats* stats_;

  RunLineNumbers lines_;
  DuplicateDetector duplicates_;
  const IngestSpill spill_;
  size_t max_remembered_ = SIZE_MAX;  // distinct rows the set may hold
  std::unique_ptr<SpilledDuplicates> spilled_;
  std::unique_ptr<SpillWriter> deferred_log_;
  bool has_pending_ = false;  // pending_ holds the next spilled duplicate
  SpilledDuplicates::Found pending_{};
  std::string compressed_;                           // scratch
  std::vector<DuplicateDetector::Duplicate> found_;  // scratch, reused per chunk
  DuplicateHistory* history_ = nullptr;
  // With a history: per entry of found_, the detail of a duplicate of an
  // earlier batch's row ("" : of a row of this batch).
  std::vector<std::string> found_details_;
};

}  // namespace wv::traces

#endif  // WV_TRACES_IN_ORDER_STAGE_H_
