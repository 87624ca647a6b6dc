#include "support/s3_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "support/loopback.h"
#include "support/temp_dir.h"

extern char** environ;

namespace wv::testing {
namespace {

std::string RandomToken(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::mt19937_64 rng(device());
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kAlphabet[pick(rng)];
  return out;
}

// A port nothing listens on right now (the kernel's choice for port 0).
int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = LoopbackAddress(0);
  socklen_t size = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool Accepts(int port) {
  const int fd = ConnectLoopback(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

}  // namespace

bool S3ServerRequired() {
  const char* value = std::getenv("WV_REQUIRE_S3");
  return value != nullptr && std::string(value) == "1";
}

std::string S3TestServer::BinaryPath() {
  if (const char* path = std::getenv("WV_VERSITYGW")) return path;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") +
         "/.cache/wordviews/tools/versitygw-v1.8.0/versitygw";
}

StatusOr<std::unique_ptr<S3TestServer>> S3TestServer::Start() {
  const std::string binary = BinaryPath();
  if (::access(binary.c_str(), X_OK) != 0) {
    return InternalError("versitygw not found at " + binary + " (run `make setup`)");
  }
  std::unique_ptr<S3TestServer> server(new S3TestServer());
  server->root_ = UniqueTestPath("wv_s3_server_");
  server->data_dir_ = server->root_ / "data";
  std::filesystem::create_directories(server->data_dir_);
  server->access_key_ = "AK" + RandomToken(18);
  server->secret_key_ = RandomToken(40);
  server->port_ = FreeLoopbackPort();
  server->endpoint_ = "http://127.0.0.1:" + std::to_string(server->port_);
  WV_RETURN_IF_ERROR(server->Launch());
  return server;
}

Status S3TestServer::Launch() {
  const std::string binary = BinaryPath();
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  const std::string data = data_dir_.string();
  std::vector<std::string> env_strings = {"ROOT_ACCESS_KEY=" + access_key_,
                                          "ROOT_SECRET_KEY=" + secret_key_};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (!entry.starts_with("ROOT_")) env_strings.push_back(entry);
  }
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  // --virtual-domain: bucket.localhost:PORT works too (curl resolves *.localhost itself).
  std::vector<std::string> arg_strings = {
      binary, "--port", listen, "--quiet", "--virtual-domain", "localhost", "posix", data};
  std::vector<char*> argv;
  for (std::string& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  // Its output goes to a log beside the data (it greets on stdout even with --quiet).
  const std::string log = (root_ / "versitygw.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int spawned =
      ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    return InternalError("cannot start " + binary);
  }
  for (int i = 0; i < 400; ++i) {
    if (Accepts(port_)) return OkStatus();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return InternalError("versitygw exited at start (port " + std::to_string(port_) + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return InternalError("versitygw did not answer on " + endpoint_);
}

void S3TestServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status S3TestServer::Restart() {
  Kill();
  return Launch();
}

S3TestServer::~S3TestServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

s3::ClientOptions S3TestServer::ClientOptions() const {
  s3::ClientOptions options;
  options.connection.credentials = {access_key_, secret_key_, "", "the test server's root keys"};
  options.connection.region = "us-east-1";
  options.connection.region_source = "the test's region";
  options.connection.endpoint = endpoint_;
  options.connection.addressing = s3::Addressing::kPathStyle;
  options.retry.max_attempts = 4;
  options.retry.initial_backoff = std::chrono::milliseconds(10);
  options.retry.max_backoff = std::chrono::milliseconds(100);
  options.retry.total_budget = std::chrono::milliseconds(5000);
  return options;
}

std::unique_ptr<s3::S3Client> S3TestServer::NewClient() const {
  auto client = s3::S3Client::Create(ClientOptions());
  EXPECT_TRUE(client.ok()) << client.status().message();
  return client.ok() ? std::move(client).value() : nullptr;
}

}  // namespace wv::testing
