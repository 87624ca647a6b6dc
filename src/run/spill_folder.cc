#include "run/spill_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/dir_lock.h"
#include "io/temp_folder.h"
#include "io/tree_removal.h"
#include "s3/location.h"

namespace wv::run {
namespace {

constexpr std::string_view kPrefix = ".wv-spill-";

// `.wv-spill-<digits>-<hex digits>`: the only names removed as stale.
bool IsSpillName(std::string_view name) {
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  return io::IsPidTokenName(name.substr(kPrefix.size()));
}

// Removes the spill folders in `parent_fd` that no live run holds.
void RemoveStaleSpillFolders(int parent_fd) {
  std::vector<std::string> names;
  if (DIR* dir = ::fdopendir(::dup(parent_fd))) {
    while (const dirent* e = ::readdir(dir)) {
      if (IsSpillName(e->d_name)) names.emplace_back(e->d_name);
    }
    ::closedir(dir);
  }
  for (const std::string& name : names) {
    io::UniqueFd fd(
        ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) continue;
    StatusOr<bool> free = io::TryLock(fd.get(), io::LockMode::kExclusive);
    struct stat st;
    if (!free.ok() || !*free || ::fstat(fd.get(), &st) != 0) continue;
    io::TreeRemovalOptions only_it;
    only_it.only_inode = st.st_ino;
    io::RemoveTreeAt(parent_fd, name.c_str(), only_it);
  }
}

}  // namespace

std::string DefaultSpillParent(const std::string& out_dir) {
  // An S3 output has no local folder beside it: the spill goes where
  // temporaries go.
  if (s3::IsS3Url(out_dir)) return io::TemporaryRoot();
  std::filesystem::path path = std::filesystem::path(out_dir).lexically_normal();
  if (!path.empty() && !path.has_filename()) path = path.parent_path();
  return path.has_parent_path() ? path.parent_path().string() : std::string(".");
}

StatusOr<std::unique_ptr<SpillFolder>> SpillFolder::Create(const std::string& parent) {
  std::unique_ptr<SpillFolder> folder(new SpillFolder());
  folder->parent_fd_.Reset(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!folder->parent_fd_.valid()) {
    return OutputError(fmt::format("cannot open the spill folder's parent {}: {}",
                                   EscapeForTerminal(parent), std::strerror(errno)));
  }
  const int parent_fd = folder->parent_fd_.get();
  RemoveStaleSpillFolders(parent_fd);
  // Signals are held off while the folder is created and registered.
  io::ScopedCleanupSignalBlock block;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string name = fmt::format("{}{}-{}", kPrefix, ::getpid(), io::RandomToken());
    folder->cleanup_ = io::SignalCleanup::Register(parent_fd, name, /*is_tree=*/true);
    if (::mkdirat(parent_fd, name.c_str(), 0700) != 0) {
      const int error = errno;
      folder->cleanup_.Cancel();
      if (error == EEXIST) continue;
      return OutputError(fmt::format("cannot create a spill folder in {}: {}",
                                     EscapeForTerminal(parent), std::strerror(error)));
    }
    folder->name_ = name;
    folder->path_ = (std::filesystem::path(parent) / name).string();
    folder->fd_.Reset(
        ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!folder->fd_.valid() || ::fstat(folder->fd_.get(), &st) != 0) {
      return OutputError(fmt::format("cannot open the spill folder {}: {}",
                                     EscapeForTerminal(folder->path_), std::strerror(errno)));
    }
    folder->inode_ = st.st_ino;
    folder->cleanup_.Retarget(st.st_ino);
    WV_ASSIGN_OR_RETURN(const bool locked,
                        io::TryLock(folder->fd_.get(), io::LockMode::kExclusive));
    if (!locked) {
      return OutputError(fmt::format("the spill folder {} is locked by another process",
                                     EscapeForTerminal(folder->path_)));
    }
    return folder;
  }
  return OutputError(
      fmt::format("cannot find a free spill folder name in {}", EscapeForTerminal(parent)));
}

SpillFolder::~SpillFolder() {
  if (name_.empty()) return;
  cleanup_.Cancel();
  io::TreeRemovalOptions only_ours;
  only_ours.only_inode = inode_;
  io::RemoveTreeAt(parent_fd_.get(), name_.c_str(), only_ours);
}

}  // namespace wv::run
