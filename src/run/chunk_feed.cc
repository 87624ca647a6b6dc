#include "run/chunk_feed.h"

#include <system_error>
#include <utility>

namespace wv::run {

ChunkFeed::ChunkFeed(Step step) : step_(std::move(step)) {
  try {
    thread_ = std::thread([this] { Loop(); });
  } catch (const std::system_error&) {
    // No thread: Push() runs the step on the caller's thread.
  }
}

ChunkFeed::~ChunkFeed() { Stop(/*cancel=*/true); }

Status ChunkFeed::Push(std::shared_ptr<const traces::ValidatedChunk> chunk) {
  if (!thread_.joinable()) return step_(*chunk);  // throws on the caller's thread, which handles it
  MutexLock lock(&mu_);
  // A failed thread no longer drains the queue: waiting for room would hang.
  auto has_room_or_error = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() + (stepping_ ? 1 : 0) < kMaxQueued || !error_.ok();
  };
  mu_.Await(Condition(&has_room_or_error));
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(chunk));
  return OkStatus();
}

void ChunkFeed::Loop() {
  for (;;) {
    std::shared_ptr<const traces::ValidatedChunk> chunk;
    {
      MutexLock lock(&mu_);
      stepping_ = false;
      auto has_work = [this]()
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); };
      mu_.Await(Condition(&has_work));
      if (queue_.empty()) return;  // closed and drained
      chunk = std::move(queue_.front());
      queue_.pop_front();
      stepping_ = true;
    }
    // An exception must not escape this thread (std::terminate): it becomes
    // the feed's error, returned by the next Push() and by Finish().
    Status error;
    try {
      error = step_(*chunk);
    } catch (...) {
      error = StatusFromCurrentException("a chunk feed's step");
    }
    chunk.reset();  // the chunk's memory goes as soon as the step is done
    if (!error.ok()) {
      MutexLock lock(&mu_);
      error_ = std::move(error);
      stepping_ = false;
      queue_.clear();
      return;
    }
  }
}

void ChunkFeed::Stop(bool cancel) {
  {
    MutexLock lock(&mu_);
    closed_ = true;
    if (cancel) queue_.clear();
  }
  if (thread_.joinable()) thread_.join();
}

Status ChunkFeed::Finish() {
  Stop(/*cancel=*/false);
  MutexLock lock(&mu_);
  return error_;
}

}  // namespace wv::run
