#include "run/s3_append.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "fmt/core.h"
#include "io/output_store.h"
#include "io/s3_connection.h"
#include "io/s3_output_store.h"
#include "io/unique_fd.h"
#include "run/manifest.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "run/s3_output_copy.h"
#include "run/spill_folder.h"
#include "s3/location.h"

namespace wv::run {
namespace {

// Objects of the previous version copied at once.
constexpr int kCopyThreads = 4;
// Bytes read from a staged file per upload write.
constexpr size_t kUploadChunkBytes = size_t{4} << 20;

// A file of the previous version, by its name without the version.
struct PreviousObject {
  std::string published_name;
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
};
using PreviousObjects = std::map<std::string, PreviousObject>;

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InputError(fmt::format("cannot read {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteWholeFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return OutputError(fmt::format("cannot write {}", path));
  return OkStatus();
}

// Creates the folders of `relative` under `root`.
Status MakeParents(const std::string& root, std::string_view relative) {
  std::string path = root;
  size_t from = 0;
  for (size_t at; (at = relative.find('/', from)) != std::string_view::npos; from = at + 1) {
    path.append("/").append(relative.substr(from, at - from));
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return OutputError(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    }
  }
  return OkStatus();
}

Status NotAppendable(const std::string& url, std::string_view why) {
  return InputError(fmt::format(
      "{} cannot be appended to ({}); it was not made with `run --append` or `run --appendable` "
      "onto S3: rebuild it with `wordviews run --appendable --out {}` over all its inputs, then "
      "append to it",
      url, why, url));
}

// Moves the copied file `published` (under `copy`) to its name without the
// version (under `local`), records it in *previous and renames it in `f`.
Status Unversion(const std::string& url, const std::string& copy, const std::string& local,
                 const std::vector<std::string>& versions, FileRecord* f,
                 PreviousObjects* previous) {
  const std::optional<std::string> name = io::UnversionedName(f->path, versions);
  if (!name) return NotAppendable(url, fmt::format("'{}' carries no batch's version", f->path));
  const std::string_view file = std::string_view(*name).substr(name->rfind('/') + 1);
  if (file == "." || file == "..") {
    return InputError(fmt::format("{}: the manifest lists '{}', not a path of ours", url, f->path));
  }
  if (previous->contains(*name)) {
    return NotAppendable(url, fmt::format("two objects are named '{}' without version", *name));
  }
  WV_RETURN_IF_ERROR(MakeParents(local, *name));
  const std::string from = copy + "/" + f->path, to = local + "/" + *name;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return InputError(
        fmt::format("{}: the listed object '{}' could not be read ({}); see `wordviews check {}`",
                    url, f->path, std::strerror(errno), url));
  }
  (*previous)[*name] = PreviousObject{f->path, f->bytes, f->crc32};
  f->path = *name;
  return OkStatus();
}

// Copies the current version of `url` into `work` and makes `local` an
// ordinary local output of it (names without versions); the previous
// version's files by those names. Empty (and `local` absent) when `url` has
// no manifest: the append starts a new output.
StatusOr<PreviousObjects> CopyPreviousVersion(s3::S3Client& client, const s3::ObjectUrl& url,
                                              const std::string& work, const std::string& local) {
  const std::string manifest_key =
      url.key.empty() ? std::string(kManifestName) : fmt::format("{}/{}", url.key, kManifestName);
  s3::S3Result<s3::ObjectInfo> head = client.HeadObject(url.bucket, manifest_key);
  if (!head.ok() && head.Is(s3::S3ErrorType::kNoSuchKey)) return PreviousObjects();
  if (!head.ok()) return head.error().ToStatus(ErrorKind::kInput);
  const std::string copy = work + "/copy";
  if (::mkdir(copy.c_str(), 0700) != 0 || ::mkdir(local.c_str(), 0700) != 0) {
    return OutputError(fmt::format("cannot create {}: {}", copy, std::strerror(errno)));
  }
  WV_RETURN_IF_ERROR(CopyPublishedVersion(client, url, copy, kCopyThreads).status());
  WV_ASSIGN_OR_RETURN(const std::string text,
                      ReadWholeFile(fmt::format("{}/{}", copy, kManifestName)));
  WV_ASSIGN_OR_RETURN(Manifest m, ManifestFromJson(text));
  if (m.state_files.empty()) return NotAppendable(url.ToString(), "it keeps no append state");
  std::vector<std::string> versions{m.run_id};
  for (const BatchRecord& b : m.batches) versions.push_back(b.id);
  PreviousObjects previous;
  // Only paths the run writes: the copy never fetched others, and a path
  // that leaves the copy must not name a file of someone else's here.
  const auto refuse = [&](const std::string& path, const std::string& why) {
    return InputError(fmt::format("{}: the manifest lists '{}', not a path of ours ({})",
                                  url.ToString(), path, why));
  };
  for (TableRecord& t : m.tables) {
    for (FileRecord& f : t.files) {
      if (const std::string why = ListedPathProblem(t.name, f.path); !why.empty()) {
        return refuse(f.path, why);
      }
      WV_RETURN_IF_ERROR(Unversion(url.ToString(), copy, local, versions, &f, &previous));
    }
  }
  for (FileRecord& f : m.state_files) {
    if (const std::string why = StatePathProblem(f.path); !why.empty()) return refuse(f.path, why);
    WV_RETURN_IF_ERROR(Unversion(url.ToString(), copy, local, versions, &f, &previous));
  }
  WV_RETURN_IF_ERROR(WriteWholeFile(fmt::format("{}/{}", local, kManifestName), ManifestToJson(m)));
  return previous;
}

// Uploads the staged file `local/f.path` through `store`.
Status UploadFile(const std::string& local, const FileRecord& f, io::OutputStore* store) {
  const std::string path = local + "/" + f.path;
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    return InternalError(fmt::format("cannot open staged {}: {}", path, std::strerror(errno)));
  }
  WV_ASSIGN_OR_RETURN(std::unique_ptr<io::ByteSink> sink, store->Create(f.path));
  std::string buffer(kUploadChunkBytes, '\0');
  uint64_t sent = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InternalError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    if (n == 0) break;
    WV_RETURN_IF_ERROR(sink->Append(std::string_view(buffer.data(), static_cast<size_t>(n))));
    sent += static_cast<uint64_t>(n);
  }
  WV_RETURN_IF_ERROR(sink->Close());
  if (sent != f.bytes) {
    return InternalError(
        fmt::format("staged {}: {} bytes, the manifest lists {}", path, sent, f.bytes));
  }
  return OkStatus();
}

// Publishes one file of the new version: kept (the previous version's object,
// when the file is that one unchanged) or uploaded; `f` renamed to its
// published name.
Status PublishFile(const std::string& local, const PreviousObjects& previous,
                   io::OutputStore* store, FileRecord* f, int* kept) {
  const auto it = previous.find(f->path);
  if (it != previous.end() && it->second.bytes == f->bytes && it->second.crc32 == f->crc32) {
    WV_RETURN_IF_ERROR(store->KeepPublished(it->second.published_name, f->bytes));
    f->path = it->second.published_name;
    ++*kept;
    return OkStatus();
  }
  WV_RETURN_IF_ERROR(UploadFile(local, *f, store));
  f->path = store->PublishedName(f->path);
  return OkStatus();
}

// Publishes the version staged in `local` through `store` (the manifest last:
// the commit point); its manifest as published.
StatusOr<Manifest> PublishNewVersion(const std::string& local, const PreviousObjects& previous,
                                     io::OutputStore* store, int* kept) {
  WV_ASSIGN_OR_RETURN(const std::string text,
                      ReadWholeFile(fmt::format("{}/{}", local, kManifestName)));
  WV_ASSIGN_OR_RETURN(Manifest m, ManifestFromJson(text));
  for (TableRecord& t : m.tables) {
    for (FileRecord& f : t.files) WV_RETURN_IF_ERROR(PublishFile(local, previous, store, &f, kept));
  }
  for (FileRecord& f : m.state_files) {
    WV_RETURN_IF_ERROR(PublishFile(local, previous, store, &f, kept));
  }
  WV_ASSIGN_OR_RETURN(auto sink, store->Create(std::string(kManifestName)));
  WV_RETURN_IF_ERROR(sink->Append(ManifestToJson(m)));
  WV_RETURN_IF_ERROR(sink->Close());
  WV_RETURN_IF_ERROR(store->Commit());
  return m;
}

// `text` with the work folder's path replaced by the output's URL.
std::string Localize(std::string text, const std::string& local, const std::string& url) {
  for (size_t at; (at = text.find(local)) != std::string::npos;)
    text.replace(at, local.size(), url);
  return text;
}

}  // namespace

StatusOr<Manifest> PublishStagedToS3(const std::string& local, io::OutputStore* store) {
  int kept = 0;
  return PublishNewVersion(local, PreviousObjects(), store, &kept);
}

StatusOr<RunSummary> RunS3Append(const RunOptions& options, const std::vector<std::string>& inputs,
                                 const std::string& run_id, const RunObserver& observer) {
  const auto start = std::chrono::steady_clock::now();
  std::string url_text = options.out_dir;
  while (url_text.size() > 5 && url_text.back() == '/') url_text.pop_back();
  WV_ASSIGN_OR_RETURN(const s3::ObjectUrl url, s3::ParseS3Url(url_text));
  // First: the prefix must be ours, and the version seen now is the one the
  // manifest's conditional write will replace.
  WV_ASSIGN_OR_RETURN(std::unique_ptr<io::OutputStore> store,
                      io::OpenOutputStore(options.out_dir,
                                          RunOutputStoreOptions(inputs, options.wait_seconds,
                                                                run_id, options.s3_grace_seconds)));
  WV_ASSIGN_OR_RETURN(const std::shared_ptr<s3::S3Client> client, io::SharedS3Client());
  WV_ASSIGN_OR_RETURN(
      const std::unique_ptr<SpillFolder> work,
      SpillFolder::Create(options.tmp_dir.empty() ? DefaultSpillParent(options.out_dir)
                                                  : options.tmp_dir));
  const std::string local = work->path() + "/out";
  PreviousObjects previous;
  if (options.append) {
    observer.Stage("s3: copying the current version");
    StatusOr<PreviousObjects> copied = CopyPreviousVersion(*client, url, work->path(), local);
    if (!copied.ok()) {
      return Status(copied.status().kind(),
                    Localize(copied.status().message(), local, store->location()));
    }
    previous = std::move(copied).value();
  }

  RunOptions inner = options;
  inner.out_dir = local;
  inner.run_id = run_id;
  inner.tmp_dir = work->path();
  StatusOr<RunSummary> ran = RunPipeline(inner, observer);
  if (!ran.ok()) {
    return Status(ran.status().kind(), Localize(ran.status().message(), local, store->location()));
  }
  RunSummary summary = std::move(ran).value();
  summary.out_dir = store->location();
  if (summary.no_op) {
    summary.commit_note = Localize(summary.commit_note, local, store->location());
    return summary;  // nothing uploaded: the store goes uncommitted, with nothing to remove
  }

  observer.Stage("s3: publishing the new version");
  int kept = 0;
  WV_ASSIGN_OR_RETURN(summary.manifest, PublishNewVersion(local, previous, store.get(), &kept));
  summary.commit_note = fmt::format("{} object(s) of earlier batches kept as they are; {}", kept,
                                    store->CommitNote());
  // (not io::SharedS3Counters(): the local run configured the shared client anew)
  summary.s3 = client->counters();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace wv::run
