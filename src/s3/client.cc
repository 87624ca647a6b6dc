#include "s3/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "s3/location.h"
#include "s3/signing.h"
#include "s3/xml.h"

namespace wv::s3 {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;  // an error body larger than this is not S3's
constexpr size_t kMaxIdleHandles = 32;
constexpr size_t kDeleteBatch = 1000;  // S3's limit per multi-object delete
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// One HTTP request as the operations build it.
struct Request {
  const char* method = "GET";  // GET HEAD PUT POST DELETE
  std::string bucket;
  std::string key;
  std::vector<QueryParam> query;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // PUT and POST bodies
  std::string* sink = nullptr;       // where a 2xx body goes (appended); else Response::body
};

// One attempt's result.
struct Response {
  int status = 0;                                            // 0: no response
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;         // error bodies, and 2xx bodies without a sink
  uint64_t body_bytes = 0;  // bytes of a 2xx body delivered (sink or body)
  int curl_code = 0;        // CURLE_OK = 0
  std::string curl_message;

  bool ok() const { return curl_code == 0 && status >= 200 && status < 300; }
  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

// What curl's callbacks write into during one transfer.
struct Transfer {
  const Request* request;
  Response* response;
  size_t upload_offset = 0;
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue, or a redirect): start over.
    transfer->response->headers.clear();
    const size_t space = line.find(' ');
    transfer->response->status = space == std::string_view::npos
                                     ? 0
                                     : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    return line.size();
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    transfer->response->headers.emplace_back(Lower(line.substr(0, colon)),
                                             TrimSpace(line.substr(colon + 1)));
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  Response& response = *transfer->response;
  const size_t n = size * count;
  const bool success = response.status >= 200 && response.status < 300;
  if (success) {
    std::string* out =
        transfer->request->sink != nullptr ? transfer->request->sink : &response.body;
    out->append(data, n);
    response.body_bytes += n;
  } else if (response.body.size() < kMaxErrorBody) {
    response.body.append(data, std::min(n, kMaxErrorBody - response.body.size()));
  }
  return n;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view body = transfer->request->body;
  const size_t n = std::min(size * count, body.size() - transfer->upload_offset);
  std::memcpy(buffer, body.data() + transfer->upload_offset, n);
  transfer->upload_offset += n;
  return n;
}

// Rewinds the upload when curl must send the body again (a redirect, an
// auth round trip, a reused connection that turned out closed).
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<size_t>(offset) > transfer->request->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  transfer->upload_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

std::string ResourceName(std::string_view bucket, std::string_view key) {
  return ObjectUrl{std::string(bucket), std::string(key)}.ToString();
}

// "bytes 0-99/1234" -> 1234.
std::optional<uint64_t> TotalFromContentRange(const std::string& value) {
  const size_t slash = value.rfind('/');
  if (slash == std::string::npos || slash + 1 >= value.size() || value[slash + 1] == '*') {
    return std::nullopt;
  }
  return std::strtoull(value.c_str() + slash + 1, nullptr, 10);
}

ObjectInfo InfoFromHeaders(const Response& r) {
  ObjectInfo info;
  info.etag = r.Header("etag");
  const std::string range = r.Header("content-range");
  std::optional<uint64_t> total = range.empty() ? std::nullopt : TotalFromContentRange(range);
  info.size =
      total.has_value() ? *total : std::strtoull(r.Header("content-length").c_str(), nullptr, 10);
  const std::string modified = r.Header("last-modified");
  if (!modified.empty()) {
    const time_t t = curl_getdate(modified.c_str(), nullptr);
    if (t >= 0) info.last_modified = static_cast<int64_t>(t);
  }
  return info;
}

// Replaces every occurrence of `secret` in `text` (defence in depth: no
// server or curl message is expected to hold it).
void Redact(std::string* text, const std::string& secret) {
  if (secret.empty()) return;
  for (size_t at = text->find(secret); at != std::string::npos; at = text->find(secret, at)) {
    text->replace(at, secret.size(), "[redacted]");
  }
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

// The request machinery: a pool of curl handles, one attempt, the retry
// loop, error classification. Thread-safe (see S3Client).
class S3Client::Impl {
 public:
  explicit Impl(const ClientOptions& options) : options_(options) {
    std::random_device device;
    seed_base_ = (static_cast<uint64_t>(device()) << 32) ^ device();
    endpoint_display_ = options.connection.endpoint.empty()
                            ? "https://s3." + options.connection.region + ".amazonaws.com"
                            : options.connection.endpoint;
  }
  ~Impl() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  // Sends `request` until it succeeds, fails for good or the retry budget is spent.
  S3Result<Response> Execute(const Request& request);

  // One attempt, on a pooled handle.
  Response Attempt(const Request& request);

  // The failure of `response` as an S3Error for `resource`.
  S3Error Failure(const Response& response, const std::string& resource, int attempts) const;
  // True when `response` is worth another attempt.
  static bool Retryable(const Response& response);
  // Waits before a retry; false when the budget is spent.
  bool Backoff(RetryState* state) {
    std::chrono::milliseconds delay{0};
    if (!state->NextDelay(&delay)) return false;
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(delay);
    return true;
  }
  RetryState NewRetryState() {
    return RetryState(options_.retry, seed_base_ + seed_counter_.fetch_add(1));
  }

  const ClientOptions& options() const { return options_; }
  const std::string& endpoint_display() const { return endpoint_display_; }
  S3Counters counters() const {
    return {requests_.load(), retries_.load(), bytes_sent_.load(), bytes_received_.load()};
  }

 private:
  CURL* AcquireHandle() ABSL_LOCKS_EXCLUDED(mu_);
  void ReleaseHandle(CURL* handle) ABSL_LOCKS_EXCLUDED(mu_);
  void Configure(CURL* handle, const Request& request, Transfer* transfer, curl_slist** headers,
                 char* error_buffer) const;
  FailureContext Context(const std::string& resource) const;

  const ClientOptions options_;
  std::string endpoint_display_;
  uint64_t seed_base_ = 0;
  std::atomic<uint64_t> seed_counter_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> bytes_received_{0};
  Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

CURL* S3Client::Impl::AcquireHandle() {
  {
    MutexLock lock(&mu_);
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void S3Client::Impl::ReleaseHandle(CURL* handle) {
  {
    MutexLock lock(&mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

void S3Client::Impl::Configure(CURL* h, const Request& request, Transfer* transfer,
                               curl_slist** headers, char* error_buffer) const {
  const ConnectionSettings& c = options_.connection;
  const std::string url = RequestUrl(c, request.bucket, request.key, request.query);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, SigV4Provider(c.region).c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, c.credentials.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, c.credentials.secret_access_key.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  const long stall_seconds =
      std::max<long>(1, static_cast<long>((options_.stall_timeout.count() + 999) / 1000));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, transfer);

  const std::string method = request.method;
  const std::string payload_hash =
      request.body.empty() ? std::string(kEmptySha256) : Sha256Hex(request.body);
  *headers = curl_slist_append(*headers, ("x-amz-content-sha256: " + payload_hash).c_str());
  if (!c.credentials.session_token.empty()) {
    *headers = curl_slist_append(*headers,
                                 ("x-amz-security-token: " + c.credentials.session_token).c_str());
  }
  for (const std::string& header : request.headers) {
    *headers = curl_slist_append(*headers, header.c_str());
  }
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, transfer);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, transfer);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    *headers = curl_slist_append(*headers, "Expect:");
  } else if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    *headers = curl_slist_append(*headers, "Expect:");
    const bool has_type = std::any_of(
        request.headers.begin(), request.headers.end(),
        [](const std::string& hd) { return Lower(hd.substr(0, 13)) == "content-type:"; });
    // Without this curl sends application/x-www-form-urlencoded, which S3
    // would store as the object's type (CreateMultipartUpload).
    if (!has_type) *headers = curl_slist_append(*headers, "Content-Type:");
  } else if (method == "DELETE") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
}

Response S3Client::Impl::Attempt(const Request& request) {
  Response response;
  Transfer transfer{&request, &response};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  CURL* handle = AcquireHandle();
  if (handle == nullptr) {
    response.curl_code = CURLE_FAILED_INIT;
    response.curl_message = "cannot create a curl handle";
    return response;
  }
  curl_easy_reset(handle);
  Configure(handle, request, &transfer, &headers, error_buffer);
  requests_.fetch_add(1, std::memory_order_relaxed);
  const CURLcode code = curl_easy_perform(handle);
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t uploaded = 0;
  curl_easy_getinfo(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  curl_off_t downloaded = 0;
  curl_easy_getinfo(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
  long os_errno = 0;
  curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
  // Clear the pointers into this frame before the handle goes back to the pool.
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  ReleaseHandle(handle);
  curl_slist_free_all(headers);
  bytes_sent_.fetch_add(static_cast<uint64_t>(uploaded), std::memory_order_relaxed);
  bytes_received_.fetch_add(static_cast<uint64_t>(downloaded), std::memory_order_relaxed);
  if (status != 0) response.status = static_cast<int>(status);
  response.curl_code = code;
  if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
    response.curl_message = std::strerror(static_cast<int>(os_errno));  // "Connection refused"
  } else if (code != CURLE_OK) {
    response.curl_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    while (!response.curl_message.empty() && response.curl_message.back() == '\n') {
      response.curl_message.pop_back();
    }
  }
  return response;
}

bool S3Client::Impl::Retryable(const Response& response) {
  AttemptOutcome outcome;
  outcome.http_status = response.curl_code != 0 ? 0 : response.status;
  outcome.curl_code = response.curl_code;
  if (!response.ok() && response.curl_code == 0) {
    std::optional<ErrorBody> body = ParseErrorBody(response.body);
    if (body.has_value()) outcome.code = body->code;
  }
  return IsRetryable(outcome);
}

FailureContext S3Client::Impl::Context(const std::string& resource) const {
  const ConnectionSettings& c = options_.connection;
  return {resource, endpoint_display_, c.region, c.region_source, c.credentials.source};
}

S3Error S3Client::Impl::Failure(const Response& response, const std::string& resource,
                                int attempts) const {
  FailedAttempt attempt;
  // A transfer that failed after its status line (a body cut short, a
  // stall) is a transport failure, whatever the status said.
  attempt.http_status = response.curl_code != 0 ? 0 : response.status;
  attempt.curl_code = response.curl_code;
  attempt.curl_message = response.curl_message;
  attempt.attempts = attempts;
  attempt.bucket_region = response.Header("x-amz-bucket-region");
  if (std::optional<ErrorBody> body = ParseErrorBody(response.body)) {
    attempt.code = body->code;
    attempt.server_message = body->message;
    if (!body->region.empty()) attempt.bucket_region = body->region;
  }
  for (std::string* text : {&attempt.curl_message, &attempt.server_message}) {
    Redact(text, options_.connection.credentials.secret_access_key);
    Redact(text, options_.connection.credentials.session_token);
  }
  return ClassifyFailure(attempt, Context(resource));
}

S3Result<Response> S3Client::Impl::Execute(const Request& request) {
  RetryState retry = NewRetryState();
  const size_t sink_start = request.sink != nullptr ? request.sink->size() : 0;
  for (;;) {
    Response response = Attempt(request);
    if (response.ok()) return response;
    if (!Retryable(response) || !Backoff(&retry)) {
      return Failure(response, ResourceName(request.bucket, request.key), retry.attempts());
    }
    if (request.sink != nullptr) request.sink->resize(sink_start);
  }
}

// ---- S3Client -----------------------------------------------------------------

StatusOr<std::unique_ptr<S3Client>> S3Client::Create(const ClientOptions& options) {
  if (options.connection.credentials.access_key_id.empty() ||
      options.connection.credentials.secret_access_key.empty()) {
    return UsageError("no AWS credentials for S3");
  }
  if (options.connection.region.empty()) return UsageError("no AWS region for S3");
  if (!options.connection.endpoint.empty()) {
    WV_RETURN_IF_ERROR(NormalizeEndpoint(options.connection.endpoint).status());
  }
  InitCurlOnce();
  ClientOptions resolved = options;
  if (resolved.connection.addressing == Addressing::kAuto) {
    resolved.connection.addressing =
        resolved.connection.endpoint.empty() ? Addressing::kVirtualHosted : Addressing::kPathStyle;
  }
  return std::unique_ptr<S3Client>(new S3Client(std::make_unique<Impl>(resolved)));
}

S3Client::S3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Client::~S3Client() = default;

S3Counters S3Client::counters() const { return impl_->counters(); }
const std::string& S3Client::endpoint() const { return impl_->endpoint_display(); }
const std::string& S3Client::region() const { return impl_->options().connection.region; }

S3Result<ObjectInfo> S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  Request request;
  request.method = "HEAD";
  request.bucket = bucket;
  request.key = key;
  S3Result<Response> response = impl_->Execute(request);
  if (response.ok()) return InfoFromHeaders(response.value());
  const S3Error& error = response.error();
  if (!error.code.empty() || error.http_status < 300) return error;
  // HEAD responses have no body, so no S3 code: a 1-byte GET of the same
  // key (the same permission) says which 404 or 403 this is.
  Request probe;
  probe.bucket = bucket;
  probe.key = key;
  probe.headers.push_back("Range: bytes=0-0");
  std::string ignored;
  probe.sink = &ignored;
  Response answer = impl_->Attempt(probe);
  if (answer.ok() || answer.curl_code != 0) return error;
  S3Error explained = impl_->Failure(answer, ResourceName(bucket, key), error.attempts);
  if (explained.code.empty() || explained.type == S3ErrorType::kInvalidRange) return error;
  return explained;
}

S3Result<ObjectInfo> S3Client::GetObject(const std::string& bucket, const std::string& key,
                                         uint64_t offset, std::optional<uint64_t> length,
                                         const std::string& if_match, std::string* body) {
  body->clear();
  if (length.has_value() && *length == 0) return HeadObject(bucket, key);
  if (length.has_value()) body->reserve(*length);
  const std::string resource = ResourceName(bucket, key);
  std::string etag = if_match;
  std::optional<ObjectInfo> info;
  RetryState retry = impl_->NewRetryState();
  for (;;) {
    const uint64_t start = offset + body->size();
    Request request;
    request.bucket = bucket;
    request.key = key;
    request.sink = body;
    if (start > 0 || length.has_value()) {
      std::string range = "Range: bytes=" + std::to_string(start) + "-";
      if (length.has_value()) range += std::to_string(offset + *length - 1);
      request.headers.push_back(std::move(range));
    }
    if (!etag.empty()) request.headers.push_back("If-Match: " + etag);
    Response response = impl_->Attempt(request);
    const bool got_body = response.status >= 200 && response.status < 300;
    if (got_body) {
      if (start > 0 && response.status != 206) {
        S3Error error = impl_->Failure(response, resource, retry.attempts());
        error.type = S3ErrorType::kBadResponse;
        error.message = resource + ": the server ignored the Range header (status 200)";
        return error;
      }
      if (!info.has_value()) {
        info = InfoFromHeaders(response);
        if (etag.empty()) etag = info->etag;
      }
      if (response.curl_code == 0) return *info;
    }
    // A body cut short keeps what arrived: the next attempt asks for the rest.
    if (!Impl::Retryable(response) || !impl_->Backoff(&retry)) {
      return impl_->Failure(response, resource, retry.attempts());
    }
  }
}

S3Result<std::string> S3Client::PutObject(const std::string& bucket, const std::string& key,
                                          std::string_view body, const PutOptions& options) {
  Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.body = body;
  if (options.conditions.if_none_match) request.headers.push_back("If-None-Match: *");
  if (!options.conditions.if_match.empty()) {
    request.headers.push_back("If-Match: " + options.conditions.if_match);
  }
  if (!options.content_type.empty()) {
    request.headers.push_back("Content-Type: " + options.content_type);
  }
  WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
  return response.Header("etag");
}

S3Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  S3Result<Response> response = impl_->Execute(request);
  if (!response.ok() && !response.Is(S3ErrorType::kNoSuchKey)) return response.error();
  return S3Status();
}

S3Status S3Client::DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys) {
  for (size_t begin = 0; begin < keys.size(); begin += kDeleteBatch) {
    const size_t end = std::min(keys.size(), begin + kDeleteBatch);
    const std::string xml = DeleteObjectsXml(keys, begin, end);
    Request request;
    request.method = "POST";
    request.bucket = bucket;
    request.query = {{"delete", ""}};
    request.body = xml;
    request.headers = {"Content-Type: application/xml", "Content-MD5: " + Md5Base64(xml)};
    WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
    StatusOr<std::vector<DeleteFailure>> failures = ParseDeleteResult(response.body);
    if (!failures.ok()) {
      return S3Error{S3ErrorType::kBadResponse, response.status, "",
                     ResourceName(bucket, "") + ": " + failures.status().message()};
    }
    std::vector<DeleteFailure> refused;
    for (DeleteFailure& f : *failures) {
      if (f.code != "NoSuchKey") refused.push_back(std::move(f));
    }
    if (!refused.empty()) {
      return S3Error{S3ErrorType::kOther, response.status, refused[0].code,
                     ResourceName(bucket, refused[0].key) + ": not deleted (" + refused[0].code +
                         ": " + refused[0].message + "), and " +
                         std::to_string(refused.size() - 1) + " other keys"};
    }
  }
  return S3Status();
}

S3Result<std::vector<ObjectSummary>> S3Client::ListObjectsV2(const std::string& bucket,
                                                             const std::string& prefix,
                                                             int page_size) {
  std::vector<ObjectSummary> out;
  std::string token;
  for (;;) {
    Request request;
    request.bucket = bucket;
    request.query = {{"list-type", "2"},
                     {"max-keys", std::to_string(std::clamp(page_size, 1, 1000))}};
    if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
    StatusOr<ListObjectsPage> page = ParseListObjectsV2(response.body);
    if (!page.ok()) {
      return S3Error{S3ErrorType::kBadResponse, response.status, "",
                     ResourceName(bucket, prefix) + ": " + page.status().message()};
    }
    for (ObjectSummary& object : page->objects) out.push_back(std::move(object));
    if (!page->truncated) return out;
    token = page->next_continuation_token;
  }
}

S3Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket,
                                                      const std::string& key,
                                                      const PutOptions& options) {
  Request request;
  request.method = "POST";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploads", ""}};
  if (!options.content_type.empty()) {
    request.headers.push_back("Content-Type: " + options.content_type);
  }
  WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
  StatusOr<std::string> id = ParseInitiateMultipartUpload(response.body);
  if (!id.ok()) {
    return S3Error{S3ErrorType::kBadResponse, response.status, "",
                   ResourceName(bucket, key) + ": " + id.status().message()};
  }
  return *id;
}

S3Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id, int part_number,
                                           std::string_view body) {
  Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  request.body = body;
  WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
  std::string etag = response.Header("etag");
  if (etag.empty()) {
    return S3Error{S3ErrorType::kBadResponse, response.status, "",
                   ResourceName(bucket, key) + ": part " + std::to_string(part_number) +
                       " uploaded without an ETag in the response"};
  }
  return etag;
}

S3Result<std::string> S3Client::CompleteMultipartUpload(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& upload_id,
                                                        const std::vector<CompletedPart>& parts,
                                                        const WriteConditions& conditions) {
  const std::string xml = CompleteMultipartUploadXml(parts);
  const std::string resource = ResourceName(bucket, key);
  RetryState retry = impl_->NewRetryState();
  for (;;) {
    Request request;
    request.method = "POST";
    request.bucket = bucket;
    request.key = key;
    request.query = {{"uploadId", upload_id}};
    request.body = xml;
    request.headers.push_back("Content-Type: application/xml");
    if (conditions.if_none_match) request.headers.push_back("If-None-Match: *");
    if (!conditions.if_match.empty()) request.headers.push_back("If-Match: " + conditions.if_match);
    WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
    StatusOr<CompleteResult> result = ParseCompleteMultipartUpload(response.body);
    if (!result.ok()) {
      return S3Error{S3ErrorType::kBadResponse, response.status, "",
                     resource + ": " + result.status().message()};
    }
    if (!result->error.has_value()) return result->etag;
    // S3 can fail a completion after its 200 status line: the error is in the body.
    // Give it the status its code would have had, so that it is classified
    // (and retried or not) like any other answer.
    Response failed = response;
    AttemptOutcome outcome;
    outcome.http_status = 200;
    outcome.code = result->error->code;
    failed.status = outcome.code == "PreconditionFailed" ? 412 : IsRetryable(outcome) ? 503 : 400;
    if (!Impl::Retryable(failed) || !impl_->Backoff(&retry)) {
      return impl_->Failure(failed, resource, retry.attempts());
    }
  }
}

S3Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  S3Result<Response> response = impl_->Execute(request);
  if (!response.ok()) return response.error();
  return S3Status();
}

S3Result<std::vector<UploadSummary>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                                    const std::string& prefix) {
  std::vector<UploadSummary> out;
  std::string key_marker, upload_id_marker;
  for (;;) {
    Request request;
    request.bucket = bucket;
    request.query = {{"uploads", ""}};
    if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    WV_S3_ASSIGN_OR_RETURN(Response response, impl_->Execute(request));
    StatusOr<ListUploadsPage> page = ParseListMultipartUploads(response.body);
    if (!page.ok()) {
      return S3Error{S3ErrorType::kBadResponse, response.status, "",
                     ResourceName(bucket, prefix) + ": " + page.status().message()};
    }
    for (UploadSummary& upload : page->uploads) out.push_back(std::move(upload));
    if (!page->truncated) return out;
    key_marker = page->next_key_marker;
    upload_id_marker = page->next_upload_id_marker;
  }
}

S3Status S3Client::CreateBucket(const std::string& bucket) {
  std::string xml;
  if (impl_->options().connection.region != "us-east-1") {
    xml =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        impl_->options().connection.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.body = xml;
  S3Result<Response> response = impl_->Execute(request);
  if (!response.ok() && response.error().code != "BucketAlreadyOwnedByYou") {
    return response.error();
  }
  return S3Status();
}

S3Status S3Client::HeadBucket(const std::string& bucket) {
  Request request;
  request.method = "HEAD";
  request.bucket = bucket;
  S3Result<Response> response = impl_->Execute(request);
  if (response.ok()) return S3Status();
  S3Error error = response.error();
  if (error.http_status == 404) {
    error.type = S3ErrorType::kNoSuchBucket;
    error.message =
        ResourceName(bucket, "") + ": no such bucket (404) at " + impl_->endpoint_display();
  }
  return error;
}

}  // namespace wv::s3
