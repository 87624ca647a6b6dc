#include "gtest/gtest.h"
#include "s3/error.h"

namespace wv::s3 {
namespace {

FailureContext Context() {
  FailureContext c;
  c.resource = "s3://b/k";
  c.endpoint = "http://127.0.0.1:9";
  c.region = "us-east-1";
  c.region_source = "AWS_REGION";
  c.credentials_source = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
  return c;
}

FailedAttempt Http(int status, std::string code, std::string message = "") {
  FailedAttempt a;
  a.http_status = status;
  a.code = std::move(code);
  a.server_message = std::move(message);
  return a;
}

TEST(S3Error, OneClearLinePerFailure) {
  const FailureContext c = Context();
  EXPECT_EQ(ClassifyFailure(Http(403, "AccessDenied"), c).message,
            "s3://b/k: access denied (403 AccessDenied): check "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the bucket's permissions");
  EXPECT_EQ(ClassifyFailure(Http(403, "SignatureDoesNotMatch"), c).message,
            "s3://b/k: the secret access key does not match (403 SignatureDoesNotMatch): check "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(ClassifyFailure(Http(403, ""), c).type, S3ErrorType::kAccessDenied);
  EXPECT_EQ(ClassifyFailure(Http(404, "NoSuchBucket"), c).message,
            "s3://b/k: no such bucket (404 NoSuchBucket) at http://127.0.0.1:9");
  EXPECT_EQ(ClassifyFailure(Http(404, "NoSuchKey"), c).type, S3ErrorType::kNoSuchKey);
  EXPECT_EQ(ClassifyFailure(Http(404, ""), c).type, S3ErrorType::kNoSuchKey);
  EXPECT_EQ(ClassifyFailure(Http(412, ""), c).message,
            "s3://b/k: the object is not in the expected state (412 PreconditionFailed)");
  EXPECT_EQ(ClassifyFailure(Http(412, ""), c).type, S3ErrorType::kPreconditionFailed);

  FailedAttempt region = Http(400, "AuthorizationHeaderMalformed");
  region.bucket_region = "eu-west-1";
  const S3Error wrong = ClassifyFailure(region, c);
  EXPECT_EQ(wrong.type, S3ErrorType::kWrongRegion);
  EXPECT_EQ(wrong.message,
            "s3://b/k: wrong region: the bucket is in eu-west-1 (AWS_REGION=us-east-1); set "
            "AWS_REGION or --s3-region");
  FailedAttempt redirect = Http(301, "");
  redirect.bucket_region = "ap-east-1";
  EXPECT_EQ(ClassifyFailure(redirect, c).type, S3ErrorType::kWrongRegion);

  const S3Error skew = ClassifyFailure(Http(403, "RequestTimeTooSkewed"), c);
  EXPECT_EQ(skew.type, S3ErrorType::kClockSkew);
  EXPECT_EQ(skew.message.rfind("s3://b/k: clock skew: ", 0), 0u) << skew.message;

  FailedAttempt refused;
  refused.curl_code = 7;  // CURLE_COULDNT_CONNECT
  refused.curl_message = "Connection refused";
  EXPECT_EQ(ClassifyFailure(refused, c).message,
            "s3://b/k: endpoint http://127.0.0.1:9 unreachable: Connection refused");
  EXPECT_EQ(ClassifyFailure(refused, c).type, S3ErrorType::kUnreachable);

  FailedAttempt slow = Http(503, "SlowDown", "Please reduce your request rate.");
  slow.attempts = 10;
  EXPECT_EQ(ClassifyFailure(slow, c).message,
            "s3://b/k: 503 SlowDown: Please reduce your request rate. (after 10 attempts)");
  EXPECT_EQ(ClassifyFailure(slow, c).type, S3ErrorType::kTransient);

  FailedAttempt timeout;
  timeout.curl_code = 28;  // CURLE_OPERATION_TIMEDOUT
  timeout.curl_message = "Operation too slow";
  EXPECT_EQ(ClassifyFailure(timeout, c).type, S3ErrorType::kTransient);

  EXPECT_EQ(ClassifyFailure(Http(400, "InvalidArgument", "bad part"), c).message,
            "s3://b/k: request refused (400 InvalidArgument): bad part");
}

TEST(S3Error, StatusKindIsTheCallersChoice) {
  const S3Error e = ClassifyFailure(Http(404, "NoSuchKey"), Context());
  EXPECT_EQ(e.ToStatus(ErrorKind::kInput).kind(), ErrorKind::kInput);
  EXPECT_EQ(ExitCodeFor(e.ToStatus(ErrorKind::kInput)), kExitInput);
  EXPECT_EQ(ExitCodeFor(e.ToStatus(ErrorKind::kOutput)), kExitOutput);
  S3Result<int> failed(e);
  EXPECT_TRUE(failed.Is(S3ErrorType::kNoSuchKey));
  StatusOr<int> as_status = std::move(failed).Or(ErrorKind::kOutput);
  ASSERT_FALSE(as_status.ok());
  EXPECT_EQ(as_status.status().kind(), ErrorKind::kOutput);
  S3Result<int> fine(7);
  EXPECT_EQ(std::move(fine).Or(ErrorKind::kInput).value(), 7);
  EXPECT_TRUE(S3Status().Or(ErrorKind::kInput).ok());
}

TEST(S3Error, NoMessageContainsTheSecret) {
  // Every type's line, with the secret as nothing but credentials would hold it:
  // the messages are built from the context's names, never from keys.
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  FailureContext c = Context();
  for (int status : {0, 200, 301, 400, 403, 404, 409, 412, 416, 429, 500, 503}) {
    for (const char* code :
         {"", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "NoSuchKey",
          "NoSuchBucket", "NoSuchUpload", "SlowDown", "AuthorizationHeaderMalformed",
          "RequestTimeTooSkewed", "ExpiredToken", "Other"}) {
      FailedAttempt a = Http(status, code, "server says hello");
      a.curl_code = status == 0 ? 7 : 0;
      a.curl_message = status == 0 ? "Connection refused" : "";
      const S3Error e = ClassifyFailure(a, c);
      EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
      EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
      EXPECT_EQ(e.message.rfind("s3://b/k: ", 0), 0u) << e.message;
    }
  }
}

}  // namespace
}  // namespace wv::s3
