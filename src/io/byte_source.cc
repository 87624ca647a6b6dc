#include "io/byte_source.h"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/terminal_text.h"
#include "core/utf8.h"
#include "fmt/core.h"
#include "io/s3_connection.h"
#include "io/s3_source.h"
#include "s3/location.h"

namespace wv::io {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

FileIdentity IdentityOf(const struct stat& st) {
  return FileIdentity{.size = static_cast<uint64_t>(st.st_size),
                      .mtime_seconds = static_cast<int64_t>(st.st_mtim.tv_sec),
                      .mtime_nanoseconds = static_cast<int64_t>(st.st_mtim.tv_nsec),
                      .inode = static_cast<uint64_t>(st.st_ino),
                      .device = static_cast<uint64_t>(st.st_dev)};
}

std::string MtimeText(const FileIdentity& id) {
  return fmt::format("{}.{:09}", id.mtime_seconds, id.mtime_nanoseconds);
}

// What differs between a file's identity at open and now, e.g. "size 100 ->
// 40 bytes; modification time 1.5 -> 2.5"; empty when nothing does.
std::string DescribeChanges(const FileIdentity& was, const FileIdentity& now) {
  std::string changes;
  const auto add = [&](const std::string& change) {
    if (!changes.empty()) changes += "; ";
    changes += change;
  };
  if (now.size != was.size) add(fmt::format("size {} -> {} bytes", was.size, now.size));
  if (now.mtime_seconds != was.mtime_seconds || now.mtime_nanoseconds != was.mtime_nanoseconds) {
    add(fmt::format("modification time {} -> {}", MtimeText(was), MtimeText(now)));
  }
  if (now.inode != was.inode || now.device != was.device) {
    add(fmt::format("inode {}:{} -> {}:{}", was.device, was.inode, now.device, now.inode));
  }
  return changes;
}

// A local file or standard input, read with plain read(2) into the caller's
// buffer (no extra copy). A regular file (one with an identity) is verified
// against its identity at open when its end is reached (OpenFileSource).
class FileSource final : public ByteSource {
 public:
  FileSource(int fd, bool owns_fd, std::string name, std::optional<FileIdentity> identity)
      : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), identity_(identity) {}
  // Reads only `limit` bytes from the descriptor's position (a byte range)
  // of the file `identity` describes.
  void LimitTo(const FileIdentity& identity, uint64_t limit) {
    identity_ = identity;
    limit_ = limit;
  }
  ~FileSource() override {
    if (owns_fd_) ::close(fd_);
  }

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    if (limit_) {
      if (bytes_read_ == *limit_) return AtEnd();
      capacity = static_cast<size_t>(std::min<uint64_t>(capacity, *limit_ - bytes_read_));
    }
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, capacity);
      if (n > 0 || (n == 0 && capacity == 0)) {
        bytes_read_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (n == 0) return AtEnd();
      const int error = errno;
      if (error == EINTR) continue;
      return InputError(fmt::format("reading {}: {}", EscapeForTerminal(name_), ErrnoText(error)));
    }
  }
  const std::string& name() const override { return name_; }
  // The size stored_size() gives a file that is not verified at its end
  // (OpenDescriptorSource), which has no identity.
  void SizeUnverified(uint64_t size) { unverified_size_ = size; }
  std::optional<uint64_t> stored_size() const override {
    if (!identity_) return unverified_size_;
    return limit_ ? *limit_ : identity_->size;
  }
  uint64_t stored_bytes_read() const override { return bytes_read_; }
  std::optional<FileIdentity> identity() const override { return identity_; }

 private:
  // The end of the file (or range), verified once.
  StatusOr<size_t> AtEnd() {
    if (identity_ && !verified_) WV_RETURN_IF_ERROR(VerifyUnchanged());
    verified_ = true;
    return size_t{0};
  }

  // At the end of the file: is it still the file it was at open, and was all
  // of it read?
  Status VerifyUnchanged() const {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      const int error = errno;
      return InputError(
          fmt::format("cannot stat {}: {}", EscapeForTerminal(name_), ErrnoText(error)));
    }
    std::string changes = DescribeChanges(*identity_, IdentityOf(st));
    const auto add = [&](const std::string& change) {
      if (!changes.empty()) changes += "; ";
      changes += change;
    };
    if (bytes_read_ != (limit_ ? *limit_ : identity_->size)) {
      add(limit_ ? fmt::format("{} bytes of its range of {} read: the file is shorter", bytes_read_,
                               *limit_)
                 : fmt::format("{} bytes read of the {} it had at open", bytes_read_,
                               identity_->size));
    }
    struct stat at_path;
    if (::stat(name_.c_str(), &at_path) != 0) {
      add(fmt::format("the path no longer names a file ({})", ErrnoText(errno)));
    } else if (at_path.st_ino != st.st_ino || at_path.st_dev != st.st_dev) {
      add(fmt::format("the path now names another file (inode {}:{}, replaced)",
                      static_cast<uint64_t>(at_path.st_dev),
                      static_cast<uint64_t>(at_path.st_ino)));
    }
    if (changes.empty()) return OkStatus();
    return InputError(fmt::format("{} changed while it was read ({}); nothing read from it is used",
                                  EscapeForTerminal(name_), changes));
  }

  int fd_;
  bool owns_fd_;
  std::string name_;
  std::optional<FileIdentity> identity_;
  uint64_t bytes_read_ = 0;
  bool verified_ = false;
  std::optional<uint64_t> limit_;
  std::optional<uint64_t> unverified_size_;
};

// A source that transforms another's bytes (a prefix put back, gzip
// inflated) and is otherwise that source: its name, sizes and identities.
class WrappingSource : public ByteSource {
 public:
  const std::string& name() const override { return inner_->name(); }
  std::optional<uint64_t> stored_size() const override { return inner_->stored_size(); }
  uint64_t stored_bytes_read() const override { return inner_->stored_bytes_read(); }
  std::optional<FileIdentity> identity() const override { return inner_->identity(); }
  std::optional<ObjectIdentity> object_identity() const override {
    return inner_->object_identity();
  }

 protected:
  explicit WrappingSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}
  std::unique_ptr<ByteSource> inner_;
};

// Replays bytes already taken from `inner` (to sniff its format), then
// continues with `inner`.
class PrefixedSource final : public WrappingSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> inner)
      : WrappingSource(std::move(inner)), prefix_(std::move(prefix)) {}

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    if (offset_ < prefix_.size()) {
      const size_t n = std::min(capacity, prefix_.size() - offset_);
      std::memcpy(buffer, prefix_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    return inner_->Read(buffer, capacity);
  }

 private:
  std::string prefix_;
  size_t offset_ = 0;
};

// Inflates a (multi-member) gzip stream with ISA-L, which checks each
// member's CRC-32 and length (ISAL_GZIP mode).
class GzipSource final : public WrappingSource {
 public:
  static constexpr size_t kInputBufferSize = size_t{1} << 20;

  GzipSource(std::string prefix, std::unique_ptr<ByteSource> inner)
      : WrappingSource(std::move(inner)), input_(std::max(kInputBufferSize, prefix.size())) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
    std::memcpy(input_.data(), prefix.data(), prefix.size());
    state_.next_in = input_.data();
    state_.avail_in = static_cast<uint32_t>(prefix.size());
  }

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    if (finished_ || capacity == 0) return size_t{0};
    // ISA-L counts in 32 bits.
    capacity = std::min<size_t>(capacity, uint32_t{1} << 30);
    for (;;) {
      if (state_.avail_in == 0 && !inner_eof_) WV_RETURN_IF_ERROR(Refill());
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // A member ended: the stream ends here, or another member follows.
        if (state_.avail_in == 0 && inner_eof_) {
          finished_ = true;
          return size_t{0};
        }
        if (state_.avail_in == 0) continue;  // refill above
        if (state_.next_in[0] != 0x1f) {
          return InputError(fmt::format("{}: unexpected bytes after gzip member {}",
                                        EscapeForTerminal(inner_->name()), members_));
        }
        uint8_t* next_in = state_.next_in;
        const uint32_t avail_in = state_.avail_in;
        isal_inflate_reset(&state_);
        state_.crc_flag = ISAL_GZIP;
        state_.next_in = next_in;
        state_.avail_in = avail_in;
        ++members_;
      }
      state_.next_out = reinterpret_cast<uint8_t*>(buffer);
      state_.avail_out = static_cast<uint32_t>(capacity);
      const uint32_t avail_in_before = state_.avail_in;
      const int result = isal_inflate(&state_);
      if (result < 0) {
        return InputError(fmt::format("{}: corrupt gzip stream in member {} ({})",
                                      EscapeForTerminal(inner_->name()), members_,
                                      ErrorName(result)));
      }
      const size_t produced = capacity - state_.avail_out;
      if (produced > 0) return produced;
      if (state_.block_state == ISAL_BLOCK_FINISH) continue;
      if (state_.avail_in == 0 && inner_eof_) {
        return InputError(fmt::format("{}: truncated gzip stream (it ends inside member {})",
                                      EscapeForTerminal(inner_->name()), members_));
      }
      if (state_.avail_in == avail_in_before && state_.avail_in != 0) {
        return InternalError(fmt::format("{}: gzip inflater made no progress", inner_->name()));
      }
    }
  }

 private:
  static std::string_view ErrorName(int code) {
    switch (code) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM:
        return "CRC or length mismatch";
      default:
        return "inflate error";
    }
  }

  Status Refill() {
    WV_ASSIGN_OR_RETURN(size_t n,
                        inner_->Read(reinterpret_cast<char*>(input_.data()), input_.size()));
    if (n == 0) inner_eof_ = true;
    state_.next_in = input_.data();
    state_.avail_in = static_cast<uint32_t>(n);
    return OkStatus();
  }

  std::vector<uint8_t> input_;
  inflate_state state_;
  bool inner_eof_ = false;
  bool finished_ = false;
  uint64_t members_ = 1;
};

}  // namespace

StatusOr<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<ByteSource>(
        std::make_unique<FileSource>(STDIN_FILENO, false, "<stdin>", std::nullopt));
  }
  const std::string shown = EscapeForTerminal(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InputError(fmt::format("cannot open {}: {}", shown, ErrnoText(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return InputError(fmt::format("cannot stat {}: {}", shown, ErrnoText(error)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return InputError(fmt::format("{} is a directory, not a file", shown));
  }
  std::optional<FileIdentity> identity;
  if (S_ISREG(st.st_mode)) {
    identity = IdentityOf(st);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  return std::unique_ptr<ByteSource>(std::make_unique<FileSource>(fd, true, path, identity));
}

StatusOr<std::unique_ptr<ByteSource>> OpenFileRangeSource(const std::string& path, uint64_t start,
                                                          uint64_t end) {
  const std::string shown = EscapeForTerminal(path);
  if (end < start) {
    return UsageError(fmt::format("{}: byte range {}-{} ends before it starts", shown, start, end));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InputError(fmt::format("cannot open {}: {}", shown, ErrnoText(errno)));
  // Owned from here: closed on every return below.
  auto source = std::make_unique<FileSource>(fd, true, path, std::nullopt);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return InputError(fmt::format("cannot stat {}: {}", shown, ErrnoText(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return InputError(fmt::format("{}: a byte range needs a regular file", shown));
  }
  if (static_cast<uint64_t>(st.st_size) < end) {
    return InputError(fmt::format("{}: {} bytes, shorter than the byte range {}-{}", shown,
                                  static_cast<uint64_t>(st.st_size), start, end));
  }
  if (::lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) {
    return InputError(fmt::format("cannot seek in {}: {}", shown, ErrnoText(errno)));
  }
  ::posix_fadvise(fd, static_cast<off_t>(start), static_cast<off_t>(end - start),
                  POSIX_FADV_SEQUENTIAL);
  source->LimitTo(IdentityOf(st), end - start);
  return std::unique_ptr<ByteSource>(std::move(source));
}

std::unique_ptr<ByteSource> OpenDescriptorSource(UniqueFd fd, std::string name) {
  struct stat st;
  const bool regular = ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode);
  auto source = std::make_unique<FileSource>(fd.Release(), true, std::move(name), std::nullopt);
  if (regular) source->SizeUnverified(static_cast<uint64_t>(st.st_size));
  return source;
}

StatusOr<std::unique_ptr<ByteSource>> MaybeDecompress(std::unique_ptr<ByteSource> inner) {
  // Sniff the first two bytes; a short read does not mean the end of a pipe.
  std::string prefix(2, '\0');
  size_t have = 0;
  while (have < prefix.size()) {
    WV_ASSIGN_OR_RETURN(size_t n, inner->Read(prefix.data() + have, prefix.size() - have));
    if (n == 0) break;
    have += n;
  }
  prefix.resize(have);
  if (have == 2 && static_cast<uint8_t>(prefix[0]) == 0x1f &&
      static_cast<uint8_t>(prefix[1]) == 0x8b) {
    return std::unique_ptr<ByteSource>(
        std::make_unique<GzipSource>(std::move(prefix), std::move(inner)));
  }
  return std::unique_ptr<ByteSource>(
      std::make_unique<PrefixedSource>(std::move(prefix), std::move(inner)));
}

StatusOr<std::unique_ptr<ByteSource>> OpenStoredSource(const std::string& path) {
  if (!IsS3Path(path)) return OpenFileSource(path);
  WV_ASSIGN_OR_RETURN(std::shared_ptr<s3::S3Client> client, SharedS3Client());
  const S3Settings settings = CurrentS3Settings();
  S3SourceOptions options;
  options.block_bytes = settings.read_block_bytes;
  options.blocks_in_flight = settings.read_ahead_blocks;
  return OpenS3Source(std::move(client), path, options);
}

std::optional<uint64_t> StoredSizeOf(const std::string& path) {
  if (IsS3Path(path)) {
    StatusOr<std::shared_ptr<s3::S3Client>> client = SharedS3Client();
    StatusOr<s3::ObjectUrl> url = s3::ParseS3Url(path);
    if (!client.ok() || !url.ok()) return std::nullopt;
    s3::S3Result<s3::ObjectInfo> head = (*client)->HeadObject(url->bucket, url->key);
    if (!head.ok()) return std::nullopt;
    return head->size;
  }
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

StatusOr<std::unique_ptr<ByteSource>> OpenInput(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto stored, OpenStoredSource(path));
  return MaybeDecompress(std::move(stored));
}

namespace {

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string data, std::string name, size_t max_read)
      : data_(std::move(data)), name_(std::move(name)), max_read_(max_read) {}

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    const size_t n = std::min({capacity, max_read_, data_.size() - pos_});
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }
  std::optional<uint64_t> stored_size() const override { return data_.size(); }
  uint64_t stored_bytes_read() const override { return pos_; }

 private:
  std::string data_;
  std::string name_;
  size_t max_read_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> OpenMemorySource(std::string data, std::string name, size_t max_read) {
  return std::make_unique<MemorySource>(std::move(data), std::move(name), max_read);
}

StatusOr<std::string> ReadAll(ByteSource& source) {
  const std::optional<uint64_t> stored = source.stored_size();
  std::string out(stored ? *stored + 1 : size_t{1} << 17, '\0');
  size_t size = 0;
  for (;;) {
    if (size == out.size()) out.resize(out.size() * 2);  // never a read of 0 bytes
    WV_ASSIGN_OR_RETURN(size_t n, source.Read(out.data() + size, out.size() - size));
    if (n == 0) break;
    size += n;
  }
  out.resize(size);
  return out;
}

}  // namespace wv::io
