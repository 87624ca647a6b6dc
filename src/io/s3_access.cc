#include "io/s3_access.h"

#include <algorithm>

#include "core/mutex.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "s3/location.h"

namespace wv::io {
namespace {

// The process's settings and the client made from them.
struct SharedState {
  Mutex mu;
  S3Settings settings ABSL_GUARDED_BY(mu);
  std::shared_ptr<s3::S3Client> client ABSL_GUARDED_BY(mu);
  std::optional<Status> failure ABSL_GUARDED_BY(mu);  // why the client could not be made
};

SharedState& State() {
  static SharedState* state = new SharedState();  // never destroyed: used until exit
  return *state;
}

StatusOr<std::shared_ptr<s3::S3Client>> MakeClient(const S3Settings& settings) {
  const s3::EnvLookup env = settings.env ? settings.env : s3::ProcessEnvironment();
  WV_ASSIGN_OR_RETURN(s3::ConnectionSettings connection,
                      s3::ResolveConnection(settings.overrides, env));
  s3::ClientOptions options;
  options.connection = std::move(connection);
  options.retry = settings.retry;
  options.connect_timeout = settings.connect_timeout;
  options.stall_timeout = settings.stall_timeout;
  WV_ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Client> client, s3::S3Client::Create(options));
  return std::shared_ptr<s3::S3Client>(std::move(client));
}

}  // namespace

void ConfigureS3(S3Settings settings) {
  SharedState& state = State();
  MutexLock lock(&state.mu);
  state.settings = std::move(settings);
  state.client.reset();
  state.failure.reset();
}

S3Settings CurrentS3Settings() {
  SharedState& state = State();
  MutexLock lock(&state.mu);
  return state.settings;
}

StatusOr<std::shared_ptr<s3::S3Client>> SharedS3Client() {
  SharedState& state = State();
  MutexLock lock(&state.mu);
  if (state.client != nullptr) return state.client;
  if (state.failure.has_value()) return *state.failure;
  StatusOr<std::shared_ptr<s3::S3Client>> made = MakeClient(state.settings);
  if (!made.ok()) {
    state.failure = made.status();
    return made.status();
  }
  state.client = *made;
  return state.client;
}

bool IsS3Path(std::string_view path) { return s3::IsS3Url(path); }

StatusOr<std::vector<S3InputObject>> ExpandS3Input(s3::S3Client& client,
                                                   const std::string& pattern) {
  WV_ASSIGN_OR_RETURN(s3::KeyPattern parsed, s3::ParseKeyPattern(pattern));
  std::vector<S3InputObject> out;
  if (!parsed.is_listing()) {
    s3::S3Result<s3::ObjectInfo> head = client.HeadObject(parsed.bucket, parsed.pattern);
    if (!head.ok()) return head.error().ToStatus(ErrorKind::kInput);
    out.push_back({pattern, head->size, head->etag});
    return out;
  }
  s3::S3Result<std::vector<s3::ObjectSummary>> listed =
      client.ListObjectsV2(parsed.bucket, parsed.list_prefix);
  if (!listed.ok()) return listed.error().ToStatus(ErrorKind::kInput);
  for (const s3::ObjectSummary& object : listed.value()) {
    if (!parsed.Matches(object.key)) continue;
    out.push_back({s3::ObjectUrl{parsed.bucket, object.key}.ToString(), object.size, object.etag});
  }
  if (out.empty()) {
    return InputError(fmt::format("no object matches {}", EscapeForTerminal(pattern)));
  }
  std::sort(out.begin(), out.end(),
            [](const S3InputObject& a, const S3InputObject& b) { return a.url < b.url; });
  return out;
}

StatusOr<std::vector<S3InputObject>> ExpandS3Input(const std::string& pattern) {
  WV_ASSIGN_OR_RETURN(std::shared_ptr<s3::S3Client> client, SharedS3Client());
  return ExpandS3Input(*client, pattern);
}

}  // namespace wv::io
