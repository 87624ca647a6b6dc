#ifndef WV_IO_S3_ACCESS_H_
#define WV_IO_S3_ACCESS_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "s3/client.h"
#include "s3/credentials.h"

// How this process reaches S3 for the s3:// paths it is given: one set of
// settings (from the CLI's flags, environment and config file) and one
// client shared by every reader and writer, created when the first s3://
// path is opened (so a run without S3 never resolves AWS credentials).
// Thread-safe.
namespace wv::io {

// Plain data.
struct S3Settings {
  s3::ConnectionOverrides overrides;  // --s3-endpoint, --s3-region, addressing, [AWS] keys
  s3::RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds stall_timeout{30000};
  size_t read_block_bytes = size_t{8} << 20;  // one ranged GET
  int read_ahead_blocks = 4;                  // GETs in flight per object read
  size_t part_bytes = size_t{8} << 20;        // one multipart part
  int parts_in_flight = 4;                    // uploads in flight per object written
  s3::EnvLookup env;                          // the AWS environment; empty = the process's
};

// Replaces the settings; the next SharedS3Client() builds a new client.
// Clients handed out before keep working with the old settings.
void ConfigureS3(S3Settings settings);

// The current settings (defaults until ConfigureS3).
S3Settings CurrentS3Settings();

// The shared client for the current settings, created at the first call.
// Errors: UsageError when the settings cannot work (no credentials, a bad
// endpoint: s3::ResolveConnection), the same error at every call.
StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client();

// True for "s3://..." (s3::IsS3Url): paths that must go to S3, never to the
// local file system.
bool IsS3Path(std::string_view path);

// One object named by an input argument. Plain data.
struct S3InputObject {
  std::string url;  // "s3://bucket/key"
  uint64_t size = 0;
  std::string etag;
};

// The objects an input argument names (s3::ParseKeyPattern): an exact key
// (HEAD), every object under a prefix ending in '/', or the keys matching a
// '*'/'?' glob in the last segment (ListObjectsV2 of the literal prefix), in
// key order. Errors: InputError when nothing matches or S3 refuses (one
// line naming the URL); UsageError for a malformed URL.
StatusOr<std::vector<S3InputObject>> ExpandS3Input(s3::S3Client& client,
                                                   const std::string& pattern);

// The same through SharedS3Client() (whose errors it returns).
StatusOr<std::vector<S3InputObject>> ExpandS3Input(const std::string& pattern);

}  // namespace wv::io

#endif  // WV_IO_S3_ACCESS_H_
