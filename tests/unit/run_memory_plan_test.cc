#include <gtest/gtest.h>

#include "run/memory_plan.h"
#include "traces/ingest.h"

namespace wv::run {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

MemoryPlan Plan(uint64_t limit, int threads) {
  MemoryPlanInput input;
  input.limit_bytes = limit;
  input.threads = threads;
  StatusOr<MemoryPlan> plan = PlanMemory(input);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : MemoryPlan();
}

// Everything the plan hands out, and what it reserves, stays within the limit.
void ExpectWithinLimit(const MemoryPlan& p) {
  const uint64_t shares = p.duplicate_bytes + static_cast<uint64_t>(p.fact_bytes) +
                          static_cast<uint64_t>(p.sessions_bytes) +
                          static_cast<uint64_t>(p.users_bytes);
  EXPECT_LE(shares, p.spill_budget_bytes);
  EXPECT_LE(kFixedReserveBytes + p.chunks_bytes + p.spill_budget_bytes, p.limit_bytes);
  EXPECT_GE(p.spill_budget_bytes, kMinSpillBudgetBytes);
}

TEST(MemoryPlanTest, SharesAndReserveFitTheLimit) {
  for (int threads : {1, 2, 8, 64}) {
    for (uint64_t limit : {MinimumMemoryLimit(threads), 256 * kMiB, 1024 * kMiB, 8192 * kMiB}) {
      if (limit < MinimumMemoryLimit(threads)) continue;
      SCOPED_TRACE(testing::Message() << threads << " threads, limit " << limit);
      ExpectWithinLimit(Plan(limit, threads));
    }
  }
}

TEST(MemoryPlanTest, ChunksShrinkUnderSmallLimitsAndManyThreads) {
  const MemoryPlan big = Plan(1024 * kMiB, 2);
  EXPECT_EQ(big.chunk_bytes, traces::IngestOptions::kDefaultChunkBytes);
  const MemoryPlan small = Plan(256 * kMiB, 2);
  EXPECT_LT(small.chunk_bytes, big.chunk_bytes);
  EXPECT_LE(small.chunks_bytes, 256 * kMiB / 6);
  const MemoryPlan crowded = Plan(1024 * kMiB, 64);
  EXPECT_LT(crowded.chunk_bytes, big.chunk_bytes);
  EXPECT_LE(crowded.chunks_bytes, 1024 * kMiB / 6);
  // A power of two, never below the least chunk.
  const MemoryPlan least = Plan(MinimumMemoryLimit(2), 2);
  EXPECT_EQ(least.chunk_bytes & (least.chunk_bytes - 1), 0u);
  EXPECT_GE(least.chunk_bytes, size_t{64} << 10);
}

TEST(MemoryPlanTest, TheSharesGrowWithTheLimit) {
  const MemoryPlan a = Plan(256 * kMiB, 2), b = Plan(1024 * kMiB, 2);
  EXPECT_LT(a.duplicate_bytes, b.duplicate_bytes);
  EXPECT_LT(a.fact_bytes, b.fact_bytes);
  EXPECT_LT(a.users_bytes, b.users_bytes);
  // At 1 GiB the reserve and the chunks take under a quarter.
  EXPECT_GT(b.spill_budget_bytes, 1024 * kMiB * 3 / 4);
}

TEST(MemoryPlanTest, BelowTheMinimumIsAUsageErrorNamingIt) {
  for (int threads : {1, 2, 32}) {
    const uint64_t minimum = MinimumMemoryLimit(threads);
    EXPECT_EQ(minimum % kMiB, 0u);
    MemoryPlanInput input;
    input.limit_bytes = minimum - kMiB;
    input.threads = threads;
    const StatusOr<MemoryPlan> plan = PlanMemory(input);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().kind(), ErrorKind::kUsage);
    EXPECT_NE(plan.status().message().find(std::to_string(minimum / kMiB) + "M"), std::string::npos)
        << plan.status().message();
    input.limit_bytes = minimum;
    EXPECT_TRUE(PlanMemory(input).ok());
  }
  EXPECT_LT(MinimumMemoryLimit(2), MinimumMemoryLimit(32));
}

TEST(MemoryPlanTest, ASplitBelowTheMinimumKeepsTheLimitAsItsBudget) {
  MemoryPlanInput input;
  input.limit_bytes = kMiB;
  input.threads = 2;
  input.refuse_below_minimum = false;
  input.default_chunks = true;
  const StatusOr<MemoryPlan> plan = PlanMemory(input);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->spill_budget_bytes, kMiB);
  EXPECT_EQ(plan->duplicate_bytes, kMiB * 3 / 10);
  EXPECT_EQ(plan->chunk_bytes, traces::IngestOptions::kDefaultChunkBytes);
}

TEST(MemoryPlanTest, AnExplicitSpillBudgetReplacesWhatTheLimitLeaves) {
  MemoryPlanInput input;
  input.limit_bytes = 256 * kMiB;
  input.threads = 2;
  input.spill_budget_bytes = kMiB;
  const StatusOr<MemoryPlan> plan = PlanMemory(input);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->spill_budget_bytes, kMiB);
  EXPECT_EQ(plan->fact_bytes, static_cast<int64_t>(kMiB / 4));
  EXPECT_EQ(plan->users_bytes, static_cast<int64_t>(kMiB / 10));
}

}  // namespace
}  // namespace wv::run
