#include "io/local_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "fmt/core.h"
#include "io/unique_fd.h"

namespace wv::io {

Status SyncFolder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OutputError(fmt::format("cannot open {}: {}", folder, std::strerror(errno)));
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) return OutputError(fmt::format("cannot sync {}: {}", folder, std::strerror(saved)));
  return OkStatus();
}

std::string HiddenSiblingPath(const std::string& folder, std::string_view base,
                              std::string_view marker) {
  static std::atomic<unsigned> counter{0};
  const std::string_view separator = folder.empty() || folder.back() == '/' ? "" : "/";
  return fmt::format("{}{}.{}{}{}-{}", folder, separator, base, marker, ::getpid(),
                     counter.fetch_add(1));
}

bool RemoveFileIfItBegins(const std::string& path, std::string_view first_bytes) {
  // O_NONBLOCK: a FIFO under the name must not hang the open.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat read_st {};
  if (!fd.valid() || ::fstat(fd.get(), &read_st) != 0 || !S_ISREG(read_st.st_mode)) return false;
  std::string head(first_bytes.size(), '\0');
  size_t done = 0;
  while (done < head.size()) {
    const ssize_t n =
        ::pread(fd.get(), head.data() + done, head.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  if (head != first_bytes) return false;
  // There is no unlink by descriptor: make sure the name was not swapped
  // meanwhile for something else.
  struct stat named_st {};
  if (::lstat(path.c_str(), &named_st) != 0 || named_st.st_dev != read_st.st_dev ||
      named_st.st_ino != read_st.st_ino) {
    return false;
  }
  return ::unlink(path.c_str()) == 0;
}

}  // namespace wv::io
