#include "run/memory_plan.h"

#include <algorithm>
#include <bit>

#include "fmt/core.h"
#include "model/dimension_feed.h"
#include "traces/ingest.h"

namespace wv::run {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
// Chunks are sized so that those in flight take at most this share of the
// limit, between the least that still reads whole rows cheaply and the
// ingest's default.
constexpr uint64_t kChunksShareDivisor = 6;
constexpr size_t kMinChunkBytes = size_t{64} << 10;

// The shares of the spill budget, in percent (the rest is headroom).
constexpr uint64_t kDuplicatePercent = 30;
constexpr uint64_t kFactPercent = 25;
constexpr uint64_t kSessionsPercent = 10;
constexpr uint64_t kUsersPercent = 10;

uint64_t ChunksBytes(int threads, size_t chunk_bytes) {
  return static_cast<uint64_t>(static_cast<double>(ChunksInFlight(threads)) *
                               static_cast<double>(chunk_bytes) * kChunkFootprint);
}

// REQUIRES: limit_bytes >= MinimumMemoryLimit(threads).
size_t ChunkBytesFor(uint64_t limit_bytes, int threads) {
  // At most a sixth of the limit, and never so much that the spill budget
  // falls below its least.
  const uint64_t for_chunks = std::min(limit_bytes / kChunksShareDivisor,
                                       limit_bytes - kFixedReserveBytes - kMinSpillBudgetBytes);
  const double per_chunk = static_cast<double>(for_chunks) /
                           (static_cast<double>(ChunksInFlight(threads)) * kChunkFootprint);
  const size_t fitting = std::bit_floor(static_cast<size_t>(std::max(per_chunk, 1.0)));
  return std::clamp(fitting, kMinChunkBytes, traces::IngestOptions::kDefaultChunkBytes);
}

}  // namespace

uint64_t ChunksInFlight(int threads) {
  return traces::ChunkBufferCount(threads) + model::DimensionFeed::kMaxQueued + 1;
}

uint64_t MinimumMemoryLimit(int threads) {
  const uint64_t bytes =
      kFixedReserveBytes + ChunksBytes(threads, kMinChunkBytes) + kMinSpillBudgetBytes;
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

StatusOr<MemoryPlan> PlanMemory(const MemoryPlanInput& input) {
  MemoryPlan plan;
  plan.limit_bytes = input.limit_bytes;
  const uint64_t minimum = MinimumMemoryLimit(input.threads);
  const bool below = input.limit_bytes < minimum;
  if (below && input.refuse_below_minimum) {
    return UsageError(fmt::format(
        "--memory-limit {}: below the {}M this run needs with {} thread(s) whatever the input "
        "(the program, its buffers and the chunks in flight); give at least {}M (or 0: no limit)",
        input.limit_bytes, minimum / kMiB, input.threads, minimum / kMiB));
  }
  plan.chunk_bytes = input.default_chunks || below
                         ? traces::IngestOptions::kDefaultChunkBytes
                         : ChunkBytesFor(input.limit_bytes, input.threads);
  plan.chunks_bytes = ChunksBytes(input.threads, plan.chunk_bytes);
  if (input.spill_budget_bytes != 0) {
    plan.spill_budget_bytes = input.spill_budget_bytes;
  } else if (below) {
    plan.spill_budget_bytes = input.limit_bytes;
  } else {
    const uint64_t taken = kFixedReserveBytes + plan.chunks_bytes;
    plan.spill_budget_bytes =
        std::max(input.limit_bytes - std::min(taken, input.limit_bytes), kMinSpillBudgetBytes);
  }
  const uint64_t budget = plan.spill_budget_bytes;
  plan.duplicate_bytes = static_cast<size_t>(budget * kDuplicatePercent / 100);
  plan.fact_bytes = static_cast<int64_t>(budget * kFactPercent / 100);
  plan.sessions_bytes = static_cast<int64_t>(budget * kSessionsPercent / 100);
  plan.users_bytes = static_cast<int64_t>(budget * kUsersPercent / 100);
  return plan;
}

}  // namespace wv::run
