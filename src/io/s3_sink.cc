#include "io/s3_sink.h"

#include <algorithm>
#include <utility>

#include "core/parallel.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "s3/location.h"

namespace wv::io {
namespace {

constexpr size_t kMinPartBytes = size_t{5} << 20;  // S3's minimum for every part but the last
constexpr int kMaxParts = 10000;                   // S3's limit
constexpr int kUploadThreads = 8;                  // shared by every sink of the process

// The threads every S3Sink's parts are uploaded on (network-bound work; a
// sink bounds its own parts in flight). Never destroyed: parts may still be
// finishing while static destructors run.
ThreadPool& UploadPool() {
  static ThreadPool* pool = new ThreadPool(kUploadThreads);
  return *pool;
}

}  // namespace

StatusOr<std::unique_ptr<S3Sink>> S3Sink::Open(std::shared_ptr<s3::S3Client> client,
                                               const std::string& url,
                                               const S3SinkOptions& options) {
  WV_ASSIGN_OR_RETURN(s3::ObjectUrl parsed, s3::ParseS3Url(url));
  if (parsed.key.empty() || parsed.key.back() == '/') {
    return UsageError(fmt::format("{}: an S3 object needs a key that does not end in '/'",
                                  EscapeForTerminal(url)));
  }
  std::unique_ptr<S3Sink> sink(
      new S3Sink(std::move(client), std::move(parsed.bucket), std::move(parsed.key), options));
  if (options.defer_completion) WV_RETURN_IF_ERROR(sink->StartUpload());
  return sink;
}

S3Sink::S3Sink(std::shared_ptr<s3::S3Client> client, std::string bucket, std::string key,
               const S3SinkOptions& options)
    : client_(std::move(client)),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      url_(s3::ObjectUrl{bucket_, key_}.ToString()),
      options_([&] {
        S3SinkOptions o = options;
        o.part_bytes = std::max(o.part_bytes, kMinPartBytes);
        o.parts_in_flight = std::max(o.parts_in_flight, 1);
        return o;
      }()) {}

S3Sink::~S3Sink() {
  (void)WaitAll();  // first: the pool's tasks point into this object
  bool abort = false;
  {
    MutexLock lock(&shared_->mu);
    abort = !shared_->appeared && !shared_->aborted && !shared_->upload_id.empty();
  }
  if (abort) (void)Abort();  // best effort: nobody is left to report to
}

Status S3Sink::Fail(Status status) {
  if (error_.ok()) error_ = std::move(status);
  return error_;
}

Status S3Sink::StartUpload() {
  s3::S3Result<std::string> id = client_->CreateMultipartUpload(bucket_, key_, options_.put);
  if (!id.ok()) return Fail(id.error().ToStatus(ErrorKind::kOutput));
  MutexLock lock(&shared_->mu);
  shared_->upload_id = std::move(id).value();
  return OkStatus();
}

Status S3Sink::Append(std::string_view bytes) {
  WV_RETURN_IF_ERROR(error_);
  while (!bytes.empty()) {
    if (buffer_.capacity() < options_.part_bytes) buffer_.reserve(options_.part_bytes);
    const size_t take = std::min(bytes.size(), options_.part_bytes - buffer_.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    written_ += take;
    if (buffer_.size() == options_.part_bytes) WV_RETURN_IF_ERROR(SendPart());
  }
  return OkStatus();
}

Status S3Sink::SendPart() {
  if (upload_id().empty()) WV_RETURN_IF_ERROR(StartUpload());
  {
    MutexLock lock(&shared_->mu);
    if (shared_->aborted) return Fail(OutputError(fmt::format("{}: the upload was aborted", url_)));
  }
  if (parts_sent_ == kMaxParts) {
    return Fail(OutputError(
        fmt::format("{}: more than {} parts of {} bytes", url_, kMaxParts, options_.part_bytes)));
  }
  while (true) {
    size_t in_flight = 0;
    {
      MutexLock lock(&shared_->mu);
      in_flight = shared_->in_flight.size();
    }
    if (in_flight < static_cast<size_t>(options_.parts_in_flight)) break;
    WV_RETURN_IF_ERROR(WaitOldest());
  }
  auto part = std::make_unique<Part>();
  part->number = ++parts_sent_;
  part->body.swap(buffer_);
  Part* raw = part.get();
  {
    MutexLock lock(&shared_->mu);
    shared_->in_flight.push_back(std::move(part));
  }
  UploadPool().Schedule([this, raw, keep = shared_] { Upload(raw, *keep); });
  return OkStatus();
}

// Touches the sink only until its part is marked done (the writer may
// destroy it from then on); the lock is `shared`, kept alive by the task.
void S3Sink::Upload(Part* part, Shared& shared) {
  std::string id;
  {
    MutexLock lock(&shared.mu);
    id = shared.upload_id;
  }
  s3::S3Result<std::string> etag = client_->UploadPart(bucket_, key_, id, part->number, part->body);
  MutexLock lock(&shared.mu);
  if (etag.ok()) {
    part->etag = std::move(etag).value();
  } else {
    part->status = etag.error().ToStatus(ErrorKind::kOutput);
  }
  part->done = true;
}

Status S3Sink::WaitOldest() {
  std::unique_ptr<Part> part;
  {
    MutexLock lock(&shared_->mu);
    const auto oldest_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
      return shared_->in_flight.front()->done;
    };
    shared_->mu.Await(Condition(&oldest_done));
    part = std::move(shared_->in_flight.front());
    shared_->in_flight.pop_front();
  }
  if (!part->status.ok()) return Fail(part->status);
  completed_.push_back({part->number, std::move(part->etag)});
  // Keep one part's memory for the next part (the writer fills buffer_ next).
  if (buffer_.capacity() == 0) {
    part->body.clear();
    buffer_.swap(part->body);
  }
  return OkStatus();
}

Status S3Sink::WaitAll() {
  Status first;
  for (;;) {
    {
      MutexLock lock(&shared_->mu);
      if (shared_->in_flight.empty()) return first;
    }
    Status s = WaitOldest();
    if (first.ok()) first = s;
  }
}

Status S3Sink::Close() {
  WV_RETURN_IF_ERROR(error_);
  const bool small = parts_sent_ == 0 && upload_id().empty();
  if (small && !options_.defer_completion) {
    s3::S3Result<std::string> put = client_->PutObject(bucket_, key_, buffer_, options_.put);
    if (!put.ok()) return Fail(put.error().ToStatus(ErrorKind::kOutput));
    MutexLock lock(&shared_->mu);
    shared_->etag = std::move(put).value();
    shared_->appeared = true;
    return OkStatus();
  }
  // The last part (possibly empty, when the object is: S3 accepts an empty last part).
  if (!buffer_.empty() || parts_sent_ == 0) WV_RETURN_IF_ERROR(SendPart());
  WV_RETURN_IF_ERROR(WaitAll());
  std::string().swap(buffer_);
  if (options_.defer_completion) return OkStatus();
  return Finish();
}

Status S3Sink::Finish() {
  s3::S3Result<std::string> etag = Complete(options_.put.conditions);
  if (!etag.ok()) return Fail(etag.error().ToStatus(ErrorKind::kOutput));
  return OkStatus();
}

s3::S3Result<std::string> S3Sink::Complete(const s3::WriteConditions& conditions) {
  const std::string id = upload_id();
  s3::S3Result<std::string> etag =
      client_->CompleteMultipartUpload(bucket_, key_, id, completed_, conditions);
  if (etag.ok()) {
    MutexLock lock(&shared_->mu);
    shared_->etag = etag.value();
    shared_->appeared = true;
  }
  return etag;
}

s3::S3Status S3Sink::Abort() {
  std::string id;
  {
    MutexLock lock(&shared_->mu);
    if (shared_->aborted || shared_->appeared || shared_->upload_id.empty()) {
      shared_->aborted = true;
      return s3::S3Status();
    }
    shared_->aborted = true;
    id = shared_->upload_id;
  }
  s3::S3Status status = client_->AbortMultipartUpload(bucket_, key_, id);
  if (status.Is(s3::S3ErrorType::kNoSuchUpload)) return s3::S3Status();
  return status;
}

std::string S3Sink::etag() const {
  MutexLock lock(&shared_->mu);
  return shared_->etag;
}

std::string S3Sink::upload_id() const {
  MutexLock lock(&shared_->mu);
  return shared_->upload_id;
}

}  // namespace wv::io
