#ifndef WV_CORE_PARALLEL_H_
#define WV_CORE_PARALLEL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "core/mutex.h"

// The project's threads: how many to use, a fork-join parallel loop and a
// small task pool. Every parallel stage (ingest workers, fact encoding,
// Parquet column chunks, gzip members, analytics scans, report queries) goes
// through these, so thread creation failures are handled in one place: when
// the system refuses a thread, the work runs on the threads that did start
// (at the least the caller's), never an abort.
namespace wv {

// The most threads any stage uses; larger requests are capped to it.
inline constexpr int kMaxThreads = 256;

// `requested` threads, or the hardware's concurrency when 0, clamped to
// [1, kMaxThreads].
int EffectiveThreads(int requested);

// Calls fn(index, worker) once for every index in [0, n), on up to
// min(threads, n) workers; the calling thread is worker 0 and the others are
// numbered 1..threads-1, so callers can keep per-worker partial results.
// Indices are handed out in increasing order to whichever worker is free.
// Returns when every call has returned. fn must be safe to call concurrently
// for different indices.
void ParallelFor(size_t n, int threads, absl::FunctionRef<void(size_t index, int worker)> fn);

// Calls fn(worker) on `threads` workers at once (the caller is worker 0) and
// waits for all: for stages whose workers pull work themselves. If fewer
// threads can be started, fewer workers run; each still gets a distinct id.
void RunOnWorkers(int threads, absl::FunctionRef<void(int worker)> fn);

// A fixed set of worker threads running scheduled tasks in FIFO order.
// Thread-safe: Schedule() and Wait() may be called from any thread. The
// destructor waits for every scheduled task, then joins the workers.
class ThreadPool {
 public:
  // Starts up to `threads` workers (0 = the hardware's concurrency). If the
  // system refuses to start any, tasks run inline in Schedule().
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task` to run on a worker.
  void Schedule(std::function<void()> task) ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until every task scheduled so far has finished.
  void Wait() ABSL_LOCKS_EXCLUDED(mu_);

  // The number of workers actually running.
  int size() const { return static_cast<int>(workers_.size()); }

 private:
  void WorkerLoop() ABSL_LOCKS_EXCLUDED(mu_);

  Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;  // set in the constructor only
};

}  // namespace wv

#endif  // WV_CORE_PARALLEL_H_
