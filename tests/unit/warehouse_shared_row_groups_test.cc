// SharedRowGroups: the fact partitions' sessions share one decoding of the
// files; each row group is decoded once, every consumer gets it, in order,
// memory stays within the window, and an abort wakes a waiting consumer.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "warehouse/shared_row_groups.h"

namespace wv::warehouse {
namespace {

using Columns = SharedRowGroups::Columns;

Columns OneValue(int64_t v) {
  Columns c(1);
  c[0].i64.push_back(v);
  return c;
}

TEST(SharedRowGroupsTest, EachRowGroupIsDecodedOnceAndEveryConsumerGetsItInOrder) {
  constexpr int kConsumers = 3;
  constexpr size_t kGroups = 500, kWindow = 4;
  SharedRowGroups shared(kConsumers, kWindow);
  std::vector<std::atomic<int>> decoded(kGroups);
  std::atomic<int> live{0}, most_live{0};
  std::vector<std::vector<int64_t>> seen(kConsumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      for (size_t i = 0; i < kGroups; ++i) {
        auto got = shared.Get(i, [&] {
          ++decoded[i];
          const int now = ++live;
          int seen_most = most_live.load();
          while (now > seen_most && !most_live.compare_exchange_weak(seen_most, now)) {
          }
          return StatusOr<Columns>(OneValue(static_cast<int64_t>(i)));
        });
        ASSERT_TRUE(got.ok());
        seen[c].push_back((**got)[0].i64[0]);
        if (c == 0) --live;  // one consumer stands for "dropped after use"
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < kGroups; ++i) EXPECT_EQ(decoded[i].load(), 1) << i;
  for (int c = 0; c < kConsumers; ++c) {
    ASSERT_EQ(seen[c].size(), kGroups);
    for (size_t i = 0; i < kGroups; ++i) EXPECT_EQ(seen[c][i], static_cast<int64_t>(i));
  }
  // No consumer ran more than the window ahead of consumer 0.
  EXPECT_LE(most_live.load(), static_cast<int>(kWindow) + 1);
}

TEST(SharedRowGroupsTest, ADecodingErrorReachesEveryConsumer) {
  SharedRowGroups shared(2, 4);
  std::vector<Status> errors(2);
  std::vector<std::thread> threads;
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&, c] {
      auto got = shared.Get(0, [] { return StatusOr<Columns>(InputError("bad page")); });
      errors[c] = got.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : errors) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("bad page"), std::string::npos);
  }
}

TEST(SharedRowGroupsTest, AbortWakesAConsumerWaitingForAnother) {
  SharedRowGroups shared(2, 2);
  // Consumer 0 alone: groups 0 and 1 fit the window; group 2 waits for
  // consumer 1, which never comes, until Abort().
  ASSERT_TRUE(shared.Get(0, [] { return StatusOr<Columns>(OneValue(0)); }).ok());
  ASSERT_TRUE(shared.Get(1, [] { return StatusOr<Columns>(OneValue(1)); }).ok());
  Status waited;
  std::thread waiter(
      [&] { waited = shared.Get(2, [] { return StatusOr<Columns>(OneValue(2)); }).status(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  shared.Abort();
  waiter.join();
  EXPECT_FALSE(waited.ok());
}

}  // namespace
}  // namespace wv::warehouse
