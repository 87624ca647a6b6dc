#include "io/s3_connection.h"

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"

namespace wv::io {
namespace {

struct SharedConnection {
  Mutex mu;
  s3::ConnectionOverrides overrides ABSL_GUARDED_BY(mu);
  std::shared_ptr<s3::S3Client> client ABSL_GUARDED_BY(mu);
};

SharedConnection& Shared() {
  static SharedConnection* shared = new SharedConnection();  // never destroyed: used at exit
  return *shared;
}

}  // namespace

void SetS3ConnectionOverrides(const s3::ConnectionOverrides& overrides) {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  shared.overrides = overrides;
  shared.client.reset();
}

StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client() {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  if (shared.client == nullptr) {
    s3::ClientOptions options;
    WV_ASSIGN_OR_RETURN(options.connection,
                        s3::ResolveConnection(shared.overrides, s3::ProcessEnvironment()));
    WV_ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Client> client, s3::S3Client::Create(options));
    shared.client = std::move(client);
  }
  return shared.client;
}

}  // namespace wv::io
