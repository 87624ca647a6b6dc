#ifndef WV_TESTS_SUPPORT_FAULT_PROXY_H_
#define WV_TESTS_SUPPORT_FAULT_PROXY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"

// A fault-injecting HTTP proxy for tests, between a client and a real
// server (versitygw) on loopback: each request is forwarded on its own
// upstream connection ("Connection: close"), and a rule chosen by the test
// may instead answer 503 SlowDown or 500, cut the response after some body
// bytes, or stall before the response. Thread-safe (its own threads serve
// the connections; the rule is called from them).
namespace wv::testing {

struct ProxyRequest {
  std::string method;  // "GET"
  std::string target;  // "/bucket/key?query"
  std::string range;   // the Range header's value, or ""
  int index = 0;       // 0-based, in arrival order
};

struct ProxyFault {
  enum Type { kNone, kSlowDown503, kInternalError500, kCutBody, kStall };
  Type type = kNone;
  uint64_t cut_after_body_bytes = 0;  // kCutBody: forward this many body bytes, then close
  int stall_ms = 0;                   // kStall: wait this long, then close without answering
};

class FaultProxy {
 public:
  using Rule = std::function<ProxyFault(const ProxyRequest&)>;

  // Listens on a free loopback port, forwarding to 127.0.0.1:upstream_port.
  static StatusOr<std::unique_ptr<FaultProxy>> Start(int upstream_port, Rule rule);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  int faults() const { return faults_.load(); }

 private:
  FaultProxy(int listen_fd, int port, int upstream_port, Rule rule);
  void AcceptLoop();
  void Serve(int client_fd);

  const int listen_fd_;
  const int port_;
  const int upstream_port_;
  const Rule rule_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> faults_{0};
  std::thread acceptor_;
  Mutex mu_;
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wv::testing

#endif  // WV_TESTS_SUPPORT_FAULT_PROXY_H_
