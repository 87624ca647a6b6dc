#include "io/gzip_sink.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/parallel.h"
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

// The compressor may load a few bytes past the end of its input while it
// hashes the last positions (wide loads). Those bytes must be the same on
// every run, or the member would depend on what the allocator left there
// (recycled blocks differ with thread timing) and the file on scheduling:
// zeros are appended past the end, and CompressMember never counts them.
constexpr size_t kOverreadPadding = 64;

void PadForOverread(std::string* input) { input->append(kOverreadPadding, '\0'); }

// Compresses `input` (without its kOverreadPadding trailing bytes) into one
// complete gzip member, replacing `*output`.
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

    stream.avail_in = static_cast<uint32_t>(input.size() - kOverreadPadding);
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

// One block of input on its way to becoming a gzip member. The compressing
// task writes `output` and `status`, then notifies `done`; the appending
// thread reads them only after WaitForNotification(), which orders the two.
struct Member {
  std::string input;
  std::string output;
  Status status;
  Notification done;
};

// See OpenGzipSink. Not thread-safe (one appender). With threads > 1, blocks
// are compressed on a wv::ThreadPool and `in_flight_` (touched only by the
// appending thread) keeps them in submission order for writing; each Member
// carries its own Notification, so no state is shared under a lock.
class GzipSink : public ByteSink {
 public:
  GzipSink(std::unique_ptr<ByteSink> inner, int level, int threads, size_t block_size)
      : inner_(std::move(inner)), level_(level), block_size_(block_size) {
    pending_.reserve(block_size_);
    if (threads <= 1) {
      inline_level_buffer_.resize(LevelBufferSize(level_));
      return;
    }
    // Two blocks per thread keep every worker busy while the oldest is being
    // written, and bound the memory to 2 * threads blocks in and out.
    max_in_flight_ = static_cast<size_t>(threads) * 2;
    pool_ = std::make_unique<ThreadPool>(threads);
  }

  ~GzipSink() override {
    // Members still queued after an error are not worth compressing.
    abandoned_.store(true, std::memory_order_relaxed);
    pool_.reset();  // joins the workers before the members they point into go
  }

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
    while (!in_flight_.empty()) WV_RETURN_IF_ERROR(WriteOldest());
    pool_.reset();
    return inner_->Close();
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  // Turns the pending block into a member: compressed here and written at
  // once without a pool, else queued, writing the oldest while too many wait.
  Status SubmitPending() {
    ++members_;
    auto member = std::make_shared<Member>();
    member->input.swap(pending_);
    pending_.reserve(block_size_);
    PadForOverread(&member->input);
    if (pool_ == nullptr) {
      WV_RETURN_IF_ERROR(
          CompressMember(member->input, level_, inline_level_buffer_, &member->output));
      return inner_->Append(member->output);
    }
    in_flight_.push_back(member);
    pool_->Schedule([this, member] { CompressOnWorker(*member); });
    while (in_flight_.size() > max_in_flight_) WV_RETURN_IF_ERROR(WriteOldest());
    return OkStatus();
  }

  void CompressOnWorker(Member& member) {
    if (!abandoned_.load(std::memory_order_relaxed)) {
      // A fresh (zeroed) level buffer per member: its output must not depend
      // on which worker compressed what before (CompressMember zeroes a reused
      // one anyway, so this costs no more).
      // A pool task must not throw (std::terminate): the exception becomes
      // the member's status, which the appending thread returns.
      try {
        std::vector<uint8_t> level_buffer(LevelBufferSize(level_));
        member.status = CompressMember(member.input, level_, level_buffer, &member.output);
      } catch (...) {
        member.status = StatusFromCurrentException("gzip compression");
      }
    }
    member.input = std::string();
    member.done.Notify();
  }

  Status WriteOldest() {
    const std::shared_ptr<Member> member = std::move(in_flight_.front());
    in_flight_.pop_front();
    member->done.WaitForNotification();
    WV_RETURN_IF_ERROR(member->status);
    return inner_->Append(member->output);
  }

  std::unique_ptr<ByteSink> inner_;
  const int level_;
  const size_t block_size_;
  size_t max_in_flight_ = 0;
  std::string pending_;
  uint64_t written_ = 0;
  uint64_t members_ = 0;
  std::vector<uint8_t> inline_level_buffer_;       // threads <= 1 only
  std::deque<std::shared_ptr<Member>> in_flight_;  // submission order
  std::atomic<bool> abandoned_{false};             // set by the destructor
  std::unique_ptr<ThreadPool> pool_;               // threads > 1 only
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
