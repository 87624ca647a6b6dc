#include "s3/retry.h"

#include <curl/curl.h>

#include <algorithm>

namespace wv::s3 {
namespace {

bool IsRetryableCode(std::string_view code) {
  return code == "InternalError" || code == "SlowDown" || code == "ServiceUnavailable" ||
         code == "RequestTimeout" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestThrottled" || code == "TooManyRequests";
}

// Transport failures that a new connection may cure. A refused connection
// or an unknown host is an answer (the endpoint is wrong or down): waiting
// minutes for it would only delay the one clear line the user needs.
bool IsRetryableCurlCode(int code) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
      return false;
    default:
      return true;  // timeouts, resets, partial bodies, send/receive errors, empty replies
  }
}

}  // namespace

bool IsRetryable(const AttemptOutcome& outcome) {
  if (outcome.body_cut_short) return true;
  if (outcome.curl_code != 0) return IsRetryableCurlCode(outcome.curl_code);
  if (outcome.http_status >= 500) return true;
  if (outcome.http_status == 429) return true;
  return IsRetryableCode(outcome.code);
}

RetryState::RetryState(const RetryPolicy& policy, uint64_t seed)
    : policy_(policy), rng_(seed), start_(std::chrono::steady_clock::now()) {}

bool RetryState::NextDelay(std::chrono::milliseconds* delay) {
  if (attempts_ >= policy_.max_attempts) return false;
  // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
  const int exponent = std::min(attempts_ - 1, 30);
  const int64_t ceiling =
      std::min<int64_t>(policy_.max_backoff.count(), policy_.initial_backoff.count() << exponent);
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(ceiling, 0));
  *delay = std::chrono::milliseconds(pick(rng_));
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  if (elapsed + *delay > policy_.total_budget) return false;
  ++attempts_;
  return true;
}

}  // namespace wv::s3
