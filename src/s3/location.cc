#include "s3/location.h"

#include <cctype>

#include "core/terminal_text.h"
#include "core/utf8.h"
#include "fmt/format.h"

namespace wv::s3 {
namespace {

constexpr std::string_view kScheme = "s3://";

bool IsBucketChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// "192.168.5.4": four dot-separated runs of digits (S3 refuses such names).
bool LooksLikeIpv4(std::string_view name) {
  int dots = 0;
  bool digits_in_run = false;
  for (char c : name) {
    if (c == '.') {
      if (!digits_in_run) return false;
      ++dots;
      digits_in_run = false;
    } else if (c >= '0' && c <= '9') {
      digits_in_run = true;
    } else {
      return false;
    }
  }
  return dots == 3 && digits_in_run;
}

Status BucketError(std::string_view bucket, std::string_view rule) {
  return UsageError(fmt::format("bucket name '{}' {}", bucket, rule));
}

}  // namespace

bool IsS3Url(std::string_view text) { return text.substr(0, kScheme.size()) == kScheme; }

std::string ObjectUrl::ToString() const {
  std::string out(kScheme);
  out += bucket;
  if (!key.empty()) {
    out += '/';
    out += key;
  }
  return out;
}

Status ValidateBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return BucketError(bucket, "must have 3 to 63 characters");
  }
  for (char c : bucket) {
    if (!IsBucketChar(c)) {
      return BucketError(bucket, "may hold only lower-case letters, digits, '.' and '-'");
    }
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    return BucketError(bucket, "must start and end with a letter or digit");
  }
  if (bucket.find("..") != std::string_view::npos) {
    return BucketError(bucket, "must not contain '..'");
  }
  if (LooksLikeIpv4(bucket)) return BucketError(bucket, "must not be an IP address");
  return OkStatus();
}

Status ValidateKey(std::string_view key) {
  if (key.size() > 1024) return UsageError("object keys have at most 1024 bytes");
  if (!IsValidUtf8(key)) return UsageError("object key is not valid UTF-8");
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return UsageError("object key contains a control character");
  }
  return OkStatus();
}

StatusOr<ObjectUrl> ParseS3Url(std::string_view url) {
  if (!IsS3Url(url)) return UsageError(fmt::format("'{}' is not an s3:// URL", url));
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  ObjectUrl out;
  out.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.key = std::string(rest.substr(slash + 1));
  Status status = ValidateBucketName(out.bucket);
  if (status.ok()) status = ValidateKey(out.key);
  if (!status.ok()) return Annotate(status, EscapeForTerminal(url));
  return out;
}

StatusOr<KeyPattern> ParseKeyPattern(std::string_view url) {
  WV_ASSIGN_OR_RETURN(ObjectUrl parsed, ParseS3Url(url));
  KeyPattern out;
  out.bucket = parsed.bucket;
  out.pattern = parsed.key;
  const std::string& key = parsed.key;
  const size_t wildcard = key.find_first_of("*?");
  const size_t last_slash = key.rfind('/');
  if (wildcard != std::string::npos) {
    if (last_slash != std::string::npos && wildcard < last_slash) {
      return UsageError(std::string(url) +
                        ": wildcards ('*', '?') are allowed only after the last '/'");
    }
    out.has_wildcard = true;
    out.list_prefix = key.substr(0, wildcard);
    return out;
  }
  if (key.empty() || key.back() == '/') {
    out.is_prefix = true;  // the bucket itself, or a folder-like prefix
  }
  out.list_prefix = key;
  return out;
}

bool KeyPattern::Matches(std::string_view key) const {
  if (key.substr(0, list_prefix.size()) != list_prefix) return false;
  if (is_prefix) return key.size() > list_prefix.size() && key.back() != '/';
  if (has_wildcard) return MatchKeyGlob(pattern, key);
  return key == pattern;
}

bool MatchKeyGlob(std::string_view pattern, std::string_view key) {
  // Iterative matching with backtracking to the last '*' (linear in
  // practice): a '*' may grow only over characters other than '/'.
  size_t p = 0, k = 0;
  size_t star_p = std::string_view::npos, star_k = 0;
  while (k < key.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_k = k;
    } else if (p < pattern.size() && key[k] != '/' && (pattern[p] == '?' || pattern[p] == key[k])) {
      ++p;
      ++k;
    } else if (p < pattern.size() && pattern[p] == key[k] && key[k] == '/') {
      ++p;
      ++k;
    } else if (star_p != std::string_view::npos && key[star_k] != '/') {
      p = star_p + 1;
      k = ++star_k;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace wv::s3
