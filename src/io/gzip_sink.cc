#include "io/gzip_sink.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fmt/core.h"

namespace wv::io {
namespace {

size_t LevelBufferSize(int level) {
  switch (level) {
    case 1:
      return ISAL_DEF_LVL1_DEFAULT;
    case 2:
      return ISAL_DEF_LVL2_DEFAULT;
    case 3:
      return ISAL_DEF_LVL3_DEFAULT;
    default:
      return 0;
  }
}

// Compresses `input` into one complete gzip member, replacing `*output`.
Status CompressMember(std::string_view input, int level, std::vector<uint8_t>& level_buffer,
                      std::string* output) {
  // Each member must depend only on its input (so the file is the same for any
  // thread count): no state may leak in from an earlier block through ISA-L's
  // level buffer (its match-finder tables) or from the stack (below).
  std::fill(level_buffer.begin(), level_buffer.end(), uint8_t{0});
  size_t capacity = input.size() + input.size() / 8 + 4096;
  for (int attempt = 0; attempt < 3; ++attempt, capacity *= 2) {
    output->resize(capacity);
    isal_zstream stream{};  // init leaves some fields alone: no stack garbage
    isal_deflate_stateless_init(&stream);
    stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));

    stream.avail_in = static_cast<uint32_t>(input.size());
    stream.next_out = reinterpret_cast<uint8_t*>(output->data());
    stream.avail_out = static_cast<uint32_t>(capacity);
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.gzip_flag = IGZIP_GZIP;
    stream.level = static_cast<uint32_t>(level);
    stream.level_buf = level_buffer.empty() ? nullptr : level_buffer.data();
    stream.level_buf_size = static_cast<uint32_t>(level_buffer.size());
    const int rc = isal_deflate_stateless(&stream);
    if (rc == COMP_OK) {
      output->resize(stream.total_out);
      return OkStatus();
    }
    if (rc != STATELESS_OVERFLOW) {
      return InternalError(fmt::format("gzip: isal_deflate_stateless failed ({})", rc));
    }
  }
  return InternalError("gzip: compressed block does not fit its buffer");
}

struct Job {
  std::string input;
  std::string output;
  Status status;
  bool done = false;
};

// See OpenGzipSink. Workers compress jobs from `queue_`; the appending thread
// writes finished jobs to `inner_` strictly in submission order.
class GzipSink : public ByteSink {
 public:
  GzipSink(std::unique_ptr<ByteSink> inner, int level, int threads, size_t block_size)
      : inner_(std::move(inner)), level_(level), block_size_(block_size) {
    pending_.reserve(block_size_);
    if (threads <= 1) {
      inline_level_buffer_.resize(LevelBufferSize(level_));
      return;
    }
    max_in_flight_ = static_cast<size_t>(threads) * 2;
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  ~GzipSink() override { StopWorkers(); }

  Status Append(std::string_view bytes) override {
    written_ += bytes.size();
    while (!bytes.empty()) {
      const size_t take = std::min(bytes.size(), block_size_ - pending_.size());
      pending_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (pending_.size() == block_size_) WV_RETURN_IF_ERROR(SubmitPending());
    }
    return OkStatus();
  }

  Status Close() override {
    // An empty stream still gets one (empty) member, so the file is valid gzip.
    if (!pending_.empty() || members_ == 0) WV_RETURN_IF_ERROR(SubmitPending());
    while (!order_.empty()) WV_RETURN_IF_ERROR(WriteOldest());
    StopWorkers();
    return inner_->Close();
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  Status SubmitPending() {
    ++members_;
    auto job = std::make_shared<Job>();
    job->input.swap(pending_);
    pending_.reserve(block_size_);
    if (workers_.empty()) {
      WV_RETURN_IF_ERROR(CompressMember(job->input, level_, inline_level_buffer_, &job->output));
      return inner_->Append(job->output);
    }
    {
      std::lock_guard lock(mu_);
      order_.push_back(job);
      queue_.push_back(job);
    }
    cv_.notify_all();
    while (order_.size() > max_in_flight_) WV_RETURN_IF_ERROR(WriteOldest());
    return OkStatus();
  }

  Status WriteOldest() {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      job = order_.front();
      cv_.wait(lock, [&] { return job->done; });
      order_.pop_front();
    }
    WV_RETURN_IF_ERROR(job->status);
    return inner_->Append(job->output);
  }

  void WorkerLoop() {
    std::vector<uint8_t> level_buffer(LevelBufferSize(level_));
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = queue_.front();
        queue_.pop_front();
      }
      Status status = CompressMember(job->input, level_, level_buffer, &job->output);
      {
        std::lock_guard lock(mu_);
        job->status = std::move(status);
        job->input = std::string();
        job->done = true;
      }
      cv_.notify_all();
    }
  }

  void StopWorkers() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::unique_ptr<ByteSink> inner_;
  const int level_;
  const size_t block_size_;
  size_t max_in_flight_ = 0;
  std::string pending_;
  uint64_t written_ = 0;
  uint64_t members_ = 0;
  std::vector<uint8_t> inline_level_buffer_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // waiting for a worker; guarded by mu_
  std::deque<std::shared_ptr<Job>> order_;  // submitted, not yet written; guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace

StatusOr<std::unique_ptr<ByteSink>> OpenGzipSink(std::unique_ptr<ByteSink> inner, int level,
                                                 int threads, size_t block_size) {
  if (level < ISAL_DEF_MIN_LEVEL || level > ISAL_DEF_MAX_LEVEL) {
    return UsageError(fmt::format("gzip level must be {}..{}, got {}", ISAL_DEF_MIN_LEVEL,
                                  ISAL_DEF_MAX_LEVEL, level));
  }
  if (threads < 1) return UsageError("gzip: threads must be at least 1");
  if (block_size < (size_t{64} << 10) || block_size > (size_t{1} << 30)) {
    return UsageError("gzip: block size must be between 64 KiB and 1 GiB");
  }
  return std::unique_ptr<ByteSink>(new GzipSink(std::move(inner), level, threads, block_size));
}

}  // namespace wv::io
