#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/core.h"
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
  // The temporary is created exclusively: whatever already has its name (a
  // leftover of a killed run with our process id, or a link planted there) is
  // never truncated or followed; the next name is tried instead.
  SignalCleanup::InstallHandlers();
  constexpr int kAttempts = 100;
  for (int attempt = 0;; ++attempt) {
    std::string temporary = TemporaryPathFor(path);
    StatusOr<std::unique_ptr<ByteSink>> sink = OpenNewFileSink(temporary);
    struct stat st {};
    const bool name_taken = ::lstat(temporary.c_str(), &st) == 0;
    if (sink.ok()) {
      // Removed on SIGINT/SIGTERM too, but only while the name is the file we
      // created (st is that file: we just made it, exclusively).
      const uint64_t inode = name_taken ? st.st_ino : 0;
      SignalCleanup cleanup =
          SignalCleanup::Register(AT_FDCWD, temporary, /*is_tree=*/false, inode);
      return std::unique_ptr<StagedFile>(new StagedFile(
          path, std::move(temporary), inode, std::move(sink).value(), std::move(cleanup)));
    }
    if (!name_taken || attempt + 1 == kAttempts) {
      return Annotate(sink.status(), fmt::format("staging {}", path));
    }
  }
}

StagedFile::StagedFile(std::string path, std::string temporary_path, uint64_t temporary_inode,
                       std::unique_ptr<ByteSink> sink, SignalCleanup cleanup)
    : path_(std::move(path)),
      temporary_path_(std::move(temporary_path)),
      temporary_inode_(temporary_inode),
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
