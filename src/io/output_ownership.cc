#include "io/output_ownership.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "fmt/core.h"
#include "io/file_kind.h"
#include "io/unique_fd.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

namespace wv::io {
namespace {

namespace fs = std::filesystem;

// A manifest larger than this is not one of ours (ours are kilobytes); the
// cap keeps a stray huge file from being read whole.
constexpr off_t kMaxManifestBytes = off_t{64} << 20;

constexpr std::string_view kAdvice =
    "; refusing to replace it (move it away or choose another "
    "output folder)";

OutputInspection Foreign(std::string sentence) {
  return OutputInspection{OutputKind::kForeign, sentence + std::string(kAdvice)};
}

// The folder's entries (without "." and ".."): their count and the first by
// name, for a message that names what is there.
bool ListFolder(int dir_fd, size_t* count, std::string* first) {
  DIR* dir = ::fdopendir(::dup(dir_fd));
  if (dir == nullptr) return false;
  *count = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    ++*count;
    if (first->empty() || name < *first) *first = std::string(name);
  }
  ::closedir(dir);
  return true;
}

// The manifest's text if `manifest_name` is a regular file of sane size.
bool ReadManifest(int dir_fd, std::string_view manifest_name, std::string* text) {
  const std::string name(manifest_name);
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size > kMaxManifestBytes) {
    return false;
  }
  text->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < text->size()) {
    const ssize_t n = ::read(fd.get(), text->data() + done, text->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The mount a folder is on, 0 when the kernel does not say.
uint64_t MountIdOf(const char* path) {
  struct statx sx;
  if (::statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) != 0) return 0;
  return (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
}

// True when `dir` is on another file system (or mount) than its parent.
bool IsMountPoint(const std::string& dir, const struct stat& st) {
  const std::string parent = (fs::path(dir) / "..").string();
  struct stat up;
  if (::stat(parent.c_str(), &up) != 0) return false;
  if (up.st_dev != st.st_dev) return true;
  const uint64_t here = MountIdOf(dir.c_str()), above = MountIdOf(parent.c_str());
  return here != 0 && above != 0 && here != above;
}

std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) return {};
  return buffer;
}

bool IsWithin(const std::string& path, const std::string& folder) {
  return path == folder ||
         (path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 &&
          (folder == "/" || path[folder.size()] == '/'));
}

}  // namespace

OutputInspection InspectOutputFolder(int dir_fd, const std::string& name,
                                     std::string_view manifest_name,
                                     const ManifestRecognizer& is_ours) {
  size_t count = 0;
  std::string first;
  if (!ListFolder(dir_fd, &count, &first)) {
    return Foreign(fmt::format("cannot list {}: {}", name, std::strerror(errno)));
  }
  if (count == 0) return OutputInspection{OutputKind::kEmpty, {}};
  std::string text;
  if (!ReadManifest(dir_fd, manifest_name, &text)) {
    return Foreign(
        fmt::format("{} is not a wordviews output (it holds {} entr{}, e.g. '{}', and "
                    "no {})",
                    name, count, count == 1 ? "y" : "ies", first, manifest_name));
  }
  if (!is_ours || !is_ours(text)) {
    return Foreign(fmt::format("{} is not a wordviews output (its {} is not a wordviews manifest)",
                               name, manifest_name));
  }
  return OutputInspection{OutputKind::kOurs, {}};
}

OutputInspection InspectOutput(const std::string& dir, std::string_view manifest_name,
                               const ManifestRecognizer& is_ours) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    // ENOTDIR: a parent is a file; creating the parent reports it.
    if (errno == ENOENT || errno == ENOTDIR) return OutputInspection{OutputKind::kAbsent, {}};
    return Foreign(fmt::format("cannot inspect {}: {}", dir, std::strerror(errno)));
  }
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    const ssize_t n = ::readlink(dir.c_str(), target, sizeof target - 1);
    return Foreign(fmt::format("{} is a symbolic link (to '{}')", dir,
                               n >= 0 ? std::string_view(target, static_cast<size_t>(n)) : "?"));
  }
  if (!S_ISDIR(st.st_mode))
    return Foreign(fmt::format("{} is {}, not a folder", dir, FileKindName(st.st_mode)));
  if (IsMountPoint(dir, st)) {
    return Foreign(fmt::format("{} is a mount point (another file system is mounted there)", dir));
  }
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Foreign(fmt::format("cannot read {}: {}", dir, std::strerror(errno)));
  return InspectOutputFolder(fd.get(), dir, manifest_name, is_ours);
}

Status CheckOutputLocation(const std::string& dir, const std::vector<std::string>& inputs) {
  fs::path path = fs::path(dir).lexically_normal();
  if (!path.empty() && !path.has_filename()) path = path.parent_path();  // "out/" -> "out"
  const std::string base = path.filename().string();
  if (path == path.root_path() && !path.empty()) {
    return OutputError(
        fmt::format("output folder '{}' is the root folder; refusing to replace it", dir));
  }
  if (base.empty() || base == "." || base == "..") {
    return OutputError(fmt::format(
        "output folder '{}' is the current folder or one above it; refusing to replace it", dir));
  }
  const std::string parent = RealPath(path.has_parent_path() ? path.parent_path().string() : ".");
  if (parent.empty()) return OkStatus();  // no parent yet: the output cannot hold anything
  const std::string absolute = parent == "/" ? "/" + base : parent + "/" + base;
  const std::string cwd = RealPath(".");
  if (!cwd.empty() && IsWithin(cwd, absolute)) {
    return OutputError(fmt::format("output folder {} {}; refusing to replace it", dir,
                                   cwd == absolute
                                       ? "is the current folder"
                                       : fmt::format("holds the current folder ({})", cwd)));
  }
  for (const std::string& input : inputs) {
    if (input == "-") continue;
    const std::string real = RealPath(input);
    // An input equal to DIR is a file where a folder should be: InspectOutput says so.
    if (!real.empty() && real != absolute && IsWithin(real, absolute)) {
      return OutputError(fmt::format(
          "output folder {} holds the input {}; refusing to replace it (it would delete its own "
          "input)",
          dir, input));
    }
  }
  return OkStatus();
}

}  // namespace wv::io
