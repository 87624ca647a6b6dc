#include "run/published_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/dir_lock.h"
#include "io/s3_connection.h"
#include "run/output_listing.h"
#include "run/s3_output_copy.h"
#include "s3/location.h"

namespace wv::run {
namespace {

// Objects an S3 output's copy fetches at once: requests overlap their
// latencies, whatever the cores.
constexpr int kS3CopyThreads = 8;

// Each retry means a publish exchanged DIR between our open and our lock;
// publishes take seconds, so a few retries always suffice.
constexpr int kMaxOpenAttempts = 64;

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string WithoutTrailingSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

Status CheckRelative(const std::string& dir, std::string_view relative) {
  if (relative.empty() || relative.front() == '/') {
    return InputError(fmt::format("{}: path '{}' is not relative to the output", dir, relative));
  }
  for (const auto& part : std::filesystem::path(relative)) {
    if (part == ".." || part == "." || part.empty()) {
      return InputError(fmt::format("{}: path '{}' leaves the output folder", dir, relative));
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<PublishedOutput>> PublishedOutput::Open(const std::string& dir) {
  if (s3::IsS3Url(dir)) return OpenS3(dir);
  return OpenLocal(dir);
}

StatusOr<std::unique_ptr<PublishedOutput>> PublishedOutput::OpenS3(const std::string& url) {
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl output, s3::ParseS3Url(WithoutTrailingSlash(url)));
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  WV_ASSIGN_OR_RETURN(std::unique_ptr<io::TempFolder> copy,
                      io::TempFolder::Create("wordviews-s3-"));
  WV_RETURN_IF_ERROR(CopyPublishedVersion(*client, output, copy->path(), kS3CopyThreads).status());
  WV_ASSIGN_OR_RETURN(std::unique_ptr<PublishedOutput> out, OpenLocal(copy->path()));
  out->dir_ = output.ToString();
  out->copy_ = std::move(copy);
  out->manifest_status_ = out->Localize(out->manifest_status_);
  return out;
}

StatusOr<std::unique_ptr<PublishedOutput>> PublishedOutput::OpenLocal(const std::string& dir) {
  for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
    io::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) {
        return InputError(fmt::format(
            "{}: no such directory (expected the output folder of `wordviews run`)", dir));
      }
      if (errno == ENOTDIR) return InputError(fmt::format("{} is not a folder", dir));
      return InputError(fmt::format("cannot open {}: {}", dir, std::strerror(errno)));
    }
    // Without flock support (some network file systems) the version is
    // still pinned by the descriptor, but a publish may delete it meanwhile.
    (void)io::Lock(fd.get(), io::LockMode::kShared);
    struct stat by_fd, by_name;
    if (::fstat(fd.get(), &by_fd) != 0) {
      return InputError(fmt::format("cannot inspect {}: {}", dir, std::strerror(errno)));
    }
    if (::stat(dir.c_str(), &by_name) != 0 || !SameFile(by_fd, by_name)) continue;
    auto out = std::unique_ptr<PublishedOutput>(new PublishedOutput(dir, std::move(fd)));
    out->LoadManifest();
    return out;
  }
  return InputError(
      fmt::format("{} was republished {} times while it was being opened", dir, kMaxOpenAttempts));
}

StatusOr<std::unique_ptr<PublishedOutput>> PublishedOutput::OpenUnpublished(
    const std::string& dir, const AbsentFileSource* absent) {
  io::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return InputError(fmt::format("cannot open {}: {}", dir, std::strerror(errno)));
  auto out = std::unique_ptr<PublishedOutput>(new PublishedOutput(dir, std::move(fd)));
  out->manifest_status_ = InputError(fmt::format("{} is not published yet", dir));
  out->absent_ = absent;
  return out;
}

StatusOr<std::unique_ptr<PublishedOutput>> PublishedOutput::OpenPartial(
    const std::string& dir, const AbsentFileSource* absent) {
  WV_ASSIGN_OR_RETURN(std::unique_ptr<PublishedOutput> out, OpenLocal(dir));
  out->absent_ = absent;
  return out;
}

bool PublishedOutput::IsAbsent(std::string_view relative) const {
  if (absent_ == nullptr || !absent_->Knows(relative) || !CheckRelative(dir_, relative).ok()) {
    return false;
  }
  struct stat st;
  return ::fstatat(fd_.get(), std::string(relative).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
         errno == ENOENT;
}

Status PublishedOutput::Fetch(std::string_view relative) const {
  if (!IsAbsent(relative)) return OkStatus();
  return absent_->Fetch(relative, root_);
}

PublishedOutput::PublishedOutput(std::string dir, io::UniqueFd fd)
    : dir_(WithoutTrailingSlash(std::move(dir))), fd_(std::move(fd)) {
  root_ = fmt::format("/proc/self/fd/{}", fd_.get());
  struct stat by_fd, by_proc;
  pinned_ = ::fstat(fd_.get(), &by_fd) == 0 && ::stat(root_.c_str(), &by_proc) == 0 &&
            SameFile(by_fd, by_proc);
  if (!pinned_) root_ = dir_;
}

void PublishedOutput::LoadManifest() {
  const std::string path = fmt::format("{}/{}", dir_, kManifestName);
  StatusOr<std::string> text = ReadFile(kManifestName);
  if (!text.ok()) {
    manifest_status_ = InputError(fmt::format("cannot open {}", path));
    return;
  }
  StatusOr<Manifest> parsed = ManifestFromJson(*text);
  if (!parsed.ok()) {
    manifest_status_ = Annotate(parsed.status(), path);
    return;
  }
  manifest_ = std::move(parsed).value();
}

StatusOr<io::UniqueFd> PublishedOutput::OpenFile(std::string_view relative) const {
  WV_RETURN_IF_ERROR(CheckRelative(dir_, relative));
  WV_RETURN_IF_ERROR(Fetch(relative));
  const std::string display = fmt::format("{}/{}", dir_, relative);
  std::vector<std::string> parts;
  for (const auto& part : std::filesystem::path(relative)) parts.push_back(part.string());
  io::UniqueFd folder(::dup(fd_.get()));
  for (size_t i = 0; i + 1 < parts.size() && folder.valid(); ++i) {
    folder.Reset(
        ::openat(folder.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  // O_NONBLOCK: a FIFO planted in the output must not hang the reader.
  io::UniqueFd file(folder.valid() ? ::openat(folder.get(), parts.back().c_str(),
                                              O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                                   : -1);
  if (!file.valid()) {
    const int error = errno;
    return InputError(fmt::format("{}: cannot open: {}", display,
                                  error == ELOOP || error == ENOTDIR
                                      ? "the path passes a symbolic link or a non-folder"
                                      : std::strerror(error)));
  }
  struct stat st;
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InputError(fmt::format("{}: not a regular file", display));
  }
  ::fcntl(file.get(), F_SETFL, ::fcntl(file.get(), F_GETFL) & ~O_NONBLOCK);
  return file;
}

StatusOr<std::string> PublishedOutput::ReadFile(std::string_view relative) const {
  WV_ASSIGN_OR_RETURN(io::UniqueFd file, OpenFile(relative));
  const std::unique_ptr<io::ByteSource> source =
      io::OpenDescriptorSource(std::move(file), fmt::format("{}/{}", dir_, relative));
  return io::ReadAll(*source);
}

std::string PublishedOutput::PathOf(std::string_view relative) const {
  if (relative.empty()) return root_;
  return fmt::format("{}/{}", root_, relative);
}

namespace {

// `text` with every whole occurrence of `from` (not followed by a digit: fd 1
// is not fd 12) replaced by `to`.
std::string ReplacePath(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  size_t done = 0;
  for (size_t at; (at = text.find(from, done)) != std::string::npos;) {
    const size_t end = at + from.size();
    const bool whole = end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]));
    out.append(text, done, at - done).append(whole ? to : from);
    done = end;
  }
  out.append(text, done);
  return out;
}

}  // namespace

Status PublishedOutput::Localize(const Status& status) const {
  if (status.ok()) return status;
  std::string text = status.message();
  if (pinned_) text = ReplacePath(text, root_, dir_);
  if (copy_ != nullptr) text = ReplacePath(text, copy_->path(), dir_);
  return Status(status.kind(), text);
}

bool IsOwnManifest(std::string_view manifest_text) { return ManifestFromJson(manifest_text).ok(); }

std::optional<io::ListedVersion> ListOwnManifest(std::string_view manifest_text) {
  StatusOr<Manifest> manifest = ManifestFromJson(manifest_text);
  if (!manifest.ok()) return std::nullopt;
  io::ListedVersion listed;
  listed.version = manifest->run_id;
  for (const TableRecord& table : manifest->tables) {
    for (const FileRecord& file : table.files) listed.paths.push_back(file.path);
  }
  for (const FileRecord& file : manifest->state_files) listed.paths.push_back(file.path);
  return listed;
}

io::OutputStoreOptions RunOutputStoreOptions(const std::vector<std::string>& inputs,
                                             double wait_seconds, const std::string& run_id,
                                             double grace_seconds) {
  io::OutputStoreOptions options;
  options.is_own_manifest = IsOwnManifest;
  options.manifest_name = std::string(kManifestName);
  options.inputs = inputs;
  options.wait_seconds = wait_seconds;
  options.list_manifest = ListOwnManifest;
  options.version = run_id;
  options.grace_seconds = grace_seconds;
  options.kept_names = {std::string(kReportName)};
  return options;
}

}  // namespace wv::run
