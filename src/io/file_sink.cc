// Local-file ByteSink ("-" is standard output).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/core.h"
#include "io/byte_sink.h"

namespace wv::io {
namespace {

constexpr size_t kBufferSize = size_t{1} << 20;

// Buffers small appends and writes large ones straight through.
// Not thread-safe.
class FileSink : public ByteSink {
 public:
  FileSink(int fd, std::string name, bool is_stdout)
      : fd_(fd), name_(std::move(name)), is_stdout_(is_stdout) {
    buffer_.reserve(kBufferSize);
  }
  ~FileSink() override {
    if (!closed_ && !is_stdout_) ::close(fd_);
  }

  Status Append(std::string_view bytes) override {
    written_ += bytes.size();
    if (buffer_.size() + bytes.size() > kBufferSize) WV_RETURN_IF_ERROR(Flush());
    if (bytes.size() >= kBufferSize) return WriteAll(bytes);
    buffer_.append(bytes);
    return OkStatus();
  }

  Status Close() override {
    if (closed_) return InternalError(fmt::format("{}: closed twice", name_));
    closed_ = true;
    Status status = Flush();
    if (is_stdout_) return status;
    if (status.ok() && ::fsync(fd_) != 0) status = Error("syncing");
    if (::close(fd_) != 0 && status.ok()) status = Error("closing");
    return status;
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  Status Flush() {
    Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error("writing");
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }

  Status Error(std::string_view what) const {
    return OutputError(fmt::format("{} {}: {}", what, name_, std::strerror(errno)));
  }

  int fd_;
  std::string name_;
  bool is_stdout_;
  bool closed_ = false;
  std::string buffer_;
  uint64_t written_ = 0;
};

StatusOr<std::unique_ptr<ByteSink>> OpenWithFlags(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
  if (fd < 0) {
    return OutputError(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  return std::unique_ptr<ByteSink>(new FileSink(fd, path, false));
}

}  // namespace

StatusOr<std::unique_ptr<ByteSink>> OpenFileSink(const std::string& path) {
  if (path == "-") return std::unique_ptr<ByteSink>(new FileSink(STDOUT_FILENO, "<stdout>", true));
  return OpenWithFlags(path, O_TRUNC);
}

StatusOr<std::unique_ptr<ByteSink>> OpenNewFileSink(const std::string& path) {
  return OpenWithFlags(path, O_EXCL);
}

StatusOr<std::unique_ptr<ByteSink>> OpenFileSinkAt(int dir_fd, const std::string& name,
                                                   const std::string& display) {
  const int fd =
      ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return OutputError(fmt::format("cannot create {}: {}", display, std::strerror(errno)));
  }
  return std::unique_ptr<ByteSink>(new FileSink(fd, display, false));
}

}  // namespace wv::io
