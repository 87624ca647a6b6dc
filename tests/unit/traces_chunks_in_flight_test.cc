#include <algorithm>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "core/parallel.h"
#include "gtest/gtest.h"
#include "traces/chunks_in_flight.h"

namespace wv::traces {
namespace {

std::unique_ptr<ChunkInFlight> Chunk(uint64_t sequence) {
  auto chunk = std::make_unique<ChunkInFlight>();
  chunk->sequence = sequence;
  return chunk;
}

TEST(ChunkReordererTest, StepsRunInSequenceOrderWhateverTheArrivalOrder) {
  std::vector<uint64_t> order(200);
  for (uint64_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  ChunkReorderer reorderer;
  std::vector<uint64_t> stepped;  // written by one thread at a time
  const auto step = [&](ChunkInFlight& chunk) {
    stepped.push_back(chunk.sequence);
    return OkStatus();
  };
  ParallelFor(order.size(), 4,
              [&](size_t i, int) { EXPECT_TRUE(reorderer.Add(Chunk(order[i]), step).ok()); });
  ASSERT_EQ(stepped.size(), order.size());
  for (uint64_t i = 0; i < stepped.size(); ++i) EXPECT_EQ(stepped[i], i);
  EXPECT_EQ(reorderer.done(), order.size());
}

TEST(ChunkReordererTest, AFailedStepStopsTheSteps) {
  ChunkReorderer reorderer;
  int steps = 0;
  const auto step = [&](ChunkInFlight& chunk) {
    ++steps;
    return chunk.sequence == 1 ? OutputError("disk full") : OkStatus();
  };
  EXPECT_TRUE(reorderer.Add(Chunk(2), step).ok());  // waits for 0 and 1
  EXPECT_TRUE(reorderer.Add(Chunk(0), step).ok());
  const Status failed = reorderer.Add(Chunk(1), step);
  EXPECT_EQ(failed.kind(), ErrorKind::kOutput);
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(reorderer.done(), 1u);
  EXPECT_TRUE(reorderer.Add(Chunk(3), step).ok());
  EXPECT_EQ(steps, 2);
}

TEST(ChunkBufferPoolTest, BoundsTheBuffersAndStopWakesAWaitingTaker) {
  ChunkBufferPool pool(2, 1024);
  auto a = pool.Take();
  auto b = pool.Take();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_GE(a->capacity(), 1024u);
  a->set_size(10);
  pool.Return(std::move(a));
  auto again = pool.Take();  // the returned one, emptied
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->size(), 0u);
  std::thread stopper([&] { pool.Stop(); });
  EXPECT_EQ(pool.Take(), nullptr);  // all in flight: waits until stopped
  stopper.join();
}

TEST(ChunkQueueTest, FifoThenNullOnceClosedAndDrained) {
  ChunkQueue queue;
  queue.Push(Chunk(0));
  queue.Push(Chunk(1));
  queue.Close();
  EXPECT_EQ(queue.Pop()->sequence, 0u);
  EXPECT_EQ(queue.Pop()->sequence, 1u);
  EXPECT_EQ(queue.Pop(), nullptr);
}

TEST(ChunkQueueTest, StopDropsQueuedChunks) {
  ChunkQueue queue;
  queue.Push(Chunk(0));
  queue.Stop();
  EXPECT_EQ(queue.Pop(), nullptr);
}

}  // namespace
}  // namespace wv::traces
