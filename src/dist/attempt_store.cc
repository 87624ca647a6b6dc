#include "dist/attempt_store.h"

#include <algorithm>
#include <filesystem>

#include "core/crc32.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/s3_connection.h"
#include "io/s3_sink.h"
#include "run/s3_output_copy.h"
#include "s3/location.h"

namespace wv::dist {
namespace {

constexpr size_t kReadBytes = size_t{8} << 20;  // one S3 part

// The relative paths of the regular files under `root`, sorted.
StatusOr<std::vector<std::string>> ListRelativeFiles(const std::string& root) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) {
      paths.push_back(std::filesystem::relative(it->path(), root).string());
    }
  }
  if (ec) return OutputError(fmt::format("{}: cannot list: {}", root, ec.message()));
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Reads local file `path` in pieces, passing each to `fn` (when given);
// returns its size and CRC-32.
StatusOr<WrittenFile> ReadFileInPieces(const std::string& path,
                                       const std::function<Status(std::string_view)>& fn) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(path));
  WrittenFile file;
  std::string buffer(kReadBytes, '\0');
  while (true) {
    WV_ASSIGN_OR_RETURN(const size_t n, source->Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    const std::string_view piece(buffer.data(), n);
    file.crc32 = Crc32(piece, file.crc32);
    file.bytes += n;
    if (fn) WV_RETURN_IF_ERROR(fn(piece));
  }
  return file;
}

std::string JoinUrl(const std::string& prefix, std::string_view relative) {
  return fmt::format("{}/{}", prefix, relative);
}

}  // namespace

StatusOr<std::vector<WrittenFile>> ListWrittenFiles(const std::string& root) {
  WV_ASSIGN_OR_RETURN(const std::vector<std::string> paths, ListRelativeFiles(root));
  std::vector<WrittenFile> files;
  for (const std::string& p : paths) {
    WV_ASSIGN_OR_RETURN(WrittenFile f, ReadFileInPieces(root + "/" + p, nullptr));
    f.path = p;
    files.push_back(std::move(f));
  }
  return files;
}

Status CheckAttemptPrefixUnused(const std::string& attempt_url) {
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl url, s3::ParseS3Url(attempt_url));
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  WV_ASSIGN_OR_RETURN(const std::vector<s3::ObjectSummary> objects,
                      client->ListObjectsV2(url.bucket, url.key + "/").Or(ErrorKind::kOutput));
  if (!objects.empty()) {
    return OutputError(fmt::format(
        "shard: the attempt prefix {} is already used (it holds s3://{}/{}): an attempt never "
        "writes where another one did",
        attempt_url, url.bucket, objects.front().key));
  }
  return OkStatus();
}

StatusOr<std::vector<WrittenFile>> PutAttemptFiles(const std::string& root,
                                                   const std::string& attempt_url) {
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  WV_ASSIGN_OR_RETURN(const std::vector<std::string> paths, ListRelativeFiles(root));
  io::S3SinkOptions options;
  options.put = s3::PutOptions::When(s3::WriteConditions::IfAbsent());
  std::vector<WrittenFile> files;
  for (const std::string& p : paths) {
    WV_ASSIGN_OR_RETURN(const std::unique_ptr<io::S3Sink> sink,
                        io::S3Sink::Open(client, JoinUrl(attempt_url, p), options));
    WV_ASSIGN_OR_RETURN(WrittenFile f,
                        ReadFileInPieces(root + "/" + p, [&sink](std::string_view piece) {
                          return sink->Append(piece);
                        }));
    WV_RETURN_IF_ERROR(sink->Close());
    f.path = p;
    f.etag = sink->etag();
    files.push_back(std::move(f));
  }
  return files;
}

Status ReportMismatch(const std::string& where, const WrittenFile& expected, uint64_t bytes,
                      uint32_t crc32) {
  return InputError(
      fmt::format("merge: {} differs from its attempt's report ({} bytes with CRC-32 {:08x}; the "
                  "report says {} "
                  "bytes, {:08x}): the attempt's files were changed after it reported",
                  where, bytes, crc32, expected.bytes, expected.crc32));
}

Status FetchAttemptFile(const std::string& attempt_url, const WrittenFile& expected,
                        const std::string& folder) {
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl url, s3::ParseS3Url(attempt_url));
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return OutputError(fmt::format("cannot create {}: {}", folder, ec.message()));
  WV_ASSIGN_OR_RETURN(
      const run::CopiedObject copied,
      run::CopyListedObject(*client, url, expected.path, expected.bytes, folder, expected.path));
  const std::string where = JoinUrl(attempt_url, expected.path);
  if (!copied.found) return InputError(fmt::format("merge: {}: no such object", where));
  if (copied.bytes != expected.bytes || copied.crc32 != expected.crc32) {
    return ReportMismatch(where, expected, copied.bytes, copied.crc32);
  }
  return OkStatus();
}

StatusOr<size_t> RemoveS3WorkPrefix(const std::string& work_url) {
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl url, s3::ParseS3Url(work_url));
  const std::string_view name = std::string_view(url.key).substr(url.key.rfind('/') + 1);
  if (!name.starts_with(".wv-dist-") || name.size() <= 9) {
    return UsageError(fmt::format(
        "{} is not a distributed run's work prefix (its last segment must start with .wv-dist-); "
        "nothing was removed",
        work_url));
  }
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  const std::string prefix = url.key + "/";
  WV_ASSIGN_OR_RETURN(const std::vector<s3::UploadSummary> uploads,
                      client->ListMultipartUploads(url.bucket, prefix).Or(ErrorKind::kOutput));
  for (const s3::UploadSummary& u : uploads) {
    if (!u.key.starts_with(prefix)) continue;
    WV_RETURN_IF_ERROR(
        client->AbortMultipartUpload(url.bucket, u.key, u.upload_id).Or(ErrorKind::kOutput));
  }
  WV_ASSIGN_OR_RETURN(const std::vector<s3::ObjectSummary> objects,
                      client->ListObjectsV2(url.bucket, prefix).Or(ErrorKind::kOutput));
  std::vector<std::string> keys;
  for (const s3::ObjectSummary& o : objects) {
    if (o.key.starts_with(prefix)) keys.push_back(o.key);
  }
  if (!keys.empty()) {
    WV_RETURN_IF_ERROR(client->DeleteObjects(url.bucket, keys).Or(ErrorKind::kOutput));
  }
  return keys.size();
}

}  // namespace wv::dist
