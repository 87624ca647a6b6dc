#include <gtest/gtest.h>

#include <memory>

#include "model/dimension_feed.h"
#include "model_test_util.h"

namespace wv::model {
namespace {

TEST(DimensionFeedTest, AddsEveryPushedChunkInOrder) {
  DimensionFeed feed;
  int64_t rows = 0;
  for (int round = 0; round < 10; ++round) {  // more chunks than the queue holds
    for (auto& chunk : testing::MakeChunks()) {
      rows += static_cast<int64_t>(chunk.accepted.size());
      feed.Push(std::make_shared<const traces::ValidatedChunk>(std::move(chunk)));
    }
  }
  const AccumulatedDimensions dims = feed.Finish();
  EXPECT_EQ(dims.rows, rows);
  EXPECT_EQ(dims.users.size(), 2u);
  EXPECT_EQ(dims.BuildUsers().rows_covered, rows);
}

TEST(DimensionFeedTest, DestroyedWithoutFinishStopsItsThread) {
  DimensionFeed feed;
  for (auto& chunk : testing::MakeChunks()) {
    feed.Push(std::make_shared<const traces::ValidatedChunk>(std::move(chunk)));
  }
}  // must not hang or crash

}  // namespace
}  // namespace wv::model
