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
      ASSERT_TRUE(feed.Push(std::make_shared<const traces::ValidatedChunk>(std::move(chunk))).ok());
    }
  }
  StatusOr<AccumulatedDimensions> finished = feed.Finish();
  ASSERT_TRUE(finished.ok());
  const AccumulatedDimensions& dims = *finished;
  EXPECT_EQ(dims.rows, rows);
  EXPECT_EQ(dims.users.size(), 2u);
  EXPECT_EQ(dims.BuildUsers().rows_covered, rows);
}

TEST(DimensionFeedTest, DestroyedWithoutFinishStopsItsThread) {
  DimensionFeed feed;
  for (auto& chunk : testing::MakeChunks()) {
    ASSERT_TRUE(feed.Push(std::make_shared<const traces::ValidatedChunk>(std::move(chunk))).ok());
  }
}  // must not hang or crash

}  // namespace
}  // namespace wv::model
