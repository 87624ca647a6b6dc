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

// The part of an ingest that needs chunks in input order. Internal to the
// traces module.
namespace wv::traces {

// Finishes validated chunks, in input order: numbers their rows' lines
// (per file and run-wide), moves duplicates (rule 7) to the quarantine,
// counts rows into IngestStats, hands the chunk to `consume` and reports
// progress.
// Not thread-safe: one thread at a time (the ChunkReorderer ensures it).
class InOrderStage {
 public:
  using Consume = std::function<Status(ValidatedChunk&&)>;
  using Progress = std::function<void(const IngestProgress&)>;

  // REQUIRES: `paths`, `consume`, `progress`, `stored_bytes_read` and
  // `stats` outlive the stage; stats->files has one entry per path, whose
  // physical_lines the stage counts (from 1, the header).
  // `expected_rows` sizes the duplicate set up front (an estimate).
  InOrderStage(const std::vector<std::string>& paths, const Consume& consume,
               const Progress& progress, const std::atomic<uint64_t>* stored_bytes_read,
               std::optional<uint64_t> stored_bytes_total, size_t expected_rows,
               IngestStats* stats);

  // Finishes `chunk` and consumes it; returns the first error (of consume, or
  // an internal inconsistency).
  // REQUIRES: chunks come in sequence order.
  Status Finish(ChunkInFlight& chunk);

 private:
  // Turns chunk-relative line numbers into file line numbers and accounts
  // the chunk's physical lines.
  void NumberLines(ChunkInFlight& chunk);
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
  std::vector<DuplicateDetector::Duplicate> found_;  // scratch, reused per chunk
};

}  // namespace wv::traces

#endif  // WV_TRACES_IN_ORDER_STAGE_H_
