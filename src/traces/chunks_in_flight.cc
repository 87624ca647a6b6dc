#include "traces/chunks_in_flight.h"

#include <utility>

namespace wv::traces {

std::unique_ptr<csv::ChunkBuffer> ChunkBufferPool::Take() {
  {
    MutexLock lock(&mu_);
    const auto can_take = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopped_ || !free_.empty() || allocated_ < max_buffers_;
    };
    mu_.Await(Condition(&can_take));
    if (stopped_) return nullptr;
    if (!free_.empty()) {
      std::unique_ptr<csv::ChunkBuffer> buffer = std::move(free_.back());
      free_.pop_back();
      buffer->set_size(0);
      return buffer;
    }
    ++allocated_;
  }
  auto buffer = std::make_unique<csv::ChunkBuffer>();
  buffer->Reserve(buffer_bytes_);
  return buffer;
}

void ChunkBufferPool::Return(std::unique_ptr<csv::ChunkBuffer> buffer) {
  MutexLock lock(&mu_);
  free_.push_back(std::move(buffer));
}

void ChunkBufferPool::Stop() {
  MutexLock lock(&mu_);
  stopped_ = true;
}

void ChunkQueue::Push(std::unique_ptr<ChunkInFlight> chunk) {
  MutexLock lock(&mu_);
  chunks_.push_back(std::move(chunk));
}

std::unique_ptr<ChunkInFlight> ChunkQueue::Pop() {
  MutexLock lock(&mu_);
  const auto can_pop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || closed_ || !chunks_.empty();
  };
  mu_.Await(Condition(&can_pop));
  if (stopped_ || chunks_.empty()) return nullptr;
  std::unique_ptr<ChunkInFlight> chunk = std::move(chunks_.front());
  chunks_.pop_front();
  return chunk;
}

void ChunkQueue::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
}

void ChunkQueue::Stop() {
  MutexLock lock(&mu_);
  stopped_ = true;
}

Status ChunkReorderer::Add(std::unique_ptr<ChunkInFlight> chunk, Step step) {
  Status status;
  mu_.Lock();
  const uint64_t sequence = chunk->sequence;
  try {
    waiting_.emplace(sequence, std::move(chunk));
  } catch (...) {
    mu_.Unlock();  // a refused map node must not leave the lock held
    throw;
  }
  if (stepping_) {
    mu_.Unlock();
    return status;
  }
  stepping_ = true;
  while (!stopped_) {
    auto it = waiting_.find(next_);
    if (it == waiting_.end()) break;
    std::unique_ptr<ChunkInFlight> next = std::move(it->second);
    waiting_.erase(it);
    mu_.Unlock();
    try {
      status = step(*next);
    } catch (...) {
      // The caller turns this into the run's error; stop here so that no
      // thread steps past the chunk that was not finished.
      mu_.Lock();
      stopped_ = true;
      stepping_ = false;
      mu_.Unlock();
      throw;
    }
    next.reset();
    mu_.Lock();
    if (!status.ok()) {
      stopped_ = true;
      break;
    }
    ++next_;
  }
  stepping_ = false;
  mu_.Unlock();
  return status;
}

void ChunkReorderer::Stop() {
  MutexLock lock(&mu_);
  stopped_ = true;
}

uint64_t ChunkReorderer::done() const {
  MutexLock lock(&mu_);
  return next_;
}

}  // namespace wv::traces
