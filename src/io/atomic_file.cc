#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "fmt/core.h"
#include "io/dir_lock.h"
#include "io/file_kind.h"
#include "io/local_files.h"
#include "io/s3_connection.h"
#include "s3/location.h"

namespace wv::io {
namespace {

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// ".NAME.tmp-PID-N" beside `path`: hidden, unique within the process, and in
// the same folder so that rename() onto `path` is atomic.
std::string TemporaryPathFor(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return HiddenSiblingPath(folder, base, ".tmp-");
}

// Whether `name` is exactly a temporary HiddenSiblingPath makes for `base`:
// ".BASE.tmp-<digits>-<digits>", nothing more or less.
bool IsTemporaryNameOf(std::string_view name, std::string_view base) {
  const std::string prefix = fmt::format(".{}.tmp-", base);
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = name.substr(prefix.size());
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == rest.size()) return false;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (i != dash && !std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  }
  return true;
}

// Removes `name` in `dir_fd` if it is an abandoned temporary: a regular file
// whose exclusive flock can be taken (every live StagedFile holds its own, and
// the kernel dropped the lock of a writer that died, even by SIGKILL), and
// still that file when it is unlinked.
void RemoveIfAbandoned(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat locked {};
  if (!fd.valid() || ::fstat(fd.get(), &locked) != 0 || !S_ISREG(locked.st_mode)) return;
  StatusOr<bool> taken = TryLock(fd.get(), LockMode::kExclusive);
  if (!taken.ok() || !*taken) return;
  struct stat named {};
  if (::fstatat(dir_fd, name, &named, AT_SYMLINK_NOFOLLOW) != 0 || named.st_ino != locked.st_ino ||
      named.st_dev != locked.st_dev) {
    return;
  }
  ::unlinkat(dir_fd, name, 0);
}

// Removes the temporaries of `path` that writers killed before they could
// remove them left behind (see StagedFile). Best effort: a folder that cannot
// be listed is left as it is.
void RemoveAbandonedTemporaries(const std::string& path) {
  const std::string folder = FolderOf(path);
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* listing = ::opendir(folder.c_str());
  if (listing == nullptr) return;
  while (const dirent* entry = ::readdir(listing)) {
    if (IsTemporaryNameOf(entry->d_name, base)) RemoveIfAbandoned(::dirfd(listing), entry->d_name);
  }
  ::closedir(listing);
}

// Locks the temporary just created at `temporary` (inode `inode`) for as
// long as its StagedFile lives, then checks that the name is still that file:
// another writer's RemoveAbandonedTemporaries may have taken the lock first,
// in the moment between creation and locking, and removed it. Returns the
// locked descriptor, or an invalid one when the file is gone (try a new name).
StatusOr<UniqueFd> LockTemporary(const std::string& temporary, uint64_t inode) {
  UniqueFd fd(::open(temporary.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || st.st_ino != inode) return UniqueFd();
  WV_RETURN_IF_ERROR(Lock(fd.get(), LockMode::kExclusive));
  if (::lstat(temporary.c_str(), &st) != 0 || st.st_ino != inode) return UniqueFd();
  return fd;
}

}  // namespace

Status CheckReplaceableFile(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return OkStatus();
    return OutputError(fmt::format("cannot inspect {}: {}", path, std::strerror(errno)));
  }
  if (S_ISREG(st.st_mode)) return OkStatus();
  return OutputError(fmt::format("{} is {}; wordviews replaces only regular files", path,
                                 FileKindName(st.st_mode)));
}

StatusOr<std::unique_ptr<StagedFile>> StagedFile::Create(const std::string& path) {
  if (path == "-") return InternalError("StagedFile::Create: standard output is not a file");
  if (path.empty()) return OutputError("no output file name given");
  WV_RETURN_IF_ERROR(CheckReplaceableFile(path));
  SignalCleanup::InstallHandlers();
  RemoveAbandonedTemporaries(path);
  // The temporary is created exclusively: whatever already has its name (a
  // leftover with our process id, or a link planted there) is never
  // truncated or followed; the next name is tried instead.
  constexpr int kAttempts = 100;
  for (int attempt = 0;; ++attempt) {
    std::string temporary = TemporaryPathFor(path);
    StatusOr<std::unique_ptr<ByteSink>> sink = OpenNewFileSink(temporary);
    struct stat st {};
    const bool name_taken = ::lstat(temporary.c_str(), &st) == 0;
    if (sink.ok() && name_taken) {
      WV_ASSIGN_OR_RETURN(UniqueFd lock, LockTemporary(temporary, st.st_ino));
      if (!lock.valid()) continue;  // removed as abandoned before we locked it
      // Removed on SIGINT/SIGTERM too, but only while the name is the file we
      // created (st is that file: we just made it, exclusively).
      SignalCleanup cleanup =
          SignalCleanup::Register(AT_FDCWD, temporary, /*is_tree=*/false, st.st_ino);
      return std::unique_ptr<StagedFile>(new StagedFile(path, std::move(temporary), st.st_ino,
                                                        std::move(lock), std::move(sink).value(),
                                                        std::move(cleanup)));
    }
    if (!name_taken || attempt + 1 == kAttempts) {
      if (sink.ok()) return OutputError(fmt::format("staging {}: {} vanished", path, temporary));
      return Annotate(sink.status(), fmt::format("staging {}", path));
    }
  }
}

StagedFile::StagedFile(std::string path, std::string temporary_path, uint64_t temporary_inode,
                       UniqueFd temporary_lock, std::unique_ptr<ByteSink> sink,
                       SignalCleanup cleanup)
    : path_(std::move(path)),
      temporary_path_(std::move(temporary_path)),
      temporary_inode_(temporary_inode),
      temporary_lock_(std::move(temporary_lock)),
      sink_(std::move(sink)),
      cleanup_(std::move(cleanup)) {}

StagedFile::~StagedFile() {
  if (committed_) return;
  sink_.reset();  // closes the descriptor if the caller never took the sink
  // Only the file we created: a name swapped meanwhile holds someone else's.
  struct stat st {};
  if (temporary_inode_ != 0 &&
      (::lstat(temporary_path_.c_str(), &st) != 0 || st.st_ino != temporary_inode_)) {
    return;
  }
  ::unlink(temporary_path_.c_str());
}

Status StagedFile::Commit() {
  if (committed_) return InternalError(fmt::format("{}: committed twice", path_));
  // The final path may have changed kind while we wrote (a FIFO put there):
  // check again just before the rename.
  WV_RETURN_IF_ERROR(CheckReplaceableFile(path_));
  if (::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    return OutputError(
        fmt::format("cannot rename {} to {}: {}", temporary_path_, path_, std::strerror(errno)));
  }
  committed_ = true;
  cleanup_.Cancel();
  temporary_lock_.Reset();
  return SyncFolder(FolderOf(path_));
}

namespace {

// One PUT: S3 shows an object whole or not at all.
Status PublishS3Object(const std::string& url, std::string_view contents) {
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl object, s3::ParseS3Url(url));
  if (object.key.empty() || object.key.back() == '/') {
    return UsageError(fmt::format("{}: name an object, not a bucket or a prefix", url));
  }
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, SharedS3Client());
  s3::PutOptions put;
  put.content_type = object.key.ends_with(".html") ? "text/html; charset=utf-8" : "";
  return client->PutObject(object.bucket, object.key, contents, put)
      .Or(ErrorKind::kOutput)
      .status();
}

}  // namespace

Status PublishFileAtomically(const std::string& path, std::string_view contents) {
  if (s3::IsS3Url(path)) return PublishS3Object(path, contents);
  if (path == "-") {
    WV_ASSIGN_OR_RETURN(std::unique_ptr<ByteSink> out, OpenFileSink("-"));
    WV_RETURN_IF_ERROR(out->Append(contents));
    return out->Close();
  }
  WV_ASSIGN_OR_RETURN(std::unique_ptr<StagedFile> file, StagedFile::Create(path));
  std::unique_ptr<ByteSink> sink = file->TakeSink();
  WV_RETURN_IF_ERROR(sink->Append(contents));
  WV_RETURN_IF_ERROR(sink->Close());
  return file->Commit();
}

}  // namespace wv::io
