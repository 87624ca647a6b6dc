#ifndef WV_RUN_CHUNK_FEED_H_
#define WV_RUN_CHUNK_FEED_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/status.h"
#include "traces/trace_batch.h"

// ChunkFeed: runs a step over each validated chunk, in order, on a thread of
// its own, so that work on a chunk that needs only the chunks' order (not
// the ingest's decisions) leaves the ingest's in-order stage, the critical
// path of an ingest (traces/in_order_stage.h: one chunk at a time). An
// append's BatchState::Observe is one (run/pipeline.cc).
//
// A short queue bounds the chunks it holds: Push() waits while kMaxQueued
// are queued or being stepped, as model::DimensionFeed does (the same
// chunks, shared: the two together hold no more than the slower one).
// If the system refuses the thread, Push() runs the step itself.
//
// Thread-safety: Push() and Finish() are called from one thread (the
// producer); the step runs on the feed's thread, one chunk at a time, and
// must not touch what the producer changes meanwhile.
namespace wv::run {

class ChunkFeed {
 public:
  using Step = std::function<Status(const traces::ValidatedChunk&)>;

  explicit ChunkFeed(Step step);
  // Drops the chunks still queued and joins the thread (the error path:
  // Finish() was not called).
  ~ChunkFeed();
  ChunkFeed(const ChunkFeed&) = delete;
  ChunkFeed& operator=(const ChunkFeed&) = delete;

  // Queues `chunk` for the step (the caller may keep reading it). Returns the
  // step's first error, without queuing, once it has failed.
  // REQUIRES: not after Finish().
  Status Push(std::shared_ptr<const traces::ValidatedChunk> chunk) ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until every pushed chunk is stepped and joins the thread; the
  // step's first error, if any. REQUIRES: called once.
  Status Finish() ABSL_LOCKS_EXCLUDED(mu_);

  static constexpr size_t kMaxQueued = 4;

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);
  // Stops the thread after it has drained the queue (or, when `cancel`,
  // after the chunk it is stepping) and joins it.
  void Stop(bool cancel) ABSL_LOCKS_EXCLUDED(mu_);

  const Step step_;
  Mutex mu_;
  std::deque<std::shared_ptr<const traces::ValidatedChunk>> queue_ ABSL_GUARDED_BY(mu_);
  bool stepping_ ABSL_GUARDED_BY(mu_) = false;  // the thread is stepping a chunk it has taken
  bool closed_ ABSL_GUARDED_BY(mu_) = false;    // no more chunks: drain the queue and stop
  Status error_ ABSL_GUARDED_BY(mu_);           // set once by the thread, which then stops
  std::thread thread_;
};

}  // namespace wv::run

#endif  // WV_RUN_CHUNK_FEED_H_
