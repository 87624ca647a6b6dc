#ifndef WV_S3_RETRY_H_
#define WV_S3_RETRY_H_

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "s3/error.h"

// Which failed requests are worth sending again, how long to wait before
// each new attempt (exponential backoff with full jitter, as AWS's
// architecture blog recommends), and when to give up (a bounded budget of
// attempts and of total time). Pure functions and plain data; thread-safe
// except RetryState (one per request).
namespace wv::s3 {

// The budget and the backoff curve. Plain data.
struct RetryPolicy {
  int max_attempts = 10;                           // including the first
  std::chrono::milliseconds initial_backoff{50};   // cap of the first wait
  std::chrono::milliseconds max_backoff{5000};     // cap of any one wait
  std::chrono::milliseconds total_budget{120000};  // no new attempt after this
};

// How one attempt ended, before it is turned into an S3Error.
struct AttemptOutcome {
  int http_status = 0;          // 0: no response (transport error)
  std::string code;             // the S3 <Code> when a body came
  int curl_code = 0;            // CURLcode; 0 when the transfer itself succeeded
  bool body_cut_short = false;  // fewer body bytes than Content-Length said
};

// True for the failures a new attempt may cure: 500, 502, 503 (SlowDown
// included), 504, other 5xx, 429, 400 RequestTimeout, the S3 codes
// InternalError/SlowDown/ServiceUnavailable/RequestTimeout/Throttling*, and
// transport errors other than a refused connection, an unresolvable host or
// a TLS certificate problem (timeouts, resets, partial bodies, send/receive
// failures). Everything else (403, 404, 412, 416, 400 AuthorizationHeaderMalformed,
// RequestTimeTooSkewed, ...) is an answer that will not change.
bool IsRetryable(const AttemptOutcome& outcome);

// The backoff of one request: call NextDelay() after each failed attempt.
// Not thread-safe (one per request).
class RetryState {
 public:
  RetryState(const RetryPolicy& policy, uint64_t seed);

  // After a retryable failure of attempt `attempts()`: true and the time to
  // wait before the next attempt, or false when the budget is spent.
  bool NextDelay(std::chrono::milliseconds* delay);

  int attempts() const { return attempts_; }

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point start_;
  int attempts_ = 1;
};

}  // namespace wv::s3

#endif  // WV_S3_RETRY_H_
