#include <atomic>
#include <chrono>
#include <memory>
#include <new>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/parallel.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

TEST(EffectiveThreadsTest, ZeroMeansTheHardwareAndEverythingIsClamped) {
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(EffectiveThreads(0), std::min(hardware, kMaxThreads));
  EXPECT_EQ(EffectiveThreads(-3), EffectiveThreads(0));
  EXPECT_EQ(EffectiveThreads(1), 1);
  EXPECT_EQ(EffectiveThreads(7), 7);
  EXPECT_EQ(EffectiveThreads(kMaxThreads + 1), kMaxThreads);
}

// Runs ParallelFor and checks that every index ran exactly once, on a worker
// id in [0, expected_workers).
void ExpectEachIndexOnce(size_t n, int threads, int expected_workers) {
  std::vector<std::atomic<int>> calls(n);
  std::atomic<int> bad_worker{0};
  ParallelFor(n, threads, [&](size_t i, int worker) {
    calls[i].fetch_add(1);
    if (worker < 0 || worker >= expected_workers) bad_worker.fetch_add(1);
  });
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(calls[i].load(), 1) << "index " << i;
  EXPECT_EQ(bad_worker.load(), 0);
}

TEST(ParallelForTest, EveryIndexExactlyOnceWithWorkerIdsInRange) {
  ExpectEachIndexOnce(10000, 4, 4);
  ExpectEachIndexOnce(1, 4, 1);
  ExpectEachIndexOnce(3, 1, 1);
}

TEST(ParallelForTest, NothingRunsForNoIndices) {
  bool called = false;
  ParallelFor(0, 4, [&](size_t, int) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ParallelForTest, MoreThreadsThanIndicesUsesOneWorkerPerIndexAtMost) {
  std::set<int> workers;
  Mutex mu;
  ParallelFor(3, 64, [&](size_t, int worker) {
    MutexLock lock(&mu);
    workers.insert(worker);
  });
  EXPECT_LE(workers.size(), 3u);
  EXPECT_LT(*workers.rbegin(), 3);
  ExpectEachIndexOnce(5, 64, 5);
}

TEST(ParallelForTest, ZeroThreadsMeansTheHardwareConcurrency) {
  ExpectEachIndexOnce(1000, 0, EffectiveThreads(0));
}

TEST(ParallelForTest, PerWorkerPartialResultsAddUp) {
  constexpr int kThreads = 4;
  std::vector<uint64_t> partial(kThreads, 0);  // one slot per worker: no locking
  ParallelFor(100000, kThreads, [&](size_t i, int worker) { partial[worker] += i; });
  uint64_t total = 0;
  for (uint64_t p : partial) total += p;
  EXPECT_EQ(total, uint64_t{100000} * 99999 / 2);
}

TEST(RunOnWorkersTest, EachWorkerIdOnceAndAllRunAtTheSameTime) {
  constexpr int kThreads = 4;
  std::vector<std::atomic<int>> calls(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> met{0};
  RunOnWorkers(kThreads, [&](int worker) {
    calls[worker].fetch_add(1);
    // A barrier with a deadline: the workers are concurrent only if each sees
    // all the others arrive (a sequential loop would time out, not hang).
    arrived.fetch_add(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (arrived.load() < kThreads && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    if (arrived.load() == kThreads) met.fetch_add(1);
  });
  for (int w = 0; w < kThreads; ++w) EXPECT_EQ(calls[w].load(), 1) << "worker " << w;
  EXPECT_EQ(met.load(), kThreads);
}

TEST(RunOnWorkersTest, TheCallerIsWorkerZero) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> zero_on_caller{false};
  RunOnWorkers(3, [&](int worker) {
    if (worker == 0) zero_on_caller = std::this_thread::get_id() == caller;
  });
  EXPECT_TRUE(zero_on_caller.load());
}

TEST(ThreadPoolTest, WaitReturnsOnceEveryTaskHasRun) {
  ThreadPool pool(4);
  EXPECT_GE(pool.size(), 1);
  EXPECT_LE(pool.size(), 4);
  std::atomic<int> done{0};
  for (int i = 0; i < 1000; ++i) pool.Schedule([&] { done.fetch_add(1); });
  pool.Wait();
  EXPECT_EQ(done.load(), 1000);
  // The pool stays usable after a Wait.
  for (int i = 0; i < 10; ++i) pool.Schedule([&] { done.fetch_add(1); });
  pool.Wait();
  EXPECT_EQ(done.load(), 1010);
}

TEST(ThreadPoolTest, WaitWithNothingScheduledReturns) {
  ThreadPool pool(2);
  pool.Wait();
}

TEST(ThreadPoolTest, DestructorRunsEveryScheduledTask) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 500; ++i) {
      pool.Schedule([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        done.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(done.load(), 500);
}

TEST(ThreadPoolTest, TasksMayScheduleTasksAndWaitCoversThem) {
  ThreadPool pool(4);
  std::atomic<int> done{0};
  // A binary tree of depth 10 scheduled from inside the tasks: 2^11 - 1 tasks.
  std::function<void(int)> spawn = [&](int depth) {
    done.fetch_add(1);
    if (depth == 0) return;
    pool.Schedule([&, depth] { spawn(depth - 1); });
    pool.Schedule([&, depth] { spawn(depth - 1); });
  };
  pool.Schedule([&] { spawn(10); });
  pool.Wait();
  EXPECT_EQ(done.load(), (1 << 11) - 1);
}

TEST(ThreadPoolTest, TasksRunOnTheWorkersNotTheCaller) {
  ThreadPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> on_caller{0};
  for (int i = 0; i < 100; ++i) {
    pool.Schedule([&] {
      if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
    });
  }
  pool.Wait();
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(ThreadPoolTest, SingleWorkerRunsTasksInScheduleOrder) {
  ThreadPool pool(1);
  std::vector<int> order;  // one worker: its tasks never overlap
  for (int i = 0; i < 100; ++i) pool.Schedule([&order, i] { order.push_back(i); });
  pool.Wait();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

// Exceptions thrown by ParallelFor's function on worker threads come back to
// the caller (they would otherwise call std::terminate on the worker).

TEST(ParallelForTest, AnExceptionOnAWorkerIsRethrownOnTheCaller) {
  std::atomic<int> calls{0};
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> threw_on_worker{false};
  try {
    ParallelFor(1000, 4, [&](size_t i, int) {
      calls.fetch_add(1);
      if (i == 500) {
        threw_on_worker = std::this_thread::get_id() != caller;
        throw std::runtime_error("index 500");
      }
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "index 500");
  }
  // No index is started after the failure is seen; the calls under way end.
  EXPECT_LE(calls.load(), 1000);
  EXPECT_GE(calls.load(), 501 - 4);
}

TEST(ParallelForTest, BadAllocOnEveryWorkerGivesOneBadAlloc) {
  EXPECT_THROW(ParallelFor(64, 4, [](size_t, int) { throw std::bad_alloc(); }), std::bad_alloc);
}

TEST(ParallelForTest, AFailureStopsHandingOutIndices) {
  std::atomic<int> calls{0};
  EXPECT_THROW(ParallelFor(100000, 1,
                           [&](size_t i, int) {
                             calls.fetch_add(1);
                             if (i == 10) throw std::logic_error("stop");
                           }),
               std::logic_error);
  EXPECT_EQ(calls.load(), 11);  // one worker: exactly the indices up to the failure
}

}  // namespace
}  // namespace wv
