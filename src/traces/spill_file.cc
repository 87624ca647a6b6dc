#include "traces/spill_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/terminal_text.h"
#include "fmt/core.h"

namespace wv::traces {
namespace {

Status SpillError(std::string_view what, const std::string& path, int error) {
  if (error == ENOSPC || error == EDQUOT) {
    return OutputError(
        fmt::format("cannot {} the spill file {}: {} (choose a folder with more room "
                    "with --tmp-dir)",
                    what, EscapeForTerminal(path), std::strerror(error)));
  }
  return OutputError(fmt::format("cannot {} the spill file {}: {}", what, EscapeForTerminal(path),
                                 std::strerror(error)));
}

}  // namespace

SpillWriter::SpillWriter(std::string path, io::UniqueFd fd, size_t buffer_bytes)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      buffer_(new char[std::max<size_t>(buffer_bytes, 4096)]),
      capacity_(std::max<size_t>(buffer_bytes, 4096)) {}

StatusOr<std::unique_ptr<SpillWriter>> SpillWriter::Create(std::string path, size_t buffer_bytes) {
  io::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return SpillError("create", path, errno);
  return std::unique_ptr<SpillWriter>(
      new SpillWriter(std::move(path), std::move(fd), buffer_bytes));
}

Status SpillWriter::Append(const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    if (used_ == capacity_) WV_RETURN_IF_ERROR(Flush());
    const size_t n = std::min(size, capacity_ - used_);
    std::memcpy(buffer_.get() + used_, bytes, n);
    used_ += n;
    bytes += n;
    size -= n;
  }
  return OkStatus();
}

Status SpillWriter::Flush() {
  size_t done = 0;
  while (done < used_) {
    const ssize_t n = ::write(fd_.get(), buffer_.get() + done, used_ - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SpillError("write", path_, n < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(n);
  }
  written_ += used_;
  used_ = 0;
  return OkStatus();
}

Status SpillWriter::Close() {
  if (!fd_.valid()) return OkStatus();
  WV_RETURN_IF_ERROR(Flush());
  if (::close(fd_.Release()) != 0) return SpillError("write", path_, errno);
  return OkStatus();
}

SpillReader::SpillReader(std::string path, io::UniqueFd fd, size_t buffer_bytes)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      buffer_(new char[std::max<size_t>(buffer_bytes, 4096)]),
      capacity_(std::max<size_t>(buffer_bytes, 4096)) {}

StatusOr<std::unique_ptr<SpillReader>> SpillReader::Open(std::string path, size_t buffer_bytes,
                                                         bool unlink_now) {
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return SpillError("open", path, errno);
  if (unlink_now && ::unlink(path.c_str()) != 0) return SpillError("remove", path, errno);
  return std::unique_ptr<SpillReader>(
      new SpillReader(std::move(path), std::move(fd), buffer_bytes));
}

Status SpillReader::Refill() {
  // Keep the unread tail at the front.
  std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  while (end_ < capacity_ && !eof_) {
    const ssize_t n = ::read(fd_.get(), buffer_.get() + end_, capacity_ - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SpillError("read", path_, errno);
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
  }
  return OkStatus();
}

StatusOr<bool> SpillReader::Read(void* data, size_t size) {
  char* out = static_cast<char*>(data);
  size_t done = 0;
  while (done < size) {
    if (begin_ == end_) {
      WV_RETURN_IF_ERROR(Refill());
      if (begin_ == end_) {
        if (done == 0) return false;
        return InternalError(
            fmt::format("the spill file {} ends inside a record", EscapeForTerminal(path_)));
      }
    }
    const size_t n = std::min(size - done, end_ - begin_);
    std::memcpy(out + done, buffer_.get() + begin_, n);
    begin_ += n;
    done += n;
  }
  return true;
}

}  // namespace wv::traces
