#ifndef WV_S3_LOCATION_H_
#define WV_S3_LOCATION_H_

#include <string>
#include <string_view>

#include "core/status.h"

// s3://bucket/key text: recognising it, parsing and validating it, and the
// key patterns `run --traces s3://b/prefix/*.csv.gz` takes. Pure functions;
// thread-safe.
namespace wv::s3 {

// True when `text` starts with "s3://": whatever follows, the argument is
// meant for S3 (and a malformed one must be an error, not a local path).
bool IsS3Url(std::string_view text);

// A bucket and a key within it ("" for the bucket itself). Plain data.
struct ObjectUrl {
  std::string bucket;
  std::string key;

  // "s3://bucket/key" (the key as given, not encoded): for messages and lineage.
  std::string ToString() const;
  bool operator==(const ObjectUrl&) const = default;
};

// Checks S3's bucket naming rules: 3-63 characters of lower-case letters,
// digits, '.' and '-', starting and ending with a letter or digit, no "..",
// not an IPv4 address. Errors: UsageError saying which rule.
Status ValidateBucketName(std::string_view bucket);

// Checks a key: at most 1024 bytes of UTF-8 without control characters
// (S3 allows them; this tool refuses them so every key can be printed).
// The empty key is allowed (the bucket, or a prefix of "").
Status ValidateKey(std::string_view key);

// Parses "s3://bucket" or "s3://bucket/key". Errors: UsageError naming the
// URL ("s3://Bad_Bucket/x: bucket names ...").
StatusOr<ObjectUrl> ParseS3Url(std::string_view url);

// Which objects an input argument names:
//   s3://b/dir/            every object under "dir/" (a trailing '/')
//   s3://b/dir/*.csv.gz    '*' and '?' within the last path segment
//   s3://b/dir/file.csv    exactly that object
// Objects are listed by `list_prefix`, the literal part before the first
// wildcard (or the whole key), then filtered by Matches(). Plain data.
struct KeyPattern {
  std::string bucket;
  std::string list_prefix;
  std::string pattern;        // the whole key pattern as given
  bool is_prefix = false;     // ends in '/': every key under list_prefix
  bool has_wildcard = false;  // '*' or '?' in the last segment

  // True when the pattern names more than one possible object (prefix or glob).
  bool is_listing() const { return is_prefix || has_wildcard; }
  // True when `key` (listed under list_prefix) is one of the named objects.
  // A '*' or '?' never matches '/': globs stay within the last segment.
  bool Matches(std::string_view key) const;
};

// Parses an input argument of the forms above. Errors: UsageError naming the
// argument (bad bucket, a wildcard before the last '/', an empty key).
StatusOr<KeyPattern> ParseKeyPattern(std::string_view url);

// Glob matching of one segment: '*' any run of characters other than '/',
// '?' one character other than '/'; everything else literal.
bool MatchKeyGlob(std::string_view pattern, std::string_view key);

}  // namespace wv::s3

#endif  // WV_S3_LOCATION_H_
