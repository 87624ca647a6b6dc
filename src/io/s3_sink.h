#ifndef WV_IO_S3_SINK_H_
#define WV_IO_S3_SINK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/status.h"
#include "io/byte_sink.h"
#include "s3/client.h"

// One S3 object written as a stream: the bytes are cut into parts of a
// multipart upload, uploaded in parallel while the writer goes on.
namespace wv::io {

// Plain data.
struct S3SinkOptions {
  size_t part_bytes = size_t{8} << 20;  // at least S3's 5 MiB minimum (raised to it)
  int parts_in_flight = 4;              // uploads running at once for this object (at least 1)
  s3::PutOptions put;                   // content type; conditions apply when the object appears
  // false: Close() makes the object appear (an object smaller than one part
  // is a single PutObject). true: Close() uploads every part and returns;
  // the object appears only at Complete() (always a multipart upload, created
  // at open, so that it can be listed and aborted until then).
  bool defer_completion = false;
};

// A ByteSink writing the object at `url`. Memory: at most
// (parts_in_flight + 1) parts. A part that fails transiently is retried by
// the client; the first error that remains is returned by every later call
// (OutputErrors naming the object, from s3/client.h's lines).
//
// If the object has not appeared when the sink is destroyed (no Close(), a
// failure, or a deferred upload never completed), the upload is aborted, so
// no part is left behind (a SIGKILL still leaves it: ListMultipartUploads
// finds it).
//
// Thread-safety: Append(), Close() and Complete() from one writer thread;
// Abort() and the accessors from any thread (a signal handler's thread may
// abort while the writer is still uploading: its later calls then fail).
class S3Sink final : public ByteSink {
 public:
  // Errors: UsageError for a malformed URL or one without a key;
  // OutputError when S3 refuses to start the upload (deferred mode).
  static StatusOr<std::unique_ptr<S3Sink>> Open(std::shared_ptr<s3::S3Client> client,
                                                const std::string& url,
                                                const S3SinkOptions& options = {});
  ~S3Sink() override;

  Status Append(std::string_view bytes) override;
  // REQUIRES: called once.
  Status Close() override;
  uint64_t bytes_written() const override { return written_; }

  // Deferred mode: makes the object appear, under `conditions` (412 is
  // S3ErrorType::kPreconditionFailed, and the upload stays open for
  // Abort()). Returns its ETag.
  // REQUIRES: defer_completion; Close() returned OK; not completed yet.
  s3::S3Result<std::string> Complete(const s3::WriteConditions& conditions = {});

  // Discards the upload and its parts (nothing appears). Idempotent; a
  // completed object is left alone (delete it to remove it).
  s3::S3Status Abort();

  const std::string& url() const { return url_; }
  const std::string& bucket() const { return bucket_; }
  const std::string& key() const { return key_; }
  // The object's ETag once it appeared, else "".
  std::string etag() const;
  // The multipart upload's id ("" before one was started, and for a single PutObject).
  std::string upload_id() const;

 private:
  struct Shared;
  struct Part {
    int number = 0;
    std::string body;
    std::string etag;  // when done and OK
    Status status;
    bool done = false;
  };

  S3Sink(std::shared_ptr<s3::S3Client> client, std::string bucket, std::string key,
         const S3SinkOptions& options);
  Status StartUpload();
  Status SendPart();
  Status WaitOldest();
  Status WaitAll();
  Status Fail(Status status);
  Status Finish();
  void Upload(Part* part, Shared& shared);

  const std::shared_ptr<s3::S3Client> client_;
  const std::string bucket_;
  const std::string key_;
  const std::string url_;
  const S3SinkOptions options_;

  // The writer's own state.
  std::string buffer_;
  uint64_t written_ = 0;
  int parts_sent_ = 0;
  std::vector<s3::CompletedPart> completed_;
  Status error_;  // the first error: every later call returns it

  // What the upload threads share with the writer, held by shared_ptr by the
  // sink and by each part's task: a task that marked its part done may still
  // be leaving the lock (wv::Mutex wakes waiters after unlocking) when the
  // writer, woken, destroys the sink; the lock must outlive that.
  struct Shared {
    Mutex mu;
    std::deque<std::unique_ptr<Part>> in_flight ABSL_GUARDED_BY(mu);  // in part order
    std::string upload_id ABSL_GUARDED_BY(mu);
    std::string etag ABSL_GUARDED_BY(mu);
    bool appeared ABSL_GUARDED_BY(mu) = false;
    bool aborted ABSL_GUARDED_BY(mu) = false;
  };
  const std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace wv::io

#endif  // WV_IO_S3_SINK_H_
