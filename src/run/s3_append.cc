#include "run/s3_append.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "io/output_store.h"
#include "io/s3_connection.h"
#include "io/s3_output_store.h"
#include "io/unique_fd.h"
#include "run/append.h"
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
using PreviousObjects = std::map<std::string, PreviousObject, std::less<>>;

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

Status NotAppendable(const std::string& url, std::string_view why) {
  return InputError(fmt::format(
      "{} cannot be appended to ({}); it was not made with `run --append` or `run --appendable` "
      "onto S3: rebuild it with `wordviews run --appendable --out {}` over all its inputs, then "
      "append to it",
      url, why, url));
}

// The previous version's files, by their names without the version, each
// fetched from its object into the partial copy when the append first reads
// it, and checked against the manifest's size and CRC-32: the append
// downloads what it reads, never what it only keeps. Thread-safe (a fetch
// writes a name of its own, then renames it into place).
class S3PreviousFiles final : public AbsentFileSource {
 public:
  S3PreviousFiles(s3::S3Client* client, s3::ObjectUrl url, PreviousObjects objects)
      : client_(client), url_(std::move(url)), objects_(std::move(objects)) {}

  const PreviousObjects& objects() const { return objects_; }

  bool Knows(std::string_view relative) const override { return objects_.contains(relative); }

  Status Fetch(std::string_view relative, const std::string& root) const override {
    const auto it = objects_.find(relative);
    if (it == objects_.end()) return InternalError(fmt::format("'{}' is not listed", relative));
    const PreviousObject& o = it->second;
    const std::string part = fmt::format("{}.fetch-{}", relative, next_part_.fetch_add(1));
    const std::string part_path = root + "/" + part, path = fmt::format("{}/{}", root, relative);
    StatusOr<CopiedObject> copied =
        CopyListedObject(*client_, url_, o.published_name, o.bytes, root, part);
    Status done = copied.status();
    const std::string object = fmt::format("{}/{}", url_.ToString(), o.published_name);
    if (done.ok() && !copied->found) {
      done = InputError(
          fmt::format("{}: listed by the manifest, but not there; see `wordviews check {}`", object,
                      url_.ToString()));
    } else if (done.ok() && (copied->bytes != o.bytes || copied->crc32 != o.crc32)) {
      done = InputError(fmt::format(
          "{}: {} bytes with CRC-32 {:08x}, the manifest lists {} bytes, {:08x}; see `wordviews "
          "check {}`",
          object, copied->bytes, copied->crc32, o.bytes, o.crc32, url_.ToString()));
    } else if (done.ok() && ::rename(part_path.c_str(), path.c_str()) != 0) {
      done = OutputError(fmt::format("cannot rename {}: {}", part_path, std::strerror(errno)));
    }
    if (!done.ok()) ::unlink(part_path.c_str());
    return done;
  }

 private:
  s3::S3Client* client_;
  const s3::ObjectUrl url_;
  const PreviousObjects objects_;
  mutable std::atomic<uint64_t> next_part_{0};
};

// Records the file `f` of the previous version under its name without the
// version in *previous, and renames it so in `f`.
Status Unversion(const std::string& url, const std::vector<std::string>& versions, FileRecord* f,
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
  (*previous)[*name] = PreviousObject{f->path, f->bytes, f->crc32};
  f->path = *name;
  return OkStatus();
}

// The previous version's files by their names without version, and its
// manifest so renamed.
StatusOr<PreviousObjects> UnversionManifest(const std::string& url, Manifest* m) {
  if (m->state_files.empty()) return NotAppendable(url, "it keeps no append state");
  std::vector<std::string> versions{m->run_id};
  for (const BatchRecord& b : m->batches) versions.push_back(b.id);
  PreviousObjects previous;
  // Only paths the run writes: a path that leaves the copy must not name a
  // file of someone else's here.
  const auto refuse = [&](const std::string& path, const std::string& why) {
    return InputError(
        fmt::format("{}: the manifest lists '{}', not a path of ours ({})", url, path, why));
  };
  for (TableRecord& t : m->tables) {
    for (FileRecord& f : t.files) {
      if (const std::string why = ListedPathProblem(t.name, f.path); !why.empty()) {
        return refuse(f.path, why);
      }
      WV_RETURN_IF_ERROR(Unversion(url, versions, &f, &previous));
    }
  }
  for (FileRecord& f : m->state_files) {
    if (const std::string why = StatePathProblem(f.path); !why.empty()) return refuse(f.path, why);
    WV_RETURN_IF_ERROR(Unversion(url, versions, &f, &previous));
  }
  return previous;
}

// Makes `local` a partial copy of the current version of `url`: its
// manifest with names without versions (an ordinary local output's), and
// the files the append reads whole before its ingest (FilesReadBeforeIngest,
// fetched at once); every other file is fetched when first read, through
// the result. Null (and `local` absent) when `url` has no manifest: the
// append starts a new output.
StatusOr<std::unique_ptr<S3PreviousFiles>> CopyPreviousVersion(s3::S3Client& client,
                                                               const s3::ObjectUrl& url,
                                                               const std::string& local) {
  WV_ASSIGN_OR_RETURN(const std::optional<std::string> text, GetPublishedManifest(client, url));
  if (!text) return std::unique_ptr<S3PreviousFiles>();
  StatusOr<Manifest> parsed = ManifestFromJson(*text);
  if (!parsed.ok()) {
    return Annotate(parsed.status(), fmt::format("{}/{}", url.ToString(), kManifestName));
  }
  Manifest m = std::move(parsed).value();
  WV_ASSIGN_OR_RETURN(PreviousObjects previous, UnversionManifest(url.ToString(), &m));
  if (::mkdir(local.c_str(), 0700) != 0) {
    return OutputError(fmt::format("cannot create {}: {}", local, std::strerror(errno)));
  }
  WV_RETURN_IF_ERROR(WriteWholeFile(fmt::format("{}/{}", local, kManifestName), ManifestToJson(m)));
  auto files = std::make_unique<S3PreviousFiles>(&client, url, std::move(previous));
  const std::vector<std::string> first = FilesReadBeforeIngest(m);
  Mutex mu;
  Status first_error;
  ParallelFor(first.size(), kCopyThreads, [&](size_t i, int) {
    Status fetched = files->Fetch(first[i], local);
    MutexLock lock(&mu);
    if (!fetched.ok() && first_error.ok()) first_error = std::move(fetched);
  });
  WV_RETURN_IF_ERROR(first_error);
  return files;
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
  std::unique_ptr<S3PreviousFiles> previous;
  if (options.append) {
    observer.Stage("s3: reading the current version");
    StatusOr<std::unique_ptr<S3PreviousFiles>> copied = CopyPreviousVersion(*client, url, local);
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
  inner.previous_files = previous.get();
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
  WV_ASSIGN_OR_RETURN(summary.manifest,
                      PublishNewVersion(local, previous ? previous->objects() : PreviousObjects(),
                                        store.get(), &kept));
  summary.commit_note = fmt::format("{} object(s) of earlier batches kept as they are; {}", kept,
                                    store->CommitNote());
  // (not io::SharedS3Counters(): the local run configured the shared client anew)
  summary.s3 = client->counters();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace wv::run
