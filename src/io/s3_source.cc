#include "io/s3_source.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/parallel.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/s3_connection.h"
#include "s3/location.h"

namespace wv::io {
namespace {

// One ranged GET: written by a pool thread, read by the reader once `done`.
struct Block {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string data;  // written before `done`, read only after it
  Status status;     // likewise
};

class S3Source final : public ByteSource {
 public:
  S3Source(std::shared_ptr<s3::S3Client> client, s3::ObjectUrl url, s3::ObjectInfo info,
           const S3SourceOptions& options)
      : client_(std::move(client)),
        url_(std::move(url)),
        name_(url_.ToString()),
        info_(std::move(info)),
        block_bytes_(std::max<size_t>(options.block_bytes, 1)),
        in_flight_(std::max(options.blocks_in_flight, 1)),
        pool_(std::make_unique<ThreadPool>(in_flight_)) {}

  ~S3Source() override {
    cancelled_.store(true, std::memory_order_relaxed);
    pool_.reset();  // waits for the GETs under way (the queued ones return at once)
  }

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    if (delivered_ == info_.size || capacity == 0) return 0;
    if (current_ == nullptr || current_pos_ == current_->data.size()) {
      WV_RETURN_IF_ERROR(TakeNextBlock());
    }
    const size_t n = std::min(capacity, current_->data.size() - current_pos_);
    std::memcpy(buffer, current_->data.data() + current_pos_, n);
    current_pos_ += n;
    delivered_ += n;
    return n;
  }

  const std::string& name() const override { return name_; }
  std::optional<uint64_t> stored_size() const override { return info_.size; }
  uint64_t stored_bytes_read() const override { return delivered_; }
  std::optional<ObjectIdentity> object_identity() const override {
    return ObjectIdentity{name_, info_.size, info_.etag};
  }

 private:
  // Keeps `in_flight_` GETs scheduled ahead of the reader.
  void ScheduleAhead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (window_.size() < static_cast<size_t>(in_flight_) && next_offset_ < info_.size) {
      auto block = std::make_shared<Block>();
      block->offset = next_offset_;
      block->length = std::min<uint64_t>(block_bytes_, info_.size - next_offset_);
      next_offset_ += block->length;
      if (!spare_.empty()) {
        block->data.swap(spare_.back());  // reuse a consumed block's memory
        spare_.pop_back();
      }
      window_.push_back({block, false});
      pool_->Schedule([this, block] { Fetch(block.get()); });
    }
  }

  void Fetch(Block* block) {
    if (cancelled_.load(std::memory_order_relaxed)) {
      block->status = InternalError("cancelled");
    } else {
      s3::S3Result<s3::ObjectInfo> got = client_->GetObject(
          url_.bucket, url_.key, block->offset, block->length, info_.etag, &block->data);
      block->status = Check(got, *block);
    }
    MutexLock lock(&mu_);
    for (Slot& slot : window_) {
      if (slot.block.get() == block) slot.done = true;
    }
  }

  Status Check(const s3::S3Result<s3::ObjectInfo>& got, const Block& block) const {
    if (got.Is(s3::S3ErrorType::kPreconditionFailed)) {
      return InputError(fmt::format("{}: the object changed while it was read (ETag {} at open)",
                                    EscapeForTerminal(name_), info_.etag));
    }
    if (!got.ok()) return got.error().ToStatus(ErrorKind::kInput);
    if (block.data.size() != block.length || got->size != info_.size) {
      return InputError(
          fmt::format("{}: the object changed while it was read ({} bytes at open, now {})",
                      EscapeForTerminal(name_), info_.size, got->size));
    }
    return OkStatus();
  }

  // Waits for the oldest block in flight and makes it the current one.
  Status TakeNextBlock() {
    MutexLock lock(&mu_);
    if (current_ != nullptr) {
      spare_.push_back(std::move(current_->data));
      current_.reset();
    }
    ScheduleAhead();
    if (window_.empty()) {
      return InputError(fmt::format("{}: ended after {} of {} bytes", EscapeForTerminal(name_),
                                    delivered_, info_.size));
    }
    const auto front_done = [this]()
                                ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return window_.front().done; };
    mu_.Await(Condition(&front_done));
    current_ = window_.front().block;
    window_.pop_front();
    current_pos_ = 0;
    ScheduleAhead();
    return current_->status;
  }

  struct Slot {
    std::shared_ptr<Block> block;
    bool done;
  };

  const std::shared_ptr<s3::S3Client> client_;
  const s3::ObjectUrl url_;
  const std::string name_;
  const s3::ObjectInfo info_;
  const size_t block_bytes_;
  const int in_flight_;
  std::atomic<bool> cancelled_{false};

  Mutex mu_;
  std::deque<Slot> window_ ABSL_GUARDED_BY(mu_);  // blocks scheduled, in offset order
  std::vector<std::string> spare_ ABSL_GUARDED_BY(mu_);
  uint64_t next_offset_ ABSL_GUARDED_BY(mu_) = 0;

  // The reader's own state.
  std::shared_ptr<Block> current_;
  size_t current_pos_ = 0;
  uint64_t delivered_ = 0;

  std::unique_ptr<ThreadPool> pool_;  // last: destroyed first, while the rest still exists
};

}  // namespace

StatusOr<std::unique_ptr<ByteSource>> OpenS3Source(std::shared_ptr<s3::S3Client> client,
                                                   const std::string& url,
                                                   const S3SourceOptions& options) {
  WV_ASSIGN_OR_RETURN(s3::ObjectUrl parsed, s3::ParseS3Url(url));
  if (parsed.key.empty() || parsed.key.back() == '/') {
    return InputError(
        fmt::format("{} names a bucket or a prefix, not an object", EscapeForTerminal(url)));
  }
  s3::S3Result<s3::ObjectInfo> head = client->HeadObject(parsed.bucket, parsed.key);
  if (!head.ok()) return head.error().ToStatus(ErrorKind::kInput);
  return std::unique_ptr<ByteSource>(
      std::make_unique<S3Source>(std::move(client), std::move(parsed), head.value(), options));
}

bool IsS3Path(std::string_view path) { return s3::IsS3Url(path); }

StatusOr<std::vector<S3InputObject>> ExpandS3Input(s3::S3Client& client,
                                                   const std::string& pattern) {
  WV_ASSIGN_OR_RETURN(s3::KeyPattern parsed, s3::ParseKeyPattern(pattern));
  std::vector<S3InputObject> out;
  if (!parsed.is_listing()) {
    s3::S3Result<s3::ObjectInfo> head = client.HeadObject(parsed.bucket, parsed.pattern);
    if (!head.ok()) return head.error().ToStatus(ErrorKind::kInput);
    out.push_back({pattern, head->size, head->etag});
    return out;
  }
  s3::S3Result<std::vector<s3::ObjectSummary>> listed =
      client.ListObjectsV2(parsed.bucket, parsed.list_prefix);
  if (!listed.ok()) return listed.error().ToStatus(ErrorKind::kInput);
  for (const s3::ObjectSummary& object : listed.value()) {
    if (!parsed.Matches(object.key)) continue;
    if (Status valid = s3::ValidateKey(object.key); !valid.ok()) {
      return InputError(
          fmt::format("{}: {} (listed by {})",
                      EscapeForTerminal(s3::ObjectUrl{parsed.bucket, object.key}.ToString()),
                      valid.message(), EscapeForTerminal(pattern)));
    }
    out.push_back({s3::ObjectUrl{parsed.bucket, object.key}.ToString(), object.size, object.etag});
  }
  if (out.empty()) {
    return InputError(fmt::format("no object matches {}", EscapeForTerminal(pattern)));
  }
  std::sort(out.begin(), out.end(),
            [](const S3InputObject& a, const S3InputObject& b) { return a.url < b.url; });
  return out;
}

StatusOr<std::vector<S3InputObject>> ExpandS3Input(const std::string& pattern) {
  WV_ASSIGN_OR_RETURN(std::shared_ptr<s3::S3Client> client, SharedS3Client());
  return ExpandS3Input(*client, pattern);
}

}  // namespace wv::io
