#include <curl/curl.h>

#include "gtest/gtest.h"
#include "s3/retry.h"

namespace wv::s3 {
namespace {

AttemptOutcome Http(int status, std::string code = "") {
  AttemptOutcome o;
  o.http_status = status;
  o.code = std::move(code);
  return o;
}
AttemptOutcome Curl(CURLcode code) {
  AttemptOutcome o;
  o.curl_code = code;
  return o;
}

TEST(S3Retry, TransientFailuresAreRetried) {
  EXPECT_TRUE(IsRetryable(Http(500, "InternalError")));
  EXPECT_TRUE(IsRetryable(Http(502)));
  EXPECT_TRUE(IsRetryable(Http(503, "SlowDown")));
  EXPECT_TRUE(IsRetryable(Http(504)));
  EXPECT_TRUE(IsRetryable(Http(429)));
  EXPECT_TRUE(IsRetryable(Http(400, "RequestTimeout")));
  EXPECT_TRUE(IsRetryable(Curl(CURLE_OPERATION_TIMEDOUT)));
  EXPECT_TRUE(IsRetryable(Curl(CURLE_RECV_ERROR)));
  EXPECT_TRUE(IsRetryable(Curl(CURLE_SEND_ERROR)));
  EXPECT_TRUE(IsRetryable(Curl(CURLE_PARTIAL_FILE)));
  EXPECT_TRUE(IsRetryable(Curl(CURLE_GOT_NOTHING)));
  AttemptOutcome cut = Http(206);
  cut.body_cut_short = true;
  EXPECT_TRUE(IsRetryable(cut));
}

TEST(S3Retry, AnswersAreNotRetried) {
  EXPECT_FALSE(IsRetryable(Http(403, "AccessDenied")));
  EXPECT_FALSE(IsRetryable(Http(403, "SignatureDoesNotMatch")));
  EXPECT_FALSE(IsRetryable(Http(403, "RequestTimeTooSkewed")));
  EXPECT_FALSE(IsRetryable(Http(404, "NoSuchKey")));
  EXPECT_FALSE(IsRetryable(Http(404, "NoSuchBucket")));
  EXPECT_FALSE(IsRetryable(Http(400, "AuthorizationHeaderMalformed")));
  EXPECT_FALSE(IsRetryable(Http(412)));
  EXPECT_FALSE(IsRetryable(Http(416, "InvalidRange")));
  EXPECT_FALSE(IsRetryable(Http(301)));
  EXPECT_FALSE(IsRetryable(Curl(CURLE_COULDNT_CONNECT)));
  EXPECT_FALSE(IsRetryable(Curl(CURLE_COULDNT_RESOLVE_HOST)));
  EXPECT_FALSE(IsRetryable(Curl(CURLE_PEER_FAILED_VERIFICATION)));
}

TEST(S3Retry, BackoffIsBoundedByAttemptsAndJittered) {
  RetryPolicy policy;
  policy.max_attempts = 6;
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::milliseconds(250);
  policy.total_budget = std::chrono::hours(1);
  RetryState state(policy, 42);
  std::chrono::milliseconds delay{0};
  std::vector<int64_t> delays;
  while (state.NextDelay(&delay)) delays.push_back(delay.count());
  ASSERT_EQ(delays.size(), 5u);  // 6 attempts: 5 waits
  EXPECT_EQ(state.attempts(), 6);
  EXPECT_LE(delays[0], 100);
  EXPECT_LE(delays[1], 200);
  for (int64_t d : delays) {
    EXPECT_GE(d, 0);
    EXPECT_LE(d, 250);
  }
  // Full jitter: not the same curve for every request.
  std::set<int64_t> firsts;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    RetryState s(policy, seed);
    ASSERT_TRUE(s.NextDelay(&delay));
    firsts.insert(delay.count());
  }
  EXPECT_GT(firsts.size(), 5u);
}

TEST(S3Retry, TheTimeBudgetEndsRetries) {
  RetryPolicy policy;
  policy.max_attempts = 1000;
  policy.initial_backoff = std::chrono::milliseconds(1000);
  policy.max_backoff = std::chrono::milliseconds(1000);
  policy.total_budget = std::chrono::milliseconds(0);
  RetryState state(policy, 1);
  std::chrono::milliseconds delay{0};
  // Only a zero delay fits a zero budget.
  int allowed = 0;
  while (allowed < 1000 && state.NextDelay(&delay)) ++allowed;
  EXPECT_LT(allowed, 50);
}

}  // namespace
}  // namespace wv::s3
