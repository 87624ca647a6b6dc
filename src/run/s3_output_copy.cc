#include "run/s3_output_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/crc32.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "io/unique_fd.h"
#include "run/manifest.h"
#include "run/output_listing.h"

namespace wv::run {
namespace {

// One object to copy: its relative path and the size the manifest lists.
struct ListedObject {
  std::string path;
  uint64_t listed_bytes = 0;
};

std::string KeyOf(const s3::ObjectUrl& output, std::string_view relative) {
  if (output.key.empty()) return std::string(relative);
  return fmt::format("{}/{}", output.key, relative);
}

std::string UrlOf(const s3::ObjectUrl& output, std::string_view relative) {
  return fmt::format("s3://{}/{}", output.bucket, KeyOf(output, relative));
}

// The objects of the version: every listed file at a path the run writes.
std::vector<ListedObject> ObjectsOf(const Manifest& manifest) {
  std::vector<ListedObject> objects;
  for (const TableRecord& table : manifest.tables) {
    for (const FileRecord& file : table.files) {
      if (!ListedPathProblem(table.name, file.path).empty()) continue;
      objects.push_back({file.path, file.bytes});
    }
  }
  // The state `run --append` reads (run/append.h).
  for (const FileRecord& file : manifest.state_files) {
    if (!StatePathProblem(file.path).empty()) continue;
    objects.push_back({file.path, file.bytes});
  }
  return objects;
}

Status WriteAll(int fd, std::string_view bytes, const std::string& display) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return OutputError(fmt::format("{}: cannot write: {}", display, std::strerror(errno)));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

// Creates `relative` under `folder` (its folders as needed), never through
// anything already there.
StatusOr<io::UniqueFd> CreateLocalFile(const std::string& folder, std::string_view relative) {
  std::string path = folder;
  size_t from = 0;
  for (size_t at; (at = relative.find('/', from)) != std::string_view::npos; from = at + 1) {
    path.append("/").append(relative.substr(from, at - from));
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return OutputError(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    }
  }
  path.append("/").append(relative.substr(from));
  io::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return OutputError(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  return fd;
}

}  // namespace

StatusOr<CopiedObject> CopyListedObject(s3::S3Client& client, const s3::ObjectUrl& output,
                                        std::string_view key_relative, uint64_t listed_bytes,
                                        const std::string& folder, std::string_view relative) {
  const std::string key = KeyOf(output, key_relative);
  std::string chunk;
  // A small object in one GET; a large one in ranges, all bound to the ETag
  // the first range came with.
  const bool whole = listed_bytes <= kCopyRangeBytes;
  s3::S3Result<s3::ObjectInfo> first =
      client.GetObject(output.bucket, key, 0,
                       whole ? std::nullopt : std::optional<uint64_t>(kCopyRangeBytes), "", &chunk);
  if (first.Is(s3::S3ErrorType::kNoSuchKey)) return CopiedObject{};
  if (first.Is(s3::S3ErrorType::kInvalidRange)) {  // listed as large, but empty
    first = client.GetObject(output.bucket, key, 0, std::nullopt, "", &chunk);
  }
  WV_ASSIGN_OR_RETURN(const s3::ObjectInfo info, std::move(first).Or(ErrorKind::kInput));
  WV_ASSIGN_OR_RETURN(io::UniqueFd fd, CreateLocalFile(folder, relative));
  const std::string display = UrlOf(output, key_relative);
  CopiedObject copied{true, 0, 0};
  const auto write = [&]() -> Status {
    WV_RETURN_IF_ERROR(WriteAll(fd.get(), chunk, display));
    copied.crc32 = Crc32(chunk, copied.crc32);
    copied.bytes += chunk.size();
    return OkStatus();
  };
  WV_RETURN_IF_ERROR(write());
  while (copied.bytes < info.size) {
    WV_RETURN_IF_ERROR(
        client.GetObject(output.bucket, key, copied.bytes, kCopyRangeBytes, info.etag, &chunk)
            .Or(ErrorKind::kInput)
            .status());
    if (chunk.empty()) {
      return InputError(
          fmt::format("{}: the object ended at byte {} of {}", display, copied.bytes, info.size));
    }
    WV_RETURN_IF_ERROR(write());
  }
  return copied;
}

StatusOr<std::optional<std::string>> GetPublishedManifest(s3::S3Client& client,
                                                          const s3::ObjectUrl& output) {
  std::string text;
  s3::S3Result<s3::ObjectInfo> got =
      client.GetObject(output.bucket, KeyOf(output, kManifestName), 0, std::nullopt, "", &text);
  if (got.Is(s3::S3ErrorType::kNoSuchKey)) return std::optional<std::string>();
  WV_RETURN_IF_ERROR(std::move(got).Or(ErrorKind::kInput).status());
  return std::optional<std::string>(std::move(text));
}

StatusOr<S3CopyStats> CopyPublishedVersion(s3::S3Client& client, const s3::ObjectUrl& output,
                                           const std::string& folder, int threads) {
  WV_ASSIGN_OR_RETURN(const std::optional<std::string> got, GetPublishedManifest(client, output));
  if (!got) {
    return InputError(
        fmt::format("{}: no {} (not an output of `wordviews run`, or not published yet)",
                    output.ToString(), kManifestName));
  }
  const std::string& manifest_text = *got;
  StatusOr<Manifest> manifest = ManifestFromJson(manifest_text);
  if (!manifest.ok()) return Annotate(manifest.status(), UrlOf(output, kManifestName));

  const std::vector<ListedObject> objects = ObjectsOf(*manifest);
  Mutex mu;
  Status first_error;
  S3CopyStats stats;
  ParallelFor(objects.size(), std::max(1, threads), [&](size_t i, int) {
    {
      MutexLock lock(&mu);
      if (!first_error.ok()) return;
    }
    StatusOr<CopiedObject> copied = CopyListedObject(
        client, output, objects[i].path, objects[i].listed_bytes, folder, objects[i].path);
    MutexLock lock(&mu);
    if (!copied.ok()) {
      if (first_error.ok()) first_error = copied.status();
      return;
    }
    ++(copied->found ? stats.objects : stats.missing);
    stats.bytes += copied->bytes;
  });
  WV_RETURN_IF_ERROR(first_error);
  WV_ASSIGN_OR_RETURN(io::UniqueFd fd, CreateLocalFile(folder, kManifestName));
  WV_RETURN_IF_ERROR(WriteAll(fd.get(), manifest_text, UrlOf(output, kManifestName)));
  return stats;
}

}  // namespace wv::run
