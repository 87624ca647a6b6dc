#ifndef WV_S3_CLIENT_H_
#define WV_S3_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "s3/credentials.h"
#include "s3/error.h"
#include "s3/retry.h"

// The S3 operations wordviews needs, over libcurl (SigV4 signed by curl's
// CURLOPT_AWS_SIGV4; the payload hash, query encoding and key encoding done
// here), with retries (s3/retry.h) and errors as S3Error values
// (s3/error.h). See docs/S3.md for the design.
//
// Keys are given as plain text (UTF-8, not encoded); ETags are as S3 sends
// them, quotes included ("\"9b2cf535f27731c974343645a3985328\""), which is
// the form If-Match takes.
namespace wv::s3 {

// What HEAD (or a GET) says about an object. Plain data.
struct ObjectInfo {
  uint64_t size = 0;          // the whole object's size in bytes
  std::string etag;           // quotes included
  int64_t last_modified = 0;  // UNIX seconds (UTC)
};

// One object of a listing. Plain data.
struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
  std::string etag;           // quotes included (entity-decoded from the XML)
  int64_t last_modified = 0;  // UNIX seconds (UTC)
};

// One multipart upload in progress. Plain data.
struct UploadSummary {
  std::string key;
  std::string upload_id;
  int64_t initiated = 0;  // UNIX seconds (UTC)
};

// A part uploaded by UploadPart, for CompleteMultipartUpload. Plain data.
struct CompletedPart {
  int part_number = 0;  // 1..10000, ascending in the list
  std::string etag;     // as UploadPart returned it
};

// Conditions of a write (PutObject, CompleteMultipartUpload). When one does
// not hold the write changes nothing and fails with
// S3ErrorType::kPreconditionFailed (HTTP 412), which callers can recognise
// (result.Is(S3ErrorType::kPreconditionFailed)). Plain data.
struct WriteConditions {
  bool if_none_match = false;  // If-None-Match: *   (only if no object has the key)
  std::string if_match;        // If-Match: ETAG     (only if the object is that version)

  static WriteConditions IfAbsent() {
    WriteConditions c;
    c.if_none_match = true;
    return c;
  }
  static WriteConditions IfMatch(std::string etag) {
    WriteConditions c;
    c.if_match = std::move(etag);
    return c;
  }
};

// Options of PutObject and CreateMultipartUpload. Plain data.
struct PutOptions {
  WriteConditions conditions;  // ignored by CreateMultipartUpload (give them to Complete)
  std::string content_type;    // "" = none sent (S3 stores binary/octet-stream)

  static PutOptions When(WriteConditions conditions) {
    PutOptions o;
    o.conditions = std::move(conditions);
    return o;
  }
};

// Request counts and bytes moved, for progress and the benchmark report.
// Plain data (a snapshot).
struct S3Counters {
  uint64_t requests = 0;        // HTTP requests sent, retries included
  uint64_t retries = 0;         // requests that were a retry of a failed one
  uint64_t bytes_sent = 0;      // request bodies (parts, objects, XML)
  uint64_t bytes_received = 0;  // response bodies (object bytes, XML)
};

// How the client connects. Plain data.
struct ClientOptions {
  ConnectionSettings connection;
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10000};
  // A request that moves no byte for this long is abandoned as a timeout
  // (and retried): a stalled connection must not hang the run.
  std::chrono::milliseconds stall_timeout{30000};
};

// A client of one S3 endpoint with one set of credentials.
//
// Thread-safe: every method may be called from any number of threads at
// once. Each request takes a curl handle from a small pool and gives it back
// after, so connections (keep-alive, TLS sessions) are reused across
// requests and threads; at most as many connections are open as requests
// have run at once.
//
// Every method retries what IsRetryable() says is transient, within the
// policy's budget, and returns an S3Error whose message is one line naming
// the object ("s3://bucket/key: ...") and, for the failures a user must fix,
// what to check. No message contains the secret key or the session token.
class S3Client {
 public:
  // Errors: UsageError for settings that cannot work (no credentials, a
  // bad endpoint); InternalError if libcurl cannot be initialised.
  static StatusOr<std::unique_ptr<S3Client>> Create(const ClientOptions& options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // ---- Objects --------------------------------------------------------------

  // HEAD: size, ETag and modification time. A missing object is
  // kNoSuchKey, a missing bucket kNoSuchBucket (told apart with a second
  // request: HEAD responses carry no error body).
  S3Result<ObjectInfo> HeadObject(const std::string& bucket, const std::string& key);

  // GET of `length` bytes from `offset` (nullopt: to the end; offset 0 and
  // nullopt: the whole object, without a Range header), only if the object's
  // ETag is `if_match` (when not empty). Replaces *body with the bytes and
  // returns what the response says about the whole object (its size from
  // Content-Range). A range that reaches past the end is cut at the end; one
  // that starts at or past the end is kInvalidRange (416). A body cut short
  // is re-requested from the byte reached (If-Match the ETag of the first
  // response, so the bytes are of one version); an object replaced since
  // `if_match` is kPreconditionFailed.
  S3Result<ObjectInfo> GetObject(const std::string& bucket, const std::string& key, uint64_t offset,
                                 std::optional<uint64_t> length, const std::string& if_match,
                                 std::string* body);

  // PUT of a whole object (up to 5 GiB; use multipart above a few MiB).
  // Returns the new object's ETag.
  S3Result<std::string> PutObject(const std::string& bucket, const std::string& key,
                                  std::string_view body, const PutOptions& options = {});

  // DELETE of one object; deleting a missing key succeeds (as S3 does).
  S3Status DeleteObject(const std::string& bucket, const std::string& key);

  // Deletes `keys` with multi-object delete requests of up to 1000 keys each
  // (Content-MD5 as S3 requires). Fails (naming the first key S3 refused and
  // how many it refused) if any key could not be deleted; missing keys count
  // as deleted.
  S3Status DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys);

  // Every object whose key starts with `prefix`, in key order, across all
  // pages (continuation tokens). `page_size` (1..1000) is S3's max-keys,
  // smaller only to exercise paging in tests.
  S3Result<std::vector<ObjectSummary>> ListObjectsV2(const std::string& bucket,
                                                     const std::string& prefix,
                                                     int page_size = 1000);

  // ---- Multipart uploads ----------------------------------------------------

  // Starts an upload; returns its upload id.
  S3Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                              const PutOptions& options = {});

  // Uploads part `part_number` (1..10000; every part but the last at least
  // 5 MiB); returns its ETag. Retried whole (the body is the caller's).
  S3Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                   const std::string& upload_id, int part_number,
                                   std::string_view body);

  // Completes an upload from its parts (ascending part numbers) under
  // `conditions`; returns the object's ETag. S3 may answer 200 with an error
  // in the body: that is an error here too.
  S3Result<std::string> CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id,
                                                const std::vector<CompletedPart>& parts,
                                                const WriteConditions& conditions = {});

  // Aborts an upload, discarding its parts. An upload that no longer exists
  // (kNoSuchUpload) is reported as such; callers cleaning up may ignore it.
  S3Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                const std::string& upload_id);

  // Every upload in progress whose key starts with `prefix`, across all pages.
  S3Result<std::vector<UploadSummary>> ListMultipartUploads(const std::string& bucket,
                                                            const std::string& prefix);

  // ---- Buckets ----------------------------------------------------------------

  // Creates a bucket (tests, demos); one that exists and is ours succeeds.
  S3Status CreateBucket(const std::string& bucket);

  // HEAD of a bucket: OK, kNoSuchBucket or kAccessDenied.
  S3Status HeadBucket(const std::string& bucket);

  // ---- Introspection -----------------------------------------------------------

  S3Counters counters() const;
  // The endpoint requests go to ("https://s3.us-east-1.amazonaws.com" for AWS) and
  // the region they are signed for, for messages.
  const std::string& endpoint() const;
  const std::string& region() const;

  class Impl;  // the request machinery (s3/client.cc)

 private:
  explicit S3Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wv::s3

#endif  // WV_S3_CLIENT_H_
