#ifndef WV_TRACES_CHUNKS_IN_FLIGHT_H_
#define WV_TRACES_CHUNKS_IN_FLIGHT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "core/mutex.h"
#include "core/status.h"
#include "csv/chunker.h"
#include "traces/trace_batch.h"
#include "traces/validator.h"

// The chunks of an ingest between the reader thread, the validation workers
// and the in-order stage (see traces/ingest.h), and the three hand-offs they
// pass through:
//
//   ChunkBufferPool  reader takes a buffer to fill (bounds the chunks in flight)
//   ChunkQueue       reader -> workers: filled buffers, FIFO
//   ChunkReorderer   workers -> in-order stage: validated chunks, back in order
//
// Each hand-off can be stopped (when the run fails): waiting threads wake up
// and give up. Internal to the traces module.
namespace wv::traces {

// One chunk on its way through the ingest.
// Not thread-safe: owned by one thread at a time, passed on by the hand-offs.
struct ChunkInFlight {
  uint64_t sequence = 0;  // 0, 1, 2, ... in input order across all files
  uint32_t file = 0;      // index into the run's input list
  // The rows as read. Stays alive until the in-order stage is done (dedup
  // quarantines rows with their raw bytes), then goes back to the pool.
  std::unique_ptr<csv::ChunkBuffer> raw;
  ValidatedChunk validated;
  DedupInput dedup;
};

// At most `max_buffers` chunk buffers, recycled: the reader waits for one
// when all are in flight, which bounds the memory of an ingest.
// Thread-safe.
class ChunkBufferPool {
 public:
  // Buffers are allocated on demand with room for `buffer_bytes`.
  ChunkBufferPool(size_t max_buffers, size_t buffer_bytes)
      : max_buffers_(max_buffers), buffer_bytes_(buffer_bytes) {}

  // An empty buffer; waits while all are in flight. nullptr once stopped.
  std::unique_ptr<csv::ChunkBuffer> Take() ABSL_LOCKS_EXCLUDED(mu_);

  // Gives `buffer` back for reuse.
  void Return(std::unique_ptr<csv::ChunkBuffer> buffer) ABSL_LOCKS_EXCLUDED(mu_);

  // Makes waiting and later Take() calls return nullptr.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const size_t max_buffers_;
  const size_t buffer_bytes_;
  Mutex mu_;
  std::vector<std::unique_ptr<csv::ChunkBuffer>> free_ ABSL_GUARDED_BY(mu_);
  size_t allocated_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Read chunks waiting for a worker, first in first out. Unbounded itself:
// the ChunkBufferPool bounds what can be in it.
// Thread-safe.
class ChunkQueue {
 public:
  void Push(std::unique_ptr<ChunkInFlight> chunk) ABSL_LOCKS_EXCLUDED(mu_);

  // The oldest chunk; waits while the queue is empty and open. nullptr once
  // it is closed and drained, or stopped (queued chunks are then dropped).
  std::unique_ptr<ChunkInFlight> Pop() ABSL_LOCKS_EXCLUDED(mu_);

  // No more chunks will be pushed.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  Mutex mu_;
  std::deque<std::unique_ptr<ChunkInFlight>> chunks_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Puts chunks validated out of order back into sequence order (0, 1, 2, ...)
// and runs the in-order step on each. The step runs on whichever worker
// delivers the chunk that is next, so no thread sits idle waiting for order,
// and never on two threads at once.
// Thread-safe.
class ChunkReorderer {
 public:
  using Step = absl::FunctionRef<Status(ChunkInFlight& chunk)>;

  // Adds `chunk`. Unless another thread is already running steps, runs
  // `step` on every chunk that is next in line (this one and others waiting)
  // before returning. After a step fails, or once stopped, no more steps
  // run; the failing step's status is returned (by this call only). If
  // `step` (or storing the chunk) throws, the reorderer stops and the
  // exception propagates, the lock released.
  Status Add(std::unique_ptr<ChunkInFlight> chunk, Step step) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs no more steps (chunks waiting are dropped with the reorderer).
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // Chunks whose step has succeeded: their sequence numbers are [0, done()).
  uint64_t done() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable Mutex mu_;
  std::map<uint64_t, std::unique_ptr<ChunkInFlight>> waiting_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;      // sequence of the next chunk to step
  bool stepping_ ABSL_GUARDED_BY(mu_) = false;  // some thread is running steps
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wv::traces

#endif  // WV_TRACES_CHUNKS_IN_FLIGHT_H_
