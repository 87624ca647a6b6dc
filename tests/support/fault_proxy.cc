#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

#include "support/loopback.h"

namespace wv::testing {
namespace {

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads until "\r\n\r\n"; returns the head (with the blank line) and leaves
// any bytes after it in *rest. False on EOF or error first.
bool ReadHead(int fd, std::string* head, std::string* rest) {
  std::string buffer;
  char chunk[65536];
  for (;;) {
    const size_t end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      *head = buffer.substr(0, end + 4);
      *rest = buffer.substr(end + 4);
      return true;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::string HeaderValue(const std::string& head, std::string_view name) {
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string needle = "\r\n" + std::string(name) + ":";
  const size_t at = lower.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = at + needle.size();
  const size_t end = head.find("\r\n", begin);
  while (begin < end && head[begin] == ' ') ++begin;
  return head.substr(begin, end - begin);
}

void Answer(int fd, int status, const char* reason, const char* code) {
  const std::string body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>") +
                           code + "</Code><Message>injected by the test proxy</Message></Error>";
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  SendAll(fd, response.data(), response.size());
}

}  // namespace

StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(int upstream_port, Rule rule) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = LoopbackAddress(0);
  socklen_t size = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    return InternalError("fault proxy: cannot listen on loopback");
  }
  return std::unique_ptr<FaultProxy>(
      new FaultProxy(fd, ntohs(address.sin_port), upstream_port, std::move(rule)));
}

FaultProxy::FaultProxy(int listen_fd, int port, int upstream_port, Rule rule)
    : listen_fd_(listen_fd), port_(port), upstream_port_(upstream_port), rule_(std::move(rule)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    MutexLock lock(&mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
}

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    MutexLock lock(&mu_);
    connections_.emplace_back([this, client] { Serve(client); });
  }
}

void FaultProxy::Serve(int client) {
  std::string head, rest;
  if (!ReadHead(client, &head, &rest)) {
    ::close(client);
    return;
  }
  ProxyRequest request;
  request.index = requests_.fetch_add(1);
  const size_t sp1 = head.find(' ');
  const size_t sp2 = head.find(' ', sp1 + 1);
  request.method = head.substr(0, sp1);
  request.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  request.range = HeaderValue(head, "range");
  const ProxyFault fault = rule_ ? rule_(request) : ProxyFault{};
  if (fault.type != ProxyFault::kNone) faults_.fetch_add(1);

  // The request body, whole (the tests' requests are small or a part).
  const uint64_t length = std::strtoull(HeaderValue(head, "content-length").c_str(), nullptr, 10);
  std::string body = rest;
  char chunk[65536];
  while (body.size() < length) {
    const ssize_t n = ::recv(client, chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    body.append(chunk, static_cast<size_t>(n));
  }
  if (fault.type == ProxyFault::kSlowDown503) {
    Answer(client, 503, "Slow Down", "SlowDown");
  } else if (fault.type == ProxyFault::kInternalError500) {
    Answer(client, 500, "Internal Server Error", "InternalError");
  } else if (fault.type == ProxyFault::kStall) {
    // In short steps, so that a proxy being destroyed does not wait it out.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(fault.stall_ms);
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else {
    const int upstream = ConnectLoopback(upstream_port_);
    if (upstream >= 0) {
      // One request per upstream connection: the response ends at EOF.
      const size_t line_end = head.find("\r\n");
      const std::string forwarded =
          head.substr(0, line_end + 2) + "Connection: close\r\n" + head.substr(line_end + 2);
      SendAll(upstream, forwarded.data(), forwarded.size());
      SendAll(upstream, body.data(), body.size());
      std::string response_head, response_rest;
      if (ReadHead(upstream, &response_head, &response_rest)) {
        SendAll(client, response_head.data(), response_head.size());
        uint64_t budget =
            fault.type == ProxyFault::kCutBody ? fault.cut_after_body_bytes : UINT64_MAX;
        std::string pending = response_rest;
        for (;;) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(pending.size(), budget));
          if (!SendAll(client, pending.data(), n)) break;
          budget -= n;
          if (budget == 0) break;
          const ssize_t got = ::recv(upstream, chunk, sizeof(chunk), 0);
          if (got <= 0) break;
          pending.assign(chunk, static_cast<size_t>(got));
        }
      }
      ::close(upstream);
    }
  }
  ::shutdown(client, SHUT_RDWR);
  ::close(client);
}

}  // namespace wv::testing
