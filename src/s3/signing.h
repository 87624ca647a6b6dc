#ifndef WV_S3_SIGNING_H_
#define WV_S3_SIGNING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/credentials.h"

// The parts of a SigV4-signed S3 request that libcurl leaves to its caller
// (curl's CURLOPT_AWS_SIGV4 signs the request as written, so it must be
// written canonically): the URL (addressing style, the key encoded once,
// the query sorted and encoded), the payload hash, and the Content-MD5 of
// multi-object deletes. Pure functions; thread-safe.
namespace wv::s3 {

// One query parameter; an empty value is written "name=" (SigV4's form of
// a value-less parameter such as "uploads").
using QueryParam = std::pair<std::string, std::string>;

// SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper
// case hex); '/' kept when `keep_slash` (object keys in paths).
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical query string: parameters sorted by encoded name (then
// value), each "name=value" with both encoded, joined by '&'. "" for none.
std::string CanonicalQuery(std::vector<QueryParam> params);

// The request URL for `bucket` and `key` (either may be ""): path-style
// "ENDPOINT/bucket/key" or virtual-hosted "scheme://bucket.host/key", with
// the canonical query appended. AWS (an empty endpoint) is
// https://s3.REGION.amazonaws.com. Virtual-hosted falls back to path-style
// for bucket names with '.' over https (they would not match the
// certificate).
std::string RequestUrl(const ConnectionSettings& settings, std::string_view bucket,
                       std::string_view key, const std::vector<QueryParam>& query);

// curl's CURLOPT_AWS_SIGV4 value: "aws:amz:REGION:s3".
std::string SigV4Provider(std::string_view region);

// Lower-case hex SHA-256 of `data` (x-amz-content-sha256).
std::string Sha256Hex(std::string_view data);

// Base64 of the MD5 of `data` (Content-MD5).
std::string Md5Base64(std::string_view data);

}  // namespace wv::s3

#endif  // WV_S3_SIGNING_H_
