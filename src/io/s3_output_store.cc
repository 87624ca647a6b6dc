#include "io/s3_output_store.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "io/s3_connection.h"
#include "io/s3_sink.h"
#include "io/signal_cleanup.h"
#include "nlohmann/json.hpp"
#include "s3/location.h"

namespace wv::io {
namespace {

// Multipart parts: every part but the last at least S3's 5 MiB minimum.
constexpr size_t kPartBytes = size_t{8} << 20;
// Parts of one object uploading while the next fills: memory per open
// object is at most (1 + kPartsInFlight) * kPartBytes.
constexpr int kPartsInFlight = 2;
// Requests of the commit and the clean-up (completions, deletes) at once.
constexpr int kCommitThreads = 8;

int64_t LocalNow() { return static_cast<int64_t>(std::time(nullptr)); }

// The manifest is held in memory and written by Commit(), last.
class MemorySink : public ByteSink {
 public:
  explicit MemorySink(std::shared_ptr<std::string> bytes) : bytes_(std::move(bytes)) {}
  Status Append(std::string_view bytes) override {
    bytes_->append(bytes);
    return OkStatus();
  }
  Status Close() override { return OkStatus(); }
  uint64_t bytes_written() const override { return bytes_->size(); }

 private:
  std::shared_ptr<std::string> bytes_;
};

// ---- The store ----

// What the prefix held when the store looked.
struct VersionSeen {
  bool exists = false;         // a manifest of ours is there
  std::string etag;            // its ETag, for If-Match
  int64_t committed = 0;       // its LastModified: when that version became current
  std::set<std::string> keys;  // every key of that version (tables, Redshift manifests)
};

// What a clean-up may remove.
struct CleanupRule {
  const std::set<std::string>* current = nullptr;   // kept
  const std::set<std::string>* previous = nullptr;  // superseded at `current_since`
  int64_t current_since = 0;
  // Every other unlisted object was superseded at or before this time (or
  // never belonged to a version).
  int64_t others_superseded_by = 0;
  int64_t now = 0;  // on the clock the ages are measured on
};

class S3OutputStore final : public OutputStore {
 public:
  S3OutputStore(std::shared_ptr<s3::S3Client> client, s3::ObjectUrl output,
                const OutputStoreOptions& options)
      : client_(std::move(client)),
        output_(std::move(output)),
        url_(output_.ToString()),
        options_(options),
        manifest_bytes_(std::make_shared<std::string>()) {}

  ~S3OutputStore() override {
    {
      MutexLock commit(&commit_mu_);
      if (!committed_ && !commit_unknown_) RemoveOwnObjects();
    }
    on_signal_.reset();  // after the lock: a signal's work may be waiting for it
  }

  Status Open() {
    WV_RETURN_IF_ERROR(InspectPrefix());
    // One per process (a run has one store); a second store at once (tests)
    // goes without, and what a signal leaves of it a later run removes.
    StatusOr<std::unique_ptr<DeferredSignalWork>> on_signal =
        DeferredSignalWork::Start([this] { OnSignal(); });
    if (on_signal.ok()) on_signal_ = std::move(on_signal).value();
    // At the start, ages on the local clock, less the skew S3 would allow.
    const int64_t now = LocalNow() - kClockSkewAllowance;
    CleanupRule rule;
    rule.current = &seen_.keys;
    rule.others_superseded_by = seen_.exists ? seen_.committed : 0;
    rule.now = now;
    CleanUp(rule);
    return OkStatus();
  }

  StatusOr<std::unique_ptr<ByteSink>> Create(std::string_view relative) override {
    if (relative == options_.manifest_name) {
      return std::unique_ptr<ByteSink>(new MemorySink(manifest_bytes_));
    }
    const std::string key = KeyOf(PublishedName(relative));
    {
      MutexLock lock(&mu_);
      if (interrupted_) return OutputError(fmt::format("{}: interrupted", url_));
    }
    // Every table object is a multipart upload whose parts go up while the
    // file is written, completed only by Commit() (io/s3_sink.h).
    S3SinkOptions sink;
    sink.part_bytes = kPartBytes;
    sink.parts_in_flight = kPartsInFlight;
    sink.put.content_type = "application/octet-stream";
    sink.defer_completion = true;
    WV_ASSIGN_OR_RETURN(std::unique_ptr<S3Sink> opened,
                        S3Sink::Open(client_, s3::ObjectUrl{output_.bucket, key}.ToString(), sink));
    std::shared_ptr<S3Sink> upload(std::move(opened));
    MutexLock lock(&mu_);
    uploads_.push_back(upload);
    return std::unique_ptr<ByteSink>(new SharedSink(upload));
  }

  Status KeepPublished(std::string_view published_name, uint64_t bytes) override {
    const std::string key = KeyOf(published_name);
    if (seen_.keys.count(key) == 0) {
      return OutputError(fmt::format(
          "{}: '{}' is not an object of the version this run started from (another run may have "
          "published meanwhile); nothing of this run was published",
          url_, published_name));
    }
    MutexLock lock(&mu_);
    kept_[key] = bytes;
    return OkStatus();
  }

  std::string PublishedName(std::string_view relative) const override {
    return VersionedName(relative, options_.version);
  }

  Status Commit() override {
    MutexLock commit(&commit_mu_);
    {
      MutexLock lock(&mu_);
      if (interrupted_) return OutputError(fmt::format("{}: interrupted", url_));
    }
    WV_RETURN_IF_ERROR(CheckNoOtherCommit());
    using Sizes = std::map<std::string, uint64_t>;
    WV_ASSIGN_OR_RETURN(Sizes sizes, CompleteUploads());
    {
      MutexLock lock(&mu_);
      sizes.insert(kept_.begin(), kept_.end());  // listed again, not written again
    }
    WV_RETURN_IF_ERROR(WriteRedshiftManifests(sizes));
    WV_RETURN_IF_ERROR(WriteManifest());
    committed_ = true;
    CleanUpAfterCommit();
    return OkStatus();
  }

  const std::string& location() const override { return url_; }
  std::string CommitNote() const override { return note_; }

 private:
  // The caller's handle on an upload the store also keeps.
  class SharedSink : public ByteSink {
   public:
    explicit SharedSink(std::shared_ptr<S3Sink> upload) : upload_(std::move(upload)) {}
    Status Append(std::string_view bytes) override { return upload_->Append(bytes); }
    Status Close() override { return upload_->Close(); }
    uint64_t bytes_written() const override { return upload_->bytes_written(); }

   private:
    std::shared_ptr<S3Sink> upload_;
  };

  std::string KeyOf(std::string_view relative) const {
    if (output_.key.empty()) return std::string(relative);
    return fmt::format("{}/{}", output_.key, relative);
  }
  std::string ListPrefix() const { return output_.key.empty() ? "" : output_.key + "/"; }
  // True for a key this run names (VersionedName/RedshiftManifestName: the
  // version right before the extension), never for one that merely contains
  // the version somewhere: the prefix holds earlier batches' objects, kept.
  bool OfThisVersion(std::string_view key) const {
    return UnversionedName(key, {options_.version}).has_value();
  }
  std::string ManifestKey() const { return KeyOf(options_.manifest_name); }

  // The keys of a version: its files and its Redshift manifests.
  std::set<std::string> KeysOf(const ListedVersion& listed) const {
    std::set<std::string> keys;
    for (const std::string& path : listed.paths) {
      keys.insert(KeyOf(path));
      keys.insert(KeyOf(RedshiftManifestName(path.substr(0, path.find('/')), listed.version)));
    }
    return keys;
  }

  Status Refuse(const std::string& why) const {
    return OutputError(
        fmt::format("{} is not a wordviews output ({}); refusing to write there", url_, why));
  }

  // Ours only: a manifest of ours, or no object at all.
  Status InspectPrefix() {
    std::string text;
    s3::S3Result<s3::ObjectInfo> got =
        client_->GetObject(output_.bucket, ManifestKey(), 0, std::nullopt, "", &text);
    if (got.ok()) {
      std::optional<ListedVersion> listed = options_.list_manifest(text);
      if (!listed) {
        return Refuse(fmt::format("its {} is not a wordviews manifest", options_.manifest_name));
      }
      seen_.exists = true;
      seen_.etag = got->etag;
      seen_.committed = got->last_modified;
      seen_.keys = KeysOf(*listed);
      return OkStatus();
    }
    if (!got.Is(s3::S3ErrorType::kNoSuchKey)) return got.error().ToStatus(ErrorKind::kOutput);
    WV_ASSIGN_OR_RETURN(
        const std::vector<s3::ObjectSummary> objects,
        client_->ListObjectsV2(output_.bucket, ListPrefix()).Or(ErrorKind::kOutput));
    if (!objects.empty()) {
      return Refuse(fmt::format("it holds {} object(s), e.g. '{}', and no {}", objects.size(),
                                objects.front().key, options_.manifest_name));
    }
    return OkStatus();
  }

  // A cheap early look: another writer's commit since the start makes ours
  // fail at the conditional write anyway; found now, nothing is completed.
  Status CheckNoOtherCommit() {
    s3::S3Result<s3::ObjectInfo> head = client_->HeadObject(output_.bucket, ManifestKey());
    const bool exists = head.ok();
    if (!exists && !head.Is(s3::S3ErrorType::kNoSuchKey)) {
      return head.error().ToStatus(ErrorKind::kOutput);
    }
    if (exists != seen_.exists || (exists && head->etag != seen_.etag)) return LostRace();
    return OkStatus();
  }

  Status LostRace() {
    RemoveOwnObjects();
    return OutputError(fmt::format(
        "another run published {} while this one was writing it; this run's objects were "
        "removed and nothing of it was published (the other run's output is intact)",
        url_));
  }

  // Completes every upload (in parallel); the published size of each key.
  StatusOr<std::map<std::string, uint64_t>> CompleteUploads() {
    std::vector<std::shared_ptr<S3Sink>> uploads;
    {
      MutexLock lock(&mu_);
      uploads = uploads_;
    }
    Mutex results_mu;
    Status first_error;
    std::map<std::string, uint64_t> sizes;
    ParallelFor(uploads.size(), kCommitThreads, [&](size_t i, int) {
      s3::S3Result<std::string> done = uploads[i]->Complete();
      MutexLock lock(&results_mu);
      if (done.ok()) {
        sizes[uploads[i]->key()] = uploads[i]->bytes_written();
      } else if (first_error.ok()) {
        first_error = done.error().ToStatus(ErrorKind::kOutput);
      }
    });
    if (!first_error.ok()) {
      RemoveOwnObjects();
      return first_error;
    }
    return sizes;
  }

  // One Redshift COPY manifest per table, listing exactly its objects.
  Status WriteRedshiftManifests(const std::map<std::string, uint64_t>& sizes) {
    std::map<std::string, nlohmann::json> entries;  // by table
    const size_t skip = ListPrefix().size();
    for (const auto& [key, bytes] : sizes) {
      const std::string relative = key.substr(skip);
      if (relative.starts_with("_state/")) continue;  // the append's state: no table
      entries[relative.substr(0, relative.find('/'))].push_back(
          {{"url", fmt::format("s3://{}/{}", output_.bucket, key)},
           {"mandatory", true},
           {"meta", {{"content_length", bytes}}}});
    }
    for (const auto& [table, list] : entries) {
      const nlohmann::json manifest = {{"entries", list}};
      s3::PutOptions put = s3::PutOptions::When(s3::WriteConditions::IfAbsent());
      put.content_type = "application/json";
      s3::S3Result<std::string> written =
          client_->PutObject(output_.bucket, KeyOf(RedshiftManifestName(table, options_.version)),
                             manifest.dump(2) + "\n", put);
      if (!written.ok()) {
        RemoveOwnObjects();
        return written.error().ToStatus(ErrorKind::kOutput);
      }
    }
    return OkStatus();
  }

  // The commit point: the manifest, written only over the version seen at the start.
  Status WriteManifest() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_) {
    s3::PutOptions put = s3::PutOptions::When(
        seen_.exists ? s3::WriteConditions::IfMatch(seen_.etag) : s3::WriteConditions::IfAbsent());
    put.content_type = "application/json";
    s3::S3Result<std::string> written =
        client_->PutObject(output_.bucket, ManifestKey(), *manifest_bytes_, put);
    if (written.ok()) return OkStatus();
    // A retried write whose first attempt succeeded is refused by its own
    // condition: the manifest there is then ours. Only the manifest itself
    // tells a lost race from a won one.
    std::string there;
    s3::S3Result<s3::ObjectInfo> now =
        client_->GetObject(output_.bucket, ManifestKey(), 0, std::nullopt, "", &there);
    if (now.ok() && there == *manifest_bytes_) return OkStatus();
    if (now.ok() || now.Is(s3::S3ErrorType::kNoSuchKey)) {
      if (written.Is(s3::S3ErrorType::kPreconditionFailed)) return LostRace();
      RemoveOwnObjects();
      return written.error().ToStatus(ErrorKind::kOutput);
    }
    commit_unknown_ = true;  // our objects may be the published version: keep them
    return OutputError(
        fmt::format("{}: could not tell whether the manifest was written ({}; then {}); this run's "
                    "objects were left in place",
                    url_, written.error().message, now.error().message));
  }

  void CleanUpAfterCommit() {
    s3::S3Result<s3::ObjectInfo> mine = client_->HeadObject(output_.bucket, ManifestKey());
    std::set<std::string> current;
    {
      MutexLock lock(&mu_);
      std::vector<std::string> keys;
      for (const auto& upload : uploads_) keys.push_back(upload->key());
      for (const auto& [key, bytes] : kept_) keys.push_back(key);
      for (const std::string& key : keys) {
        current.insert(key);
        const std::string relative = key.substr(ListPrefix().size());
        current.insert(
            KeyOf(RedshiftManifestName(relative.substr(0, relative.find('/')), options_.version)));
      }
    }
    CleanupRule rule;
    rule.current = &current;
    rule.previous = &seen_.keys;
    rule.now = mine.ok() ? mine->last_modified : LocalNow() - kClockSkewAllowance;
    rule.current_since = rule.now;
    rule.others_superseded_by = seen_.exists ? seen_.committed : 0;
    CleanUp(rule);
  }

  // Best effort: what fails to go now goes in a later run.
  void CleanUp(const CleanupRule& rule) {
    const auto grace = static_cast<int64_t>(options_.grace_seconds);
    int aborted = 0;
    s3::S3Result<std::vector<s3::UploadSummary>> uploads =
        client_->ListMultipartUploads(output_.bucket, ListPrefix());
    if (uploads.ok()) {
      for (const s3::UploadSummary& upload : uploads.value()) {
        // After the commit, an upload of this run still open is an orphan: a
        // create whose answer was lost and which the client sent again.
        const bool orphan = OfThisVersion(upload.key);
        if (!orphan && rule.now - upload.initiated < grace) continue;
        aborted += client_->AbortMultipartUpload(output_.bucket, upload.key, upload.upload_id).ok();
      }
    }
    s3::S3Result<std::vector<s3::ObjectSummary>> objects =
        client_->ListObjectsV2(output_.bucket, ListPrefix());
    if (!objects.ok()) return;
    std::vector<std::string> doomed;
    size_t kept = 0;
    for (const s3::ObjectSummary& object : objects.value()) {
      const std::string relative = object.key.substr(ListPrefix().size());
      if (relative == options_.manifest_name || rule.current->count(object.key) > 0 ||
          std::find(options_.kept_names.begin(), options_.kept_names.end(), relative) !=
              options_.kept_names.end()) {
        continue;
      }
      const bool of_previous = rule.previous != nullptr && rule.previous->count(object.key) > 0;
      const int64_t superseded = of_previous ? rule.current_since : rule.others_superseded_by;
      if (rule.now - superseded >= grace && rule.now - object.last_modified >= grace) {
        doomed.push_back(object.key);
      } else {
        ++kept;
      }
    }
    const bool removed = doomed.empty() || client_->DeleteObjects(output_.bucket, doomed).ok();
    note_ = fmt::format(
        "s3: {} object(s) of earlier versions or failed runs removed{}, {} kept for the grace "
        "period ({:.0f} s), {} stale upload(s) aborted",
        removed ? doomed.size() : 0, removed ? "" : " (a delete failed; a later run retries)", kept,
        options_.grace_seconds, aborted);
  }

  // Aborts this run's uploads and deletes the objects it completed. Found by
  // listing (every name carries the version), so that it also catches what
  // other threads are creating meanwhile. Idempotent.
  void RemoveOwnObjects() {
    std::vector<std::shared_ptr<S3Sink>> uploads;
    {
      MutexLock lock(&mu_);
      uploads = uploads_;
    }
    ParallelFor(uploads.size(), kCommitThreads, [&](size_t i, int) { (void)uploads[i]->Abort(); });
    s3::S3Result<std::vector<s3::UploadSummary>> open =
        client_->ListMultipartUploads(output_.bucket, ListPrefix());
    if (open.ok()) {
      for (const s3::UploadSummary& upload : open.value()) {
        if (!OfThisVersion(upload.key)) continue;
        (void)client_->AbortMultipartUpload(output_.bucket, upload.key, upload.upload_id);
      }
    }
    s3::S3Result<std::vector<s3::ObjectSummary>> objects =
        client_->ListObjectsV2(output_.bucket, ListPrefix());
    if (!objects.ok()) return;
    std::vector<std::string> own;
    for (const s3::ObjectSummary& object : objects.value()) {
      if (OfThisVersion(object.key)) own.push_back(object.key);
    }
    if (!own.empty()) (void)client_->DeleteObjects(output_.bucket, own);
  }

  // On SIGINT/SIGTERM/SIGHUP, on DeferredSignalWork's thread: no new upload
  // starts; a commit under way finishes first; then, unless committed, this
  // run's uploads and objects go.
  void OnSignal() {
    {
      MutexLock lock(&mu_);
      interrupted_ = true;
    }
    MutexLock commit(&commit_mu_);
    if (!committed_ && !commit_unknown_) RemoveOwnObjects();
  }

  std::shared_ptr<s3::S3Client> client_;
  const s3::ObjectUrl output_;
  const std::string url_;
  const OutputStoreOptions options_;
  std::shared_ptr<std::string> manifest_bytes_;
  VersionSeen seen_;
  std::string note_;

  Mutex commit_mu_;  // held by Commit(), the destructor and the signal work
  bool committed_ ABSL_GUARDED_BY(commit_mu_) = false;
  bool commit_unknown_ ABSL_GUARDED_BY(commit_mu_) = false;

  Mutex mu_;
  std::vector<std::shared_ptr<S3Sink>> uploads_ ABSL_GUARDED_BY(mu_);
  // Objects of the previous version listed again (KeepPublished): key -> bytes.
  std::map<std::string, uint64_t> kept_ ABSL_GUARDED_BY(mu_);
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;

  std::unique_ptr<DeferredSignalWork> on_signal_;
};

}  // namespace

std::string VersionedName(std::string_view relative_path, std::string_view version) {
  const size_t slash = relative_path.rfind('/');
  const size_t dot = relative_path.rfind('.');
  const size_t at =
      dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)
          ? relative_path.size()
          : dot;
  return fmt::format("{}-{}{}", relative_path.substr(0, at), version, relative_path.substr(at));
}

std::optional<std::string> UnversionedName(std::string_view published_name,
                                           const std::vector<std::string>& versions) {
  std::vector<std::string_view> longest_first(versions.begin(), versions.end());
  std::sort(longest_first.begin(), longest_first.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  const size_t slash = published_name.rfind('/');
  const size_t dot = published_name.rfind('.');
  const size_t at =
      dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)
          ? published_name.size()
          : dot;
  const std::string_view stem = published_name.substr(0, at);
  for (std::string_view version : longest_first) {
    if (version.empty() || stem.size() <= version.size() + 1) continue;
    const size_t from = stem.size() - version.size() - 1;
    if (stem[from] != '-' || stem.substr(from + 1) != version) continue;
    if (slash != std::string_view::npos && from <= slash + 1) continue;  // a name must remain
    return fmt::format("{}{}", stem.substr(0, from), published_name.substr(at));
  }
  return std::nullopt;
}

std::string RedshiftManifestName(std::string_view table, std::string_view version) {
  return fmt::format("{}-{}.manifest", table, version);
}

StatusOr<std::unique_ptr<OutputStore>> OpenS3OutputStore(std::shared_ptr<s3::S3Client> client,
                                                         const std::string& url,
                                                         const OutputStoreOptions& options) {
  std::string trimmed = url;
  while (trimmed.size() > 5 && trimmed.back() == '/') trimmed.pop_back();
  WV_ASSIGN_OR_RETURN(s3::ObjectUrl output, s3::ParseS3Url(trimmed));
  if (!options.list_manifest || options.version.empty()) {
    return InternalError("OpenS3OutputStore: list_manifest and version are required");
  }
  auto store = std::make_unique<S3OutputStore>(std::move(client), std::move(output), options);
  WV_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<OutputStore>(std::move(store));
}

// Declared in io/output_store.h; here so that the local store knows nothing of S3.
StatusOr<std::unique_ptr<OutputStore>> OpenOutputStore(const std::string& location,
                                                       const OutputStoreOptions& options) {
  if (!s3::IsS3Url(location)) return OpenLocalOutputStore(location, options);
  WV_ASSIGN_OR_RETURN(std::shared_ptr<s3::S3Client> client, SharedS3Client());
  return OpenS3OutputStore(std::move(client), location, options);
}

}  // namespace wv::io
