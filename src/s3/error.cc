#include "s3/error.h"

#include <initializer_list>
#include <string_view>

#include "fmt/format.h"

namespace wv::s3 {

const char* S3ErrorTypeName(S3ErrorType type) {
  switch (type) {
    case S3ErrorType::kAccessDenied:
      return "access denied";
    case S3ErrorType::kNoSuchBucket:
      return "no such bucket";
    case S3ErrorType::kNoSuchKey:
      return "no such key";
    case S3ErrorType::kNoSuchUpload:
      return "no such upload";
    case S3ErrorType::kPreconditionFailed:
      return "precondition failed";
    case S3ErrorType::kInvalidRange:
      return "invalid range";
    case S3ErrorType::kWrongRegion:
      return "wrong region";
    case S3ErrorType::kClockSkew:
      return "clock skew";
    case S3ErrorType::kUnreachable:
      return "unreachable";
    case S3ErrorType::kTransient:
      return "transient";
    case S3ErrorType::kBadResponse:
      return "bad response";
    case S3ErrorType::kOther:
      return "other";
  }
  return "other";
}

}  // namespace wv::s3

namespace wv::s3 {
namespace {

bool IsOneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (code == c) return true;
  }
  return false;
}

// "403 AccessDenied", or "403" when the response had no body (HEAD).
std::string StatusAndCode(const FailedAttempt& a) {
  std::string out = std::to_string(a.http_status);
  if (!a.code.empty()) out += " " + a.code;
  return out;
}

// "AWS_REGION=us-west-2", or "us-east-1 from the default region".
std::string RegionWithSource(const FailureContext& c) {
  if (c.region_source.find(' ') == std::string::npos && !c.region_source.empty()) {
    return c.region_source + "=" + c.region;
  }
  return c.region + ", " + c.region_source;
}

S3ErrorType TypeOf(const FailedAttempt& a) {
  if (a.http_status == 0) {
    switch (a.curl_code) {
      case 6:   // CURLE_COULDNT_RESOLVE_HOST
      case 7:   // CURLE_COULDNT_CONNECT
      case 35:  // CURLE_SSL_CONNECT_ERROR
      case 60:  // CURLE_PEER_FAILED_VERIFICATION
        return S3ErrorType::kUnreachable;
      default:
        return S3ErrorType::kTransient;
    }
  }
  if (a.body_cut_short || a.curl_code != 0) return S3ErrorType::kTransient;
  const std::string& code = a.code;
  if (code == "RequestTimeTooSkewed") return S3ErrorType::kClockSkew;
  if (IsOneOf(code, {"AuthorizationHeaderMalformed", "PermanentRedirect",
                     "IllegalLocationConstraintException", "AuthorizationQueryParametersError"}) ||
      a.http_status == 301) {
    return S3ErrorType::kWrongRegion;
  }
  if (IsOneOf(code, {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId",
                     "XAdminUserNotFound", "InvalidToken", "ExpiredToken", "AllAccessDisabled",
                     "AccountProblem", "InvalidSecurity"}) ||
      (a.http_status == 403 && code.empty())) {
    return S3ErrorType::kAccessDenied;
  }
  if (code == "NoSuchBucket") return S3ErrorType::kNoSuchBucket;
  if (code == "NoSuchUpload") return S3ErrorType::kNoSuchUpload;
  if (code == "NoSuchKey" || (a.http_status == 404 && code.empty())) {
    return S3ErrorType::kNoSuchKey;
  }
  if (a.http_status == 412 || code == "PreconditionFailed") {
    return S3ErrorType::kPreconditionFailed;
  }
  if (a.http_status == 416 || code == "InvalidRange") return S3ErrorType::kInvalidRange;
  if (a.http_status >= 500 || a.http_status == 429 ||
      IsOneOf(code, {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout",
                     "Throttling", "ThrottlingException", "RequestThrottled"})) {
    return S3ErrorType::kTransient;
  }
  if (a.http_status >= 200 && a.http_status < 300) return S3ErrorType::kBadResponse;
  return S3ErrorType::kOther;
}

std::string AccessDeniedLine(const FailedAttempt& a, const FailureContext& c) {
  const char* what = "access denied";
  const char* also = " and the bucket's permissions";
  if (a.code == "SignatureDoesNotMatch") {
    what = "the secret access key does not match";
    also = "";
  } else if (IsOneOf(a.code, {"InvalidAccessKeyId", "XAdminUserNotFound"})) {
    what = "unknown access key id";
    also = "";
  } else if (IsOneOf(a.code, {"InvalidToken", "ExpiredToken"})) {
    what = "the session token is invalid or expired";
    also = "";
  }
  return fmt::format("{} ({}): check {}{}", what, StatusAndCode(a), c.credentials_source, also);
}

std::string TransientLine(const FailedAttempt& a) {
  std::string what;
  if (a.http_status == 0 || a.curl_code != 0) {
    what = a.curl_message.empty() ? "transfer failed" : a.curl_message;
  } else if (a.body_cut_short) {
    what = "the response body was cut short";
  } else {
    what = StatusAndCode(a);
    if (!a.server_message.empty()) what += ": " + a.server_message;
  }
  return what + " (after " + std::to_string(a.attempts) +
         (a.attempts == 1 ? " attempt)" : " attempts)");
}

std::string LineFor(S3ErrorType type, const FailedAttempt& a, const FailureContext& c) {
  switch (type) {
    case S3ErrorType::kAccessDenied:
      return AccessDeniedLine(a, c);
    case S3ErrorType::kNoSuchBucket:
      return "no such bucket (" + StatusAndCode(a) + ") at " + c.endpoint;
    case S3ErrorType::kNoSuchKey:
      return "no such object (" + StatusAndCode(a) + ")";
    case S3ErrorType::kNoSuchUpload:
      return "the multipart upload no longer exists (" + StatusAndCode(a) + ")";
    case S3ErrorType::kPreconditionFailed:
      return "the object is not in the expected state (" +
             (a.code.empty() ? std::to_string(a.http_status) + " PreconditionFailed"
                             : StatusAndCode(a)) +
             ")";
    case S3ErrorType::kInvalidRange:
      return "the range is not satisfiable (" + StatusAndCode(a) + ")";
    case S3ErrorType::kWrongRegion:
      if (!a.bucket_region.empty()) {
        return "wrong region: the bucket is in " + a.bucket_region + " (" + RegionWithSource(c) +
               "); set AWS_REGION or --s3-region";
      }
      return "wrong region (" + StatusAndCode(a) + ", " + RegionWithSource(c) +
             "); set AWS_REGION or --s3-region";
    case S3ErrorType::kClockSkew:
      return "clock skew: this machine's clock differs too much from the server's (" +
             StatusAndCode(a) + "); correct the system time";
    case S3ErrorType::kUnreachable:
      return "endpoint " + c.endpoint + " unreachable: " + a.curl_message;
    case S3ErrorType::kTransient:
      return TransientLine(a);
    case S3ErrorType::kBadResponse:
      return "unexpected response (" + StatusAndCode(a) + "): " + a.server_message;
    case S3ErrorType::kOther:
      break;
  }
  std::string line = "request refused (" + StatusAndCode(a) + ")";
  if (!a.server_message.empty()) line += ": " + a.server_message;
  return line;
}

}  // namespace

S3Error ClassifyFailure(const FailedAttempt& attempt, const FailureContext& context) {
  S3Error out;
  out.type = TypeOf(attempt);
  out.http_status = attempt.http_status;
  out.code = attempt.code;
  out.attempts = attempt.attempts;
  out.message = context.resource + ": " + LineFor(out.type, attempt, context);
  return out;
}

}  // namespace wv::s3
