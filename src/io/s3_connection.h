#ifndef WV_IO_S3_CONNECTION_H_
#define WV_IO_S3_CONNECTION_H_

#include <memory>

#include "core/status.h"
#include "s3/client.h"
#include "s3/credentials.h"

// The one S3 client a command uses for every s3:// location it reads or
// writes (run's output, the DIR of check/query/report, report -o), made on
// first use from the connection settings the command line gave (flags and
// the config file's [AWS] section, as s3::ConnectionOverrides) and the
// environment (AWS_*, ~/.aws), resolved by s3::ResolveConnection. One client
// per process, so its pooled connections serve every reader and writer.
// Thread-safe.
namespace wv::io {

// Sets what the command line gave; call before the first SharedS3Client().
// Later calls replace the settings and drop a client already made.
void SetS3ConnectionOverrides(const s3::ConnectionOverrides& overrides);

// The client, made on the first call. Errors (UsageError): no credentials,
// an unknown profile, a malformed endpoint (s3::ResolveConnection).
StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client();

}  // namespace wv::io

#endif  // WV_IO_S3_CONNECTION_H_
