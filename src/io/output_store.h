#ifndef WV_IO_OUTPUT_STORE_H_
#define WV_IO_OUTPUT_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "fmt/core.h"
#include "io/byte_sink.h"
#include "io/output_ownership.h"

// Where a run's output tree is staged and then published all at once.
namespace wv::io {

// A staged output tree. Files created through it are invisible under the
// final location until Commit() succeeds; if the process dies or Commit() is
// never called, whatever output was there before stays intact.
// Not thread-safe for Commit(); Create() may be called from several threads.
class OutputStore {
 public:
  virtual ~OutputStore() = default;

  // Creates a file at `relative_path` (folders are created as needed).
  virtual StatusOr<std::unique_ptr<ByteSink>> Create(std::string_view relative_path) = 0;

  // Stages the open regular file `file_fd` (a file of the version being
  // replaced) at `relative_path` without copying or changing it: a hard
  // link (`run --append` keeps the earlier batches' files this way). An
  // OutputError where the store cannot (S3, another file system).
  virtual Status LinkFile(int file_fd, std::string_view relative_path) {
    (void)file_fd;
    return OutputError(fmt::format(
        "cannot keep '{}' of the previous version: this output cannot link files", relative_path));
  }

  // Lists the object `published_name` (a name as PublishedName() gave it to
  // an earlier version, which the version being replaced lists) in the new
  // version as it is, `bytes` long, without writing it again: `run --append`
  // onto S3 keeps the earlier batches' objects this way (io/s3_output_store.h).
  // An OutputError where the store cannot (a local folder links instead).
  virtual Status KeepPublished(std::string_view published_name, uint64_t bytes) {
    (void)bytes;
    return OutputError(
        fmt::format("cannot keep '{}' of the previous version: not an S3 output", published_name));
  }

  // Publishes the staged tree at the final location, replacing any previous
  // output atomically.
  // REQUIRES: every sink from Create() has been closed.
  virtual Status Commit() = 0;

  // Where the output becomes visible, for messages.
  virtual const std::string& location() const = 0;

  // The path under which a file created as `relative_path` is published,
  // relative to the location, as the manifest must list it: the same for a
  // local folder; on S3 the name carries the run's version
  // (io/s3_output_store.h).
  virtual std::string PublishedName(std::string_view relative_path) const {
    return std::string(relative_path);
  }

  // The staged tree's folder on this machine, for reading back what was
  // staged before the commit (`run --append` verifies it), or "" when the
  // store has none (S3).
  virtual std::string StagingPath() const { return ""; }

  // What Commit() did beyond publishing (e.g. earlier versions removed), one
  // line for the run's summary, or "".
  virtual std::string CommitNote() const { return ""; }
};

// The objects a manifest of ours lists: its version (the run id) and the
// paths of its files, relative to the output. Supplied, like the recognizer,
// by the layer that knows the manifest's format (run::ListOwnManifest).
struct ListedVersion {
  std::string version;
  std::vector<std::string> paths;
};
// nullopt when `manifest_text` is not a manifest of ours.
using ManifestLister = std::function<std::optional<ListedVersion>(std::string_view manifest_text)>;

struct OutputStoreOptions {
  // Recognises a previous output of ours by its manifest; without one, only
  // an absent or empty folder may be replaced.
  ManifestRecognizer is_own_manifest;
  std::string manifest_name = "_manifest.json";
  // Files the run reads: a location holding one of them is refused.
  std::vector<std::string> inputs;
  // How long to wait for another writer of the same location (0: fail at once).
  double wait_seconds = 0;

  // ---- S3 outputs (io/s3_output_store.h) ----
  // What the previous version's manifest lists (which of the objects under
  // the prefix are its own); required for s3:// locations.
  ManifestLister list_manifest;
  // This run's version (its run id): part of every object name it writes.
  std::string version;
  // How long objects that no manifest lists any more (and stale uploads) are
  // kept before a run removes them: readers that started from an older
  // manifest finish within it.
  double grace_seconds = 900;
  // Names at the top of the output that no manifest lists but that are kept
  // (report.html, written after the commit).
  std::vector<std::string> kept_names;
};

// A local folder (OpenLocalOutputStore) or, for "s3://bucket/prefix", a
// prefix of an S3 bucket (OpenS3OutputStore).
StatusOr<std::unique_ptr<OutputStore>> OpenOutputStore(const std::string& location,
                                                       const OutputStoreOptions& options);

// A local folder DIR, published by exchanging a staging folder with it.
//
// Opening (in this order, before any work): refuses locations that are never
// replaced (CheckOutputLocation) or that hold something not ours
// (InspectOutput), with an OutputError and without touching anything; takes
// the writer lock `.<DIR>.wv-lock` beside DIR (io::WriterLock), waiting up to
// wait_seconds; inspects DIR again under the lock; removes stale staging
// folders (below); creates its own staging folder
// `.<DIR>.wv-staging-<pid>-<random>` beside DIR and holds an exclusive flock
// on it for as long as it is staging (the pid is for people only).
//
// Stale staging: a `.<DIR>.wv-staging-*` folder whose flock can be taken has
// no live owner (the kernel drops the locks of dead processes, whatever pid
// namespace they lived in) and no reader; it is removed. One whose lock is
// held is left alone.
//
// Commit(): inspects DIR once more, exchanges the staging folder with it in
// one renameat2(RENAME_EXCHANGE) (a plain no-replace rename when DIR is
// absent), releases the staging lock, then removes the replaced tree, now
// under the staging name, only if it can take an exclusive flock on it:
// readers (run::PublishedOutput) hold a shared one, and a tree still being
// read is left for the next run to remove.
//
// Destroying an uncommitted store removes its staging folder; SIGINT,
// SIGTERM, SIGHUP and SIGABRT remove it too (io/signal_cleanup.h). Deletion
// never follows symbolic links nor crosses into another file system
// (io/tree_removal.h). The writer lock is held until the store is destroyed.
StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir,
                                                            const OutputStoreOptions& options);

// As above with default options (only an absent or empty DIR is replaced).
StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir);

// The prefix of the staging folders of output `base` (".out.wv-staging-").
std::string StagingPrefix(std::string_view base);
// The writer lock file of output `base` (".out.wv-lock").
std::string WriterLockName(std::string_view base);

}  // namespace wv::io

#endif  // WV_IO_OUTPUT_STORE_H_
