#include "io/local_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "fmt/core.h"

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

}  // namespace wv::io
