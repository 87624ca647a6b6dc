#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <new>
#include <system_error>

namespace wv {
namespace {

// The first exception thrown on any of a set of workers, kept to be rethrown
// on the thread that started them. Thread-safe.
class FirstException {
 public:
  void Record(std::exception_ptr e) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    if (!first_) first_ = std::move(e);
  }

  void RethrowIfAny() ABSL_LOCKS_EXCLUDED(mu_) {
    std::exception_ptr e;
    {
      MutexLock lock(&mu_);
      e = first_;
    }
    if (e) std::rethrow_exception(e);
  }

 private:
  Mutex mu_;
  std::exception_ptr first_ ABSL_GUARDED_BY(mu_);
};

// Starts up to `count` threads running body(i) for i = 1..count; stops at the
// first thread the system refuses.
std::vector<std::thread> StartThreads(int count, absl::FunctionRef<void(int)> body) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(std::max(0, count)));
  for (int i = 1; i <= count; ++i) {
    try {
      threads.emplace_back([body, i] { body(i); });
    } catch (const std::system_error&) {
      break;  // out of threads: the ones started (and the caller) do the work
    } catch (const std::bad_alloc&) {
      break;  // no memory for the thread's state: the same
    }
  }
  return threads;
}

}  // namespace

int EffectiveThreads(int requested) {
  int n = requested;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(n, 1, kMaxThreads);
}

void ParallelFor(size_t n, int threads, absl::FunctionRef<void(size_t, int)> fn) {
  if (n == 0) return;
  const int workers =
      static_cast<int>(std::min<size_t>(n, static_cast<size_t>(EffectiveThreads(threads))));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  FirstException first;
  auto work = [&](int worker) {
    try {
      for (size_t i; !failed.load(std::memory_order_relaxed) &&
                     (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
        fn(i, worker);
      }
    } catch (...) {
      failed.store(true, std::memory_order_relaxed);  // start no further index
      first.Record(std::current_exception());
    }
  };
  RunOnWorkers(workers, work);
  first.RethrowIfAny();
}

void RunOnWorkers(int threads, absl::FunctionRef<void(int)> fn) {
  std::vector<std::thread> helpers = StartThreads(EffectiveThreads(threads) - 1, fn);
  fn(0);
  for (std::thread& t : helpers) t.join();
}

ThreadPool::ThreadPool(int threads) {
  const int n = EffectiveThreads(threads);
  workers_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    try {
      workers_.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error&) {
      break;
    } catch (const std::bad_alloc&) {
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  Wait();
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::Schedule(std::function<void()> task) {
  if (workers_.empty()) {
    task();
    return;
  }
  MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
}

void ThreadPool::Wait() {
  MutexLock lock(&mu_);
  auto idle = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.empty() && running_ == 0; };
  mu_.Await(Condition(&idle));
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(Condition(&ready));
      if (queue_.empty()) return;  // stopping, nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    MutexLock lock(&mu_);
    --running_;
  }
}

}  // namespace wv
