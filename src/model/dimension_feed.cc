#include "model/dimension_feed.h"

#include <system_error>
#include <utility>

namespace wv::model {

DimensionFeed::DimensionFeed(DimensionSpill spill) : builder_(std::move(spill)) {
  try {
    thread_ = std::thread([this] { Loop(); });
  } catch (const std::system_error&) {
    // No thread: Push() adds the rows on the caller's thread.
  }
}

DimensionFeed::~DimensionFeed() { Stop(/*cancel=*/true); }

Status DimensionFeed::Push(std::shared_ptr<const traces::ValidatedChunk> chunk) {
  if (!thread_.joinable()) {
    return builder_.Add(chunk->accepted,
                        &chunk->keys);  // throws on the caller's thread, which handles it
  }
  MutexLock lock(&mu_);
  // A failed thread no longer drains the queue: waiting for room would hang.
  auto has_room_or_error = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() + (adding_ ? 1 : 0) < kMaxQueued || !error_.ok();
  };
  mu_.Await(Condition(&has_room_or_error));
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(chunk));
  return OkStatus();
}

void DimensionFeed::Loop() {
  for (;;) {
    std::shared_ptr<const traces::ValidatedChunk> chunk;
    {
      MutexLock lock(&mu_);
      adding_ = false;
      auto has_work = [this]()
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); };
      mu_.Await(Condition(&has_work));
      if (queue_.empty()) return;  // closed and drained
      chunk = std::move(queue_.front());
      queue_.pop_front();
      adding_ = true;
    }
    // An exception must not escape this thread (std::terminate): it becomes
    // the feed's error, returned by the next Push() and by Finish().
    Status error;
    try {
      error = builder_.Add(chunk->accepted, &chunk->keys);
    } catch (...) {
      // Moved, not copied: a copy allocates, and memory is what ran out.
      error = StatusFromCurrentException("the dimension builder");
    }
    if (!error.ok()) {
      MutexLock lock(&mu_);
      error_ = std::move(error);
      adding_ = false;
      queue_.clear();
      return;
    }
  }
}

void DimensionFeed::Stop(bool cancel) {
  {
    MutexLock lock(&mu_);
    closed_ = true;
    if (cancel) queue_.clear();
  }
  if (thread_.joinable()) thread_.join();
}

StatusOr<AccumulatedDimensions> DimensionFeed::Finish() {
  Stop(/*cancel=*/false);
  {
    MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
  }
  StatusOr<AccumulatedDimensions> dims = std::move(builder_).Finish();
  builder_ = DimensionBuilder();  // frees the session log
  return dims;
}

}  // namespace wv::model
