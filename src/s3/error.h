#ifndef WV_S3_ERROR_H_
#define WV_S3_ERROR_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/status.h"

// What went wrong talking to S3, as a value the caller can inspect (a 412 on
// a conditional write is an answer, not a failure, for the publication) and
// then turn into a Status of the kind it chooses: reading an input is an
// input error (exit 3), writing the output an output error (exit 5).
namespace wv::s3 {

// The few failures callers and users tell apart. Everything a user must act
// on has its own type, so its message can say what to check.
enum class S3ErrorType {
  kAccessDenied,        // 403 AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ...
  kNoSuchBucket,        // 404 NoSuchBucket
  kNoSuchKey,           // 404 NoSuchKey (or a HEAD 404 on an existing bucket)
  kNoSuchUpload,        // 404 NoSuchUpload: the multipart upload was aborted or completed
  kPreconditionFailed,  // 412: If-None-Match / If-Match did not hold
  kInvalidRange,        // 416: the range starts past the object's end
  kWrongRegion,         // 400 AuthorizationHeaderMalformed, 301 PermanentRedirect
  kClockSkew,           // 403 RequestTimeTooSkewed
  kUnreachable,         // no connection to the endpoint (refused, DNS, TLS)
  kTransient,           // 5xx, 503 SlowDown, 429, timeouts, resets: retried, then this
  kBadResponse,         // a 2xx whose body or headers make no sense
  kOther,               // any other 4xx, with the server's code and message
};

// One failed S3 operation: its type, the HTTP status and S3 error code when a
// response came, and one line for humans naming the object
// ("s3://b/k: access denied (403 AccessDenied): check ..."). The line never
// contains a secret. Plain data; thread-compatible.
struct S3Error {
  S3ErrorType type = S3ErrorType::kOther;
  int http_status = 0;  // 0 when no response came
  std::string code;     // the S3 <Code>, or "" (HEAD responses have no body)
  std::string message;  // the full line for humans
  int attempts = 1;     // how many times the request was sent

  // The line as a Status of `kind` (ErrorKind::kInput when reading,
  // kOutput when writing).
  Status ToStatus(ErrorKind kind) const { return Status(kind, message); }
};

// An S3 operation's value, or the S3Error that prevented it. `Or(kind)`
// converts to the project's StatusOr for callers that need no more than the
// message: WV_ASSIGN_OR_RETURN(auto info, client.HeadObject(b, k).Or(ErrorKind::kInput));
// Thread-compatible.
template <typename T>
class [[nodiscard]] S3Result {
 public:
  S3Result(S3Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design
  S3Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  // REQUIRES: !ok()
  const S3Error& error() const& { return std::get<S3Error>(state_); }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  bool Is(S3ErrorType type) const { return !ok() && error().type == type; }
  StatusOr<T> Or(ErrorKind kind) && {
    if (ok()) return std::get<T>(std::move(state_));
    return error().ToStatus(kind);
  }

 private:
  std::variant<S3Error, T> state_;
};

// An S3 operation that returns nothing on success.
class [[nodiscard]] S3Status {
 public:
  S3Status() = default;                                  // OK
  S3Status(S3Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  // REQUIRES: !ok()
  const S3Error& error() const { return *error_; }
  bool Is(S3ErrorType type) const { return !ok() && error_->type == type; }
  Status Or(ErrorKind kind) const { return ok() ? Status() : error_->ToStatus(kind); }

 private:
  std::optional<S3Error> error_;
};

// The name of `type` for tests and logs ("access denied", "precondition failed").
const char* S3ErrorTypeName(S3ErrorType type);

// What a failed request's last attempt saw. Plain data.
struct FailedAttempt {
  int http_status = 0;         // 0: no response
  std::string code;            // S3 <Code> from the error body, "" if none
  std::string server_message;  // S3 <Message>, "" if none
  std::string bucket_region;   // <Region> or x-amz-bucket-region, when the server said
  int curl_code = 0;           // CURLcode of a transport failure, else 0
  std::string curl_message;    // curl's error text
  bool body_cut_short = false;
  int attempts = 1;
};

// What the messages name besides the object: where the credentials and the
// region came from, and the endpoint. Never the secret. Plain data.
struct FailureContext {
  std::string resource;            // "s3://bucket/key"
  std::string endpoint;            // "http://127.0.0.1:9000"
  std::string region;              // signed for
  std::string region_source;       // "AWS_REGION", "--s3-region", "the default region"
  std::string credentials_source;  // "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "profile 'x' ..."
};

// The S3Error of a failed request: its type and its one line, e.g.
//   s3://b/k: access denied (403 AccessDenied): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
//   s3://b/k: wrong region: the bucket is in eu-west-1 (AWS_REGION=us-east-1)
//   s3://b/k: endpoint http://127.0.0.1:9 unreachable: Connection refused
//   s3://b/k: 503 SlowDown after 10 attempts: Please reduce your request rate.
S3Error ClassifyFailure(const FailedAttempt& attempt, const FailureContext& context);

}  // namespace wv::s3

// `WV_S3_ASSIGN_OR_RETURN(auto x, client.Op(...));` in a function returning
// an S3Result or S3Status: declares x from the value or returns the S3Error.
#define WV_S3_ASSIGN_OR_RETURN(lhs, expr) \
  WV_S3_ASSIGN_OR_RETURN_IMPL_(WV_STATUS_CONCAT_(wv_s3result_, __COUNTER__), lhs, expr)
#define WV_S3_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()

#endif  // WV_S3_ERROR_H_
