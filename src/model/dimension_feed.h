#ifndef WV_MODEL_DIMENSION_FEED_H_
#define WV_MODEL_DIMENSION_FEED_H_

#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/status.h"
#include "model/dimensions.h"
#include "traces/trace_batch.h"

// DimensionFeed: runs a DimensionBuilder on a thread of its own, fed the
// accepted rows of each chunk while the caller goes on with the fact table.
// A short queue bounds the memory held by chunks waiting for it.
//
// The thread is a dedicated std::thread rather than a wv::ThreadPool task:
// it is one long-lived consumer that must take the chunks one at a time and
// in order for the whole ingest, which is exactly a thread draining a queue;
// a pool would only add a second queue. If the system refuses the thread,
// Push() adds the rows itself.
//
// Thread-safety: Push() and Finish() are called from one thread (the
// producer). The DimensionBuilder belongs to the feed's thread from
// construction until Finish() has joined it; then its result belongs to the
// caller of Finish().
namespace wv::model {

class DimensionFeed {
 public:
  explicit DimensionFeed(DimensionSpill spill = {});
  // Drops the chunks still queued and joins the thread (the error path:
  // Finish() was not called).
  ~DimensionFeed();
  DimensionFeed(const DimensionFeed&) = delete;
  DimensionFeed& operator=(const DimensionFeed&) = delete;

  // Queues `chunk` for the dimension thread, which reads chunk->accepted
  // (the caller may keep reading it too). Blocks while kMaxQueued chunks are
  // queued or being added. Returns the feed's error once the thread has
  // failed (e.g. out of memory), without queuing.
  // REQUIRES: not after Finish().
  Status Push(std::shared_ptr<const traces::ValidatedChunk> chunk) ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until every pushed chunk is added, stops the thread and hands over
  // the accumulated dimensions, or the error that stopped the thread.
  // REQUIRES: called once.
  StatusOr<AccumulatedDimensions> Finish() ABSL_LOCKS_EXCLUDED(mu_);

  // Chunks waiting for the thread at most (memory: run/memory_plan.h).
  static constexpr size_t kMaxQueued = 4;

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the thread after it has drained the queue (or, when `cancel`,
  // after the chunk it is adding) and joins it.
  void Stop(bool cancel) ABSL_LOCKS_EXCLUDED(mu_);

  Mutex mu_;
  std::deque<std::shared_ptr<const traces::ValidatedChunk>> queue_ ABSL_GUARDED_BY(mu_);
  bool adding_ ABSL_GUARDED_BY(mu_) = false;  // the thread is adding a chunk it has taken
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // no more chunks: drain the queue and stop
  Status error_ ABSL_GUARDED_BY(mu_);         // set once by the thread, which then stops
  // Touched by the feed's thread only while it runs (or by Push() when there
  // is no thread); by Finish() after the join.
  DimensionBuilder builder_;
  std::thread thread_;
};

}  // namespace wv::model

#endif  // WV_MODEL_DIMENSION_FEED_H_
