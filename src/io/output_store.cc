#include "io/output_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "io/dir_lock.h"
#include "io/signal_cleanup.h"
#include "io/temp_folder.h"
#include "io/tree_removal.h"
#include "io/unique_fd.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace wv::io {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStagingMarker = ".wv-staging-";
constexpr std::string_view kKeptMarker = ".wv-kept-";

std::string ErrnoText(int error) { return std::strerror(error); }

int RenameAt2(int dir_fd, const std::string& from, const std::string& to, unsigned flags) {
  return static_cast<int>(
      ::syscall(SYS_renameat2, dir_fd, from.c_str(), dir_fd, to.c_str(), flags));
}

// `<prefix><digits>-<hex digits>`, optionally `.old` (older versions' names).
bool IsStagingName(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = name.substr(prefix.size());
  if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".old") rest.remove_suffix(4);
  return IsPidTokenName(rest);
}

// Threads syncing the staged folders at once (SyncStagedFolders).
constexpr int kSyncThreads = 8;

Status SyncFd(int fd, const std::string& what) {
  if (::fsync(fd) != 0)
    return OutputError(fmt::format("cannot sync {}: {}", what, ErrnoText(errno)));
  return OkStatus();
}

// Removes the staging folders of `base` that nobody holds: their owner died
// (or never locked them: older versions) and no reader uses them.
void RemoveStaleStaging(int parent_fd, const std::string& base) {
  const std::string prefix = StagingPrefix(base);
  std::vector<std::string> names;
  if (DIR* dir = ::fdopendir(::dup(parent_fd))) {
    while (const dirent* e = ::readdir(dir)) {
      if (IsStagingName(e->d_name, prefix)) names.emplace_back(e->d_name);
    }
    ::closedir(dir);
  }
  for (const std::string& name : names) {
    UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) continue;  // not a folder: not ours to judge
    StatusOr<bool> free = TryLock(fd.get(), LockMode::kExclusive);
    struct stat st;
    if (!free.ok() || !*free || ::fstat(fd.get(), &st) != 0) continue;
    // Only the folder we locked, should the name have been swapped since.
    TreeRemovalOptions only_it;
    only_it.only_inode = st.st_ino;
    RemoveTreeAt(parent_fd, name.c_str(), only_it);
  }
}

struct Location {
  std::string dir;     // as shown to people: "out", "data/out"
  std::string parent;  // the folder DIR lives in
  std::string base;    // DIR's name in it
};

StatusOr<Location> ParseLocation(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  if (!path.empty() && !path.has_filename()) path = path.parent_path();  // "out/" -> "out"
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  Location loc{path.string(), parent.string(), path.filename().string()};
  if (loc.base.empty() || loc.base == "." || loc.base == "..") {
    return OutputError(fmt::format("output folder '{}' must name a folder", dir));
  }
  return loc;
}

class LocalOutputStore final : public OutputStore {
 public:
  LocalOutputStore(Location loc, const OutputStoreOptions& options, UniqueFd parent_fd,
                   WriterLock lock)
      : loc_(std::move(loc)),
        options_(options),
        parent_fd_(std::move(parent_fd)),
        lock_(std::move(lock)) {}

  ~LocalOutputStore() override {
    if (!committed_ && !staging_name_.empty()) {
      cleanup_.Cancel();
      TreeRemovalOptions only_ours;
      only_ours.only_inode = staging_inode_;  // 0 (any) if it could not even be opened
      RemoveTreeAt(parent_fd_.get(), staging_name_.c_str(), only_ours);
    }
    staging_fd_.Reset();
    lock_.Release();
  }

  // Creates and locks the staging folder.
  Status CreateStaging();

  StatusOr<std::unique_ptr<ByteSink>> Create(std::string_view relative_path) override;
  Status LinkFile(int file_fd, std::string_view relative_path) override;
  std::string StagingPath() const override { return StagingDisplay(); }
  Status Commit() override;
  const std::string& location() const override { return loc_.dir; }

 private:
  std::string StagingDisplay() const { return (fs::path(loc_.parent) / staging_name_).string(); }
  StatusOr<UniqueFd> OpenFolders(const std::vector<std::string>& parts, size_t count);
  Status SyncStagedFolders();
  StatusOr<std::string> Swap(bool dir_exists);
  void RetireReplacedTree(const std::string& name);

  const Location loc_;
  const OutputStoreOptions options_;
  UniqueFd parent_fd_;
  WriterLock lock_;
  std::string staging_name_;
  UniqueFd staging_fd_;         // holds the exclusive flock that marks the staging folder live
  uint64_t staging_inode_ = 0;  // the staging folder's, once open
  SignalCleanup cleanup_;
  bool committed_ = false;
  Mutex mu_;
  std::set<std::string> folders_ ABSL_GUARDED_BY(mu_);  // created below the staging root
};

Status LocalOutputStore::CreateStaging() {
  const std::string prefix = StagingPrefix(loc_.base);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string name = fmt::format("{}{}-{}", prefix, ::getpid(), RandomToken());
    // Registered before it exists (the name is ours alone), so that no
    // signal falls between its creation and its registration.
    cleanup_ = SignalCleanup::Register(parent_fd_.get(), name, /*is_tree=*/true);
    if (::mkdirat(parent_fd_.get(), name.c_str(), 0755) != 0) {
      const int error = errno;
      cleanup_.Cancel();
      if (error == EEXIST) continue;
      return OutputError(
          fmt::format("cannot create a staging folder beside {}: {}", loc_.dir, ErrnoText(error)));
    }
    staging_name_ = name;
    staging_fd_.Reset(
        ::openat(parent_fd_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!staging_fd_.valid() || ::fstat(staging_fd_.get(), &st) != 0) {
      return OutputError(fmt::format("cannot open {}: {}", StagingDisplay(), ErrnoText(errno)));
    }
    // Once the exchange puts the replaced tree under this name, a signal
    // must not remove that unchecked (readers may hold it): pin the inode.
    staging_inode_ = st.st_ino;
    cleanup_.Retarget(st.st_ino);
    WV_ASSIGN_OR_RETURN(const bool locked, TryLock(staging_fd_.get(), LockMode::kExclusive));
    if (!locked) {
      return OutputError(fmt::format("{} is locked by another process", StagingDisplay()));
    }
    return OkStatus();
  }
  return OutputError(fmt::format("cannot find a free staging name beside {}", loc_.dir));
}

// Opens (creating as needed) the first `count` folders of `parts` below the
// staging root, never through a symbolic link.
StatusOr<UniqueFd> LocalOutputStore::OpenFolders(const std::vector<std::string>& parts,
                                                 size_t count) {
  UniqueFd current(::dup(staging_fd_.get()));
  std::string relative;
  for (size_t i = 0; i < count && current.valid(); ++i) {
    if (i > 0) relative += '/';
    relative += parts[i];
    if (::mkdirat(current.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
      return OutputError(fmt::format("cannot create folder {}/{}: {}", StagingDisplay(), relative,
                                     ErrnoText(errno)));
    }
    {
      MutexLock lock(&mu_);
      folders_.insert(relative);
    }
    current.Reset(
        ::openat(current.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!current.valid()) {
    return OutputError(
        fmt::format("cannot open folder {}/{}: {}", StagingDisplay(), relative, ErrnoText(errno)));
  }
  return current;
}

StatusOr<std::unique_ptr<ByteSink>> LocalOutputStore::Create(std::string_view relative_path) {
  std::vector<std::string> parts;
  for (const auto& part : fs::path(relative_path)) parts.push_back(part.string());
  if (parts.empty() || fs::path(relative_path).is_absolute()) {
    return InternalError(fmt::format("output path '{}' is not relative", relative_path));
  }
  for (const std::string& part : parts) {
    if (part == ".." || part == "." || part.empty()) {
      return InternalError(fmt::format("output path '{}' leaves the output folder", relative_path));
    }
  }
  if (committed_) return InternalError("Create() after Commit()");
  WV_ASSIGN_OR_RETURN(UniqueFd folder, OpenFolders(parts, parts.size() - 1));
  return OpenFileSinkAt(folder.get(), parts.back(),
                        fmt::format("{}/{}", StagingDisplay(), relative_path));
}

Status LocalOutputStore::LinkFile(int file_fd, std::string_view relative_path) {
  std::vector<std::string> parts;
  for (const auto& part : fs::path(relative_path)) parts.push_back(part.string());
  for (const std::string& part : parts) {
    if (part == ".." || part == "." || part.empty()) {
      return InternalError(fmt::format("output path '{}' leaves the output folder", relative_path));
    }
  }
  if (parts.empty() || fs::path(relative_path).is_absolute()) {
    return InternalError(fmt::format("output path '{}' is not relative", relative_path));
  }
  if (committed_) return InternalError("LinkFile() after Commit()");
  WV_ASSIGN_OR_RETURN(UniqueFd folder, OpenFolders(parts, parts.size() - 1));
  // Through /proc: linkat's AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH.
  const std::string from = fmt::format("/proc/self/fd/{}", file_fd);
  if (::linkat(AT_FDCWD, from.c_str(), folder.get(), parts.back().c_str(), AT_SYMLINK_FOLLOW) !=
      0) {
    return OutputError(fmt::format("cannot link {} into {}/{}: {}", relative_path, StagingDisplay(),
                                   relative_path, ErrnoText(errno)));
  }
  return OkStatus();
}

// Makes the staged folder entries durable before they are published.
Status LocalOutputStore::SyncStagedFolders() {
  std::set<std::string> folders;
  {
    MutexLock lock(&mu_);
    folders = folders_;
  }
  // An append stages a folder per day of the history (its links): the
  // folders are synced on a few threads at once, so that their waits for the
  // file system's journal overlap (they are I/O waits, not CPU work).
  const std::vector<std::string> list(folders.begin(), folders.end());
  std::vector<Status> synced(list.size());
  ParallelFor(list.size(), kSyncThreads, [&](size_t i, int) {
    UniqueFd fd(::openat(staging_fd_.get(), list[i].c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    synced[i] = fd.valid() ? SyncFd(fd.get(), StagingDisplay() + "/" + list[i])
                           : OutputError(fmt::format("cannot open {}/{}: {}", StagingDisplay(),
                                                     list[i], ErrnoText(errno)));
  });
  for (const Status& st : synced) WV_RETURN_IF_ERROR(st);
  return SyncFd(staging_fd_.get(), StagingDisplay());
}

// Puts the staging tree at DIR; returns the name (in the parent) of the tree
// it replaced, or "" when DIR did not exist.
StatusOr<std::string> LocalOutputStore::Swap(bool dir_exists) {
  const int parent = parent_fd_.get();
  if (!dir_exists) {
    if (RenameAt2(parent, staging_name_, loc_.base, RENAME_NOREPLACE) == 0) return std::string();
    if ((errno == EINVAL || errno == ENOSYS) &&
        ::renameat(parent, staging_name_.c_str(), parent, loc_.base.c_str()) == 0) {
      return std::string();
    }
    return OutputError(fmt::format("cannot move the new output into {}: {}", loc_.dir,
                                   errno == EEXIST || errno == ENOTEMPTY
                                       ? "it appeared while the run was writing"
                                       : ErrnoText(errno)));
  }
  if (RenameAt2(parent, staging_name_, loc_.base, RENAME_EXCHANGE) == 0) return staging_name_;
  if (errno != EINVAL && errno != ENOSYS) {
    return OutputError(
        fmt::format("cannot swap the new output into {}: {}", loc_.dir, ErrnoText(errno)));
  }
  // No atomic exchange on this file system: move the old tree aside, then the
  // new one in. DIR is absent for the moment in between.
  const std::string aside =
      fmt::format("{}{}-{}", StagingPrefix(loc_.base), ::getpid(), RandomToken());
  if (::renameat(parent, loc_.base.c_str(), parent, aside.c_str()) != 0) {
    return OutputError(fmt::format("cannot move {} aside: {}", loc_.dir, ErrnoText(errno)));
  }
  if (::renameat(parent, staging_name_.c_str(), parent, loc_.base.c_str()) != 0) {
    const int error = errno;
    ::renameat(parent, aside.c_str(), parent, loc_.base.c_str());
    return OutputError(
        fmt::format("cannot move the new output into {}: {}", loc_.dir, ErrnoText(error)));
  }
  return aside;
}

// Removes the tree a publish replaced, unless readers still hold it (the next
// run removes it then) or it is not ours (DIR was swapped for something else
// after the last inspection: it is kept, under a name no cleanup touches).
void LocalOutputStore::RetireReplacedTree(const std::string& name) {
  const int parent = parent_fd_.get();
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  const StatusOr<bool> free =
      fd.valid() ? TryLock(fd.get(), LockMode::kExclusive) : StatusOr<bool>(false);
  const bool ours = fd.valid() && InspectOutputFolder(fd.get(), loc_.dir, options_.manifest_name,
                                                      options_.is_own_manifest)
                                      .replaceable();
  if (!ours) {
    const std::string kept = "." + loc_.base + std::string(kKeptMarker) + RandomToken();
    ::renameat(parent, name.c_str(), parent, kept.c_str());
    std::fprintf(stderr,
                 "wordviews: warning: %s changed while it was published; what was there is kept "
                 "as %s\n",
                 loc_.dir.c_str(), (fs::path(loc_.parent) / kept).c_str());
    return;
  }
  struct stat st;
  if (!free.ok() || !*free || ::fstat(fd.get(), &st) != 0) return;  // readers hold it
  // Ours and locked, so nobody reads it: from here a signal removes it too.
  // Only the folder inspected goes, should the name have been swapped since.
  const SignalCleanup retiring = SignalCleanup::Register(parent, name, /*is_tree=*/true, st.st_ino);
  TreeRemovalOptions only_it;
  only_it.only_inode = st.st_ino;
  RemoveTreeAt(parent, name.c_str(), only_it);
}

Status LocalOutputStore::Commit() {
  if (committed_) return InternalError("Commit() called twice");
  WV_RETURN_IF_ERROR(SyncStagedFolders());
  // The writer lock keeps other runs out, not people: look again.
  const OutputInspection now =
      InspectOutput(loc_.dir, options_.manifest_name, options_.is_own_manifest);
  if (!now.replaceable()) {
    return OutputError(now.refusal +
                       "; it changed while the run was writing, nothing was published");
  }
  // After the exchange the staging name holds the replaced tree; the signal
  // cleanup, pinned to the staging inode, leaves that alone.
  WV_ASSIGN_OR_RETURN(const std::string replaced, Swap(now.kind != OutputKind::kAbsent));
  committed_ = true;
  staging_fd_.Reset();  // unlocks the published tree for readers
  if (!replaced.empty()) RetireReplacedTree(replaced);
  cleanup_.Cancel();
  return SyncFd(parent_fd_.get(), loc_.parent);
}

}  // namespace

std::string StagingPrefix(std::string_view base) {
  return fmt::format(".{}{}", base, kStagingMarker);
}

std::string WriterLockName(std::string_view base) { return fmt::format(".{}.wv-lock", base); }

StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir,
                                                            const OutputStoreOptions& options) {
  WV_RETURN_IF_ERROR(CheckOutputLocation(dir, options.inputs));
  WV_ASSIGN_OR_RETURN(Location loc, ParseLocation(dir));
  SignalCleanup::InstallHandlers();  // before anything a signal should remove exists
  // Refused before anything is created, the lock file included.
  const OutputInspection first =
      InspectOutput(loc.dir, options.manifest_name, options.is_own_manifest);
  if (!first.replaceable()) return OutputError(first.refusal);
  std::error_code ec;
  fs::create_directories(loc.parent, ec);
  if (ec && !fs::is_directory(loc.parent)) {
    return OutputError(fmt::format("cannot create {}: {}", loc.parent, ec.message()));
  }
  UniqueFd parent(::open(loc.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent.valid()) {
    return OutputError(fmt::format("cannot open {}: {}", loc.parent, ErrnoText(errno)));
  }
  WV_ASSIGN_OR_RETURN(WriterLock lock, WriterLock::Acquire(parent.get(), WriterLockName(loc.base),
                                                           loc.dir, options.wait_seconds));
  // Another writer may have finished while we waited; a person may have put
  // something else there.
  const OutputInspection locked =
      InspectOutput(loc.dir, options.manifest_name, options.is_own_manifest);
  if (!locked.replaceable()) return OutputError(locked.refusal);
  RemoveStaleStaging(parent.get(), loc.base);
  auto store = std::make_unique<LocalOutputStore>(std::move(loc), options, std::move(parent),
                                                  std::move(lock));
  WV_RETURN_IF_ERROR(store->CreateStaging());
  return std::unique_ptr<OutputStore>(std::move(store));
}

StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir) {
  return OpenLocalOutputStore(dir, OutputStoreOptions{});
}

}  // namespace wv::io
