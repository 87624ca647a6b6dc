#include "io/s3_connection.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"

namespace wv::io {
namespace {

struct SharedConnection {
  Mutex mu;
  S3Settings settings ABSL_GUARDED_BY(mu);
  std::shared_ptr<s3::S3Client> client ABSL_GUARDED_BY(mu);
};

SharedConnection& Shared() {
  static SharedConnection* shared = new SharedConnection();  // never destroyed: used at exit
  return *shared;
}

StatusOr<std::shared_ptr<s3::S3Client>> MakeClient(const S3Settings& settings) {
  const s3::EnvLookup env = settings.env ? settings.env : s3::ProcessEnvironment();
  s3::ClientOptions options;
  WV_ASSIGN_OR_RETURN(options.connection, s3::ResolveConnection(settings.overrides, env));
  options.retry = settings.retry;
  options.connect_timeout = settings.connect_timeout;
  options.stall_timeout = settings.stall_timeout;
  WV_ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Client> client, s3::S3Client::Create(options));
  return std::shared_ptr<s3::S3Client>(std::move(client));
}

}  // namespace

void ConfigureS3(S3Settings settings) {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  shared.settings = std::move(settings);
  shared.client.reset();
}

void SetS3ConnectionOverrides(const s3::ConnectionOverrides& overrides) {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  shared.settings.overrides = overrides;
  shared.client.reset();
}

S3Settings CurrentS3Settings() {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  return shared.settings;
}

StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client() {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  if (shared.client == nullptr) {
    WV_ASSIGN_OR_RETURN(shared.client, MakeClient(shared.settings));
  }
  return shared.client;
}

std::optional<s3::S3Counters> SharedS3Counters() {
  SharedConnection& shared = Shared();
  MutexLock lock(&shared.mu);
  if (shared.client == nullptr) return std::nullopt;
  return shared.client->counters();
}

}  // namespace wv::io
