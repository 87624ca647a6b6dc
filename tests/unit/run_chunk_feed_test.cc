#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "run/chunk_feed.h"

namespace wv::run {
namespace {

std::shared_ptr<const traces::ValidatedChunk> Chunk(uint64_t sequence) {
  auto chunk = std::make_shared<traces::ValidatedChunk>();
  chunk->sequence = sequence;
  return chunk;
}

TEST(ChunkFeedTest, StepsEveryPushedChunkOnceInOrder) {
  std::vector<uint64_t> stepped;  // the feed's thread only, read after Finish()
  ChunkFeed feed([&](const traces::ValidatedChunk& chunk) {
    stepped.push_back(chunk.sequence);
    return OkStatus();
  });
  constexpr uint64_t kChunks = 10 * ChunkFeed::kMaxQueued;  // more than the queue holds
  for (uint64_t i = 0; i < kChunks; ++i) ASSERT_TRUE(feed.Push(Chunk(i)).ok());
  ASSERT_TRUE(feed.Finish().ok());
  ASSERT_EQ(stepped.size(), kChunks);
  for (uint64_t i = 0; i < kChunks; ++i) EXPECT_EQ(stepped[i], i);
}

TEST(ChunkFeedTest, HoldsNoMoreThanItsBoundOfChunks) {
  // The step waits until released: Push() must block once kMaxQueued chunks
  // are queued or being stepped, not queue on without bound.
  std::atomic<bool> release{false};
  ChunkFeed feed([&](const traces::ValidatedChunk&) {
    while (!release.load()) std::this_thread::yield();
    return OkStatus();
  });
  std::atomic<uint64_t> pushed{0};
  std::thread producer([&] {
    for (uint64_t i = 0; i < 2 * ChunkFeed::kMaxQueued; ++i) {
      ASSERT_TRUE(feed.Push(Chunk(i)).ok());
      pushed.store(i + 1);
    }
  });
  // No timing: the producer is checked once it can make no more progress,
  // which it reaches only by blocking; it is then at the bound.
  uint64_t seen = 0;
  for (int unchanged = 0; unchanged < 2000; ++unchanged) {
    const uint64_t now = pushed.load();
    if (now != seen) unchanged = 0;
    seen = now;
    std::this_thread::yield();
  }
  EXPECT_LE(pushed.load(), ChunkFeed::kMaxQueued);
  release.store(true);
  producer.join();
  EXPECT_EQ(pushed.load(), 2 * ChunkFeed::kMaxQueued);
  EXPECT_TRUE(feed.Finish().ok());
}

TEST(ChunkFeedTest, TheStepsFirstErrorStopsItAndIsReturned) {
  int stepped = 0;
  ChunkFeed feed([&](const traces::ValidatedChunk& chunk) -> Status {
    ++stepped;
    if (chunk.sequence == 2) return InternalError("step failed on chunk 2");
    return OkStatus();
  });
  Status push;
  for (uint64_t i = 0; i < 100 && push.ok(); ++i) push = feed.Push(Chunk(i));
  const Status finished = feed.Finish();
  EXPECT_FALSE(finished.ok());
  EXPECT_NE(finished.message().find("chunk 2"), std::string::npos);
  EXPECT_EQ(stepped, 3);  // none after the failing one
}

TEST(ChunkFeedTest, AnExceptionInTheStepBecomesItsError) {
  ChunkFeed feed([](const traces::ValidatedChunk&) -> Status { throw std::bad_alloc(); });
  (void)feed.Push(Chunk(0));
  EXPECT_FALSE(feed.Finish().ok());
}

TEST(ChunkFeedTest, DestroyedWithoutFinishStopsItsThread) {
  ChunkFeed feed([](const traces::ValidatedChunk&) { return OkStatus(); });
  for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(feed.Push(Chunk(i)).ok());
}  // must not hang or crash

}  // namespace
}  // namespace wv::run
