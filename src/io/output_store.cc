#include "io/output_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "fmt/core.h"
#include "io/local_files.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace wv::io {
namespace {

namespace fs = std::filesystem;

// Staging folders are named `.<dir name>.wv-staging-<pid>-<n>` beside DIR, so
// a later run can tell which ones belong to processes that no longer exist.
constexpr std::string_view kStagingMarker = ".wv-staging-";

std::string ErrnoText(int error) { return std::strerror(error); }

int RenameExchange(const char* from, const char* to) {
  return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE));
}

// Removes staging folders of `dir` left by processes that have died.
void RemoveStaleStaging(const fs::path& parent, const std::string& base) {
  const std::string prefix = "." + base + std::string(kStagingMarker);
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still alive
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

class LocalOutputStore final : public OutputStore {
 public:
  LocalOutputStore(std::string dir, std::string staging)
      : dir_(std::move(dir)), staging_(std::move(staging)) {}
  ~LocalOutputStore() override {
    if (!committed_) {
      std::error_code ignored;
      fs::remove_all(staging_, ignored);
    }
  }

  StatusOr<std::unique_ptr<ByteSink>> Create(std::string_view relative_path) override {
    const fs::path relative(relative_path);
    if (relative.empty() || relative.is_absolute()) {
      return InternalError(fmt::format("output path '{}' is not relative", relative_path));
    }
    for (const auto& part : relative) {
      if (part == "..") {
        return InternalError(
            fmt::format("output path '{}' leaves the output folder", relative_path));
      }
    }
    if (committed_) return InternalError("Create() after Commit()");
    const fs::path path = fs::path(staging_) / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec && !fs::is_directory(path.parent_path())) {
      return OutputError(
          fmt::format("cannot create folder {}: {}", path.parent_path().string(), ec.message()));
    }
    return OpenFileSink(path.string());  // the full path is never "-" (stdout)
  }

  Status Commit() override {
    if (committed_) return InternalError("Commit() called twice");
    WV_RETURN_IF_ERROR(SyncFolder(staging_));
    struct stat st;
    if (::lstat(dir_.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return OutputError(fmt::format("cannot inspect {}: {}", dir_, ErrnoText(errno)));
      }
      if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
        return OutputError(
            fmt::format("cannot move the new output into {}: {}", dir_, ErrnoText(errno)));
      }
    } else {
      if (!S_ISDIR(st.st_mode)) {
        return OutputError(fmt::format("{} exists and is not a folder", dir_));
      }
      if (RenameExchange(staging_.c_str(), dir_.c_str()) != 0) {
        if (errno != EINVAL && errno != ENOSYS) {
          return OutputError(
              fmt::format("cannot swap the new output into {}: {}", dir_, ErrnoText(errno)));
        }
        // No atomic exchange on this file system: move the old tree aside
        // under the staging name, then the new one in. The old tree stays
        // recoverable under the staging name if we die in between.
        const std::string aside = staging_ + ".old";
        if (::rename(dir_.c_str(), aside.c_str()) != 0) {
          return OutputError(fmt::format("cannot move {} aside: {}", dir_, ErrnoText(errno)));
        }
        if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
          const int error = errno;
          ::rename(aside.c_str(), dir_.c_str());
          return OutputError(
              fmt::format("cannot move the new output into {}: {}", dir_, ErrnoText(error)));
        }
        if (::rename(aside.c_str(), staging_.c_str()) != 0) {
          std::error_code ignored;
          fs::remove_all(aside, ignored);
        }
      }
    }
    committed_ = true;
    // The previous output now sits under the staging name.
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
    return SyncFolder(fs::path(dir_).parent_path().empty() ? "."
                                                           : fs::path(dir_).parent_path().string());
  }

  const std::string& location() const override { return dir_; }

 private:
  std::string dir_;
  std::string staging_;
  bool committed_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  if (path.has_filename() == false) path = path.parent_path();  // "out/" -> "out"
  const std::string base = path.filename().string();
  if (base.empty() || base == "." || base == "..") {
    return UsageError(fmt::format("output folder '{}' must name a folder", dir));
  }
  fs::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec && !fs::is_directory(parent)) {
    return OutputError(fmt::format("cannot create {}: {}", parent.string(), ec.message()));
  }
  RemoveStaleStaging(parent, base);
  const fs::path staging = HiddenSiblingPath(parent.string(), base, kStagingMarker);
  fs::remove_all(staging, ec);
  if (::mkdir(staging.c_str(), 0755) != 0) {
    return OutputError(fmt::format("cannot create a staging folder beside {}: {}", path.string(),
                                   ErrnoText(errno)));
  }
  return std::unique_ptr<OutputStore>(
      std::make_unique<LocalOutputStore>(path.string(), staging.string()));
}

}  // namespace wv::io
