#ifndef WV_IO_S3_CONNECTION_H_
#define WV_IO_S3_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "core/status.h"
#include "s3/client.h"
#include "s3/credentials.h"

// The one S3 client a command uses for every s3:// location it reads or
// writes (run's inputs and output, the DIR of check/query/report, report
// -o), made on first use from the connection settings the command line gave
// (flags and the config file's [AWS] section, as s3::ConnectionOverrides) and
// the environment (AWS_*, ~/.aws), resolved by s3::ResolveConnection. One
// client per process, so its pooled connections serve every reader and
// writer; a command that touches no s3:// path never resolves credentials.
// Thread-safe.
namespace wv::io {

// Everything about how this process talks to S3. Plain data.
struct S3Settings {
  s3::ConnectionOverrides overrides;  // --s3-endpoint, --s3-region, addressing, [AWS] keys
  s3::RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds stall_timeout{30000};
  size_t read_block_bytes = size_t{8} << 20;  // one ranged GET of an input
  int read_ahead_blocks = 4;                  // GETs in flight per input read
  s3::EnvLookup env;                          // the AWS environment; empty = the process's
};

// Replaces the settings and drops a client already made (clients handed out
// before keep working with the old settings). Call before the first
// SharedS3Client().
void ConfigureS3(S3Settings settings);

// Replaces only the connection overrides (the rest keeps its value).
void SetS3ConnectionOverrides(const s3::ConnectionOverrides& overrides);

// The current settings (defaults until ConfigureS3).
S3Settings CurrentS3Settings();

// The client, made on the first call. Errors (UsageError): no credentials,
// an unknown profile, a malformed endpoint (s3::ResolveConnection).
StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client();

// The shared client's request counters, or nullopt when no client was made
// (the command touched no s3:// path): for run summaries and benchmarks.
std::optional<s3::S3Counters> SharedS3Counters();

}  // namespace wv::io

#endif  // WV_IO_S3_CONNECTION_H_
