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
//
// Exceptions (std::bad_alloc is the one to expect): ParallelFor carries the
// first one back to its caller, because its calls are independent and none
// waits for another. RunOnWorkers' workers and ThreadPool's tasks wait for
// one another (shared queues, per-task notifications), so an exception there
// cannot be carried back without leaving the others waiting forever: their
// functions must not throw (catch inside, turn it into a Status and stop the
// others); one that escapes still ends the process (std::terminate).
namespace wv {

// The most threads any stage uses; larger requests are capped to it.
inline constexpr int kMaxThreads = 256;

// `requested` threads, or the hardware's concurrency when 0, clamped to
// [1, kMaxThreads].
int EffectiveThreads(int requested);

// Calls fn(index, worker) once for every index in [0, n), on up to
// min(EffectiveThreads(threads), n) workers; the calling thread is worker 0
// and the others are numbered from 1, below that count, so callers can keep
// per-worker partial results (size them EffectiveThreads(threads)).
// Indices are handed out in increasing order to whichever worker is free.
// Returns when every call has returned. fn must be safe to call concurrently
// for different indices. If a call throws (on any worker), no further index
// is started, the calls under way finish, and the first exception is
// rethrown here, on the calling thread.
void ParallelFor(size_t n, int threads, absl::FunctionRef<void(size_t index, int worker)> fn);

// Calls fn(worker) on EffectiveThreads(threads) workers at once (the caller
// is worker 0) and waits for all: for stages whose workers pull work
// themselves. If fewer threads can be started, fewer workers run (ids stay
// distinct and start at 0), so fn must not wait for a particular worker.
// REQUIRES: fn does not throw (see above).
void RunOnWorkers(int threads, absl::FunctionRef<void(int worker)> fn);

// A fixed set of worker threads running scheduled tasks, started in FIFO
// order. Thread-safe: Schedule() and Wait() may be called from any thread,
// and tasks may schedule further tasks. The destructor waits for every
// scheduled task, then joins the workers. Tasks must not throw (see above).
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

  // Blocks until no task is queued or running: every task scheduled before
  // the call, and every task those scheduled, has finished.
  // REQUIRES: not called from one of this pool's tasks (it would wait for
  // itself).
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
