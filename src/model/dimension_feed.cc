#include "model/dimension_feed.h"

#include <system_error>
#include <utility>

namespace wv::model {

DimensionFeed::DimensionFeed() {
  try {
    thread_ = std::thread([this] { Loop(); });
  } catch (const std::system_error&) {
    // No thread: Push() adds the rows on the caller's thread.
  }
}

DimensionFeed::~DimensionFeed() { Stop(/*cancel=*/true); }

void DimensionFeed::Push(std::shared_ptr<const traces::ValidatedChunk> chunk) {
  if (!thread_.joinable()) {
    builder_.Add(chunk->accepted);
    return;
  }
  MutexLock lock(&mu_);
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() + (adding_ ? 1 : 0) < kMaxQueued;
  };
  mu_.Await(Condition(&has_room));
  queue_.push_back(std::move(chunk));
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
    builder_.Add(chunk->accepted);
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

AccumulatedDimensions DimensionFeed::Finish() {
  Stop(/*cancel=*/false);
  AccumulatedDimensions dims = std::move(builder_).Finish();
  builder_ = DimensionBuilder();  // frees the session log
  return dims;
}

}  // namespace wv::model
