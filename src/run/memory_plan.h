#ifndef WV_RUN_MEMORY_PLAN_H_
#define WV_RUN_MEMORY_PLAN_H_

#include <cstddef>
#include <cstdint>

#include "core/status.h"

// MemoryPlan: how a run divides its --memory-limit (docs/ARCHITECTURE.md,
// Memory). A fixed reserve (the program, reference data, output buffers,
// the users spill's partition buffers) and the chunks in flight come off
// the top; what is left is the spill budget, which the parts that grow with
// the input share: the duplicate set, the fact writer, the session log and
// the users, each spilling (or sizing its batches) past its share; the
// remainder of the budget is headroom for the accumulators that grow only
// with distinct values (times, words, languages) and the allocator's slack.
// The chunks are smaller under a small limit (fewer bytes in flight, the
// same rows and output).
//
// Plain data and pure functions: thread-safe.
namespace wv::run {

struct MemoryPlan {
  uint64_t limit_bytes = 0;
  size_t chunk_bytes = 0;           // the ingest's chunk size
  uint64_t chunks_bytes = 0;        // the chunks in flight at that size, raw and validated
  uint64_t spill_budget_bytes = 0;  // what the shares below are of
  size_t duplicate_bytes = 0;
  int64_t fact_bytes = 0;
  int64_t sessions_bytes = 0;
  int64_t users_bytes = 0;
};

struct MemoryPlanInput {
  uint64_t limit_bytes = 0;  // REQUIRES: not 0 (0: no limit, no plan)
  int threads = 1;           // validation workers
  // The ingest's chunk size is kept at its default (a split's byte range is
  // cut at the default chunks' boundaries, traces/ingest.h).
  bool default_chunks = false;
  // Non-zero: the spill budget itself, instead of what the limit leaves
  // (tests force tiny budgets with it; the limit is still checked).
  uint64_t spill_budget_bytes = 0;
  // A limit below MinimumMemoryLimit() is refused (a usage error naming the
  // minimum); when false it is accepted and the budget is then the limit
  // itself, as before the reserve was counted (a distributed run's splits,
  // whose memory their scheduler plans).
  bool refuse_below_minimum = true;
};

// Bytes of a chunk in flight per byte of chunk: the raw buffer and its
// validated columns (measured with heaptrack: ~2.2 bytes of columns a byte),
// and its dimension keys (traces/chunk_keys.h: 0.09 bytes a byte on the
// generated traces, 4 a row, 8 a run, 24 a distinct word, 8 a user; 0.2
// with the vectors' growth slack).
inline constexpr double kChunkFootprint = 3.4;
// What does not scale with the limit: the program and its libraries, the
// reference data, the output files' sink buffers and Parquet writers, the
// quarantine's row group, the users spill's 256 partition buffers, and the
// RSS the heap's live bytes do not show (mapped files, the arenas' slack):
// 64 MiB left a 4x run at 256M 3 MiB over it (docs/BENCHMARKS.md).
inline constexpr uint64_t kFixedReserveBytes = uint64_t{80} << 20;
// The least spill budget a plan leaves (below it the shares are too small
// to hold a chunk's rows).
inline constexpr uint64_t kMinSpillBudgetBytes = uint64_t{32} << 20;

// The chunks a run holds at once with `threads` validation workers: the
// buffer pool's 2N+2 (raw and validated) and the dimension thread's queue.
uint64_t ChunksInFlight(int threads);

// The least --memory-limit a run with `threads` workers can keep to.
uint64_t MinimumMemoryLimit(int threads);

StatusOr<MemoryPlan> PlanMemory(const MemoryPlanInput& input);

}  // namespace wv::run

#endif  // WV_RUN_MEMORY_PLAN_H_
