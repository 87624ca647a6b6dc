#ifndef WV_TESTS_SUPPORT_S3_TEST_SERVER_H_
#define WV_TESTS_SUPPORT_S3_TEST_SERVER_H_

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "s3/client.h"

// A real S3 server for tests: versitygw (built by `make setup` into
// $HOME/.cache/wordviews/tools/versitygw-v1.8.0, or $WV_VERSITYGW), started
// on a free loopback port with random root keys and its own data folder,
// stopped and removed with the object. Not thread-safe (one test's fixture).
namespace wv::testing {

class S3TestServer {
 public:
  // The binary the tests use.
  static std::string BinaryPath();

  // Starts a server and waits until it answers. Errors: InternalError when
  // the binary is missing or does not come up.
  static StatusOr<std::unique_ptr<S3TestServer>> Start();
  ~S3TestServer();
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  // Stops the server (SIGKILL) and starts it again on the same port and data
  // folder: for tests of requests that meet a dead endpoint.
  void Kill();
  Status Restart();

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

  // Options reaching this server with its root keys, path-style, a small
  // retry budget (tests of failures must not wait long).
  s3::ClientOptions ClientOptions() const;
  // A client with ClientOptions(); aborts the test on failure.
  std::unique_ptr<s3::S3Client> NewClient() const;

 private:
  S3TestServer() = default;
  Status Launch();

  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string endpoint_;
  std::string access_key_;
  std::string secret_key_;
};

// Starts a server into `server` (a std::unique_ptr<S3TestServer>) or ends
// the test: GTEST_SKIP when the binary is missing, unless WV_REQUIRE_S3=1
// (which `make test` sets), where a missing server is a failure: tests that
// cannot run must not pass silently in CI.
#define WV_START_S3_TEST_SERVER(server)                                              \
  do {                                                                               \
    auto wv_started = ::wv::testing::S3TestServer::Start();                          \
    if (!wv_started.ok()) {                                                          \
      if (::wv::testing::S3ServerRequired()) {                                       \
        FAIL() << wv_started.status().message();                                     \
      }                                                                              \
      GTEST_SKIP() << wv_started.status().message() << " (WV_REQUIRE_S3=1 to fail)"; \
    }                                                                                \
    server = std::move(wv_started).value();                                          \
  } while (false)

// True when WV_REQUIRE_S3=1.
bool S3ServerRequired();

}  // namespace wv::testing

#endif  // WV_TESTS_SUPPORT_S3_TEST_SERVER_H_
