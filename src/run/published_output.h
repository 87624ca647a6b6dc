#ifndef WV_RUN_PUBLISHED_OUTPUT_H_
#define WV_RUN_PUBLISHED_OUTPUT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/output_store.h"
#include "io/temp_folder.h"
#include "io/unique_fd.h"
#include "run/manifest.h"

// Reading a published output folder as one version, while runs may republish
// it: `check`, `query` and `report` go through PublishedOutput.
namespace wv::run {

// Where the listed files a partial copy of a version lacks come from: an
// append onto S3 copies only what it reads (run/s3_append.h), and stages a
// version that lacks the kept files it never reads. Implementations are
// thread-safe.
class AbsentFileSource {
 public:
  virtual ~AbsentFileSource() = default;
  // Whether `relative` is a file of the version that may be absent from its
  // folder (and is then brought in by Fetch()).
  virtual bool Knows(std::string_view relative) const = 0;
  // Writes the file `relative` of the version into its folder `root`, whole
  // and checked against what the version lists for it (size, CRC-32), or
  // fails leaving nothing there.
  // REQUIRES: Knows(relative).
  virtual Status Fetch(std::string_view relative, const std::string& root) const = 0;
};

// One version of an output folder, pinned for as long as the object lives.
//
// Open() opens DIR as a folder descriptor, takes a shared flock on it, and
// then checks that DIR still names the folder it locked (retrying when a
// publish exchanged it in between). From then on, everything is read
// relative to that descriptor, so a later exchange of DIR does not mix
// versions, and the shared lock keeps the publishing run from deleting the
// version it replaced (io/output_store.h: it removes a replaced tree only
// when it can lock it exclusively; otherwise the next run does).
//
// Two ways to read:
//  - OpenFile()/ReadFile(): for paths taken from the manifest; they refuse
//    absolute paths, `..`, and any symbolic link on the way.
//  - PathOf(): a path for code that reads by path (the Parquet reader's mmap,
//    std::filesystem walks of table folders): "/proc/self/fd/N/<relative>",
//    which the kernel resolves through the pinned descriptor. If /proc is not
//    mounted it falls back to DIR/<relative> (pinned() is false): reads are
//    then only as consistent as DIR is stable while they run.
//    Localize() rewrites that prefix in error messages back to DIR.
//
// Any folder can be opened (query and report also read star schemas written
// by other tools); manifest() is null when there is no valid manifest.
//
// An output on S3 (`s3://bucket/prefix`) is opened by copying the version its
// manifest names into a private temporary folder (run/s3_output_copy.h),
// which is then read as above and removed with the object; dir() and the
// messages name the S3 location. It must have a valid manifest.
// Thread-compatible: const methods may be called from several threads.
class PublishedOutput {
 public:
  // InputError when `dir` is missing or not a folder; for S3, when it has no
  // valid manifest or cannot be read (s3/error.h's one line).
  static StatusOr<std::unique_ptr<PublishedOutput>> Open(const std::string& dir);
  // A folder not yet published (a writer's own staging folder, which it
  // holds locked): opened as a descriptor, without the shared lock; it has no
  // manifest until one is written. InputError as Open().
  static StatusOr<std::unique_ptr<PublishedOutput>> OpenUnpublished(
      const std::string& dir, const AbsentFileSource* absent = nullptr);
  // A local folder holding part of a version: the files `absent` knows are
  // brought in when first opened (OpenFile(), Fetch()). `absent` must outlive
  // the object. InputError as Open().
  static StatusOr<std::unique_ptr<PublishedOutput>> OpenPartial(const std::string& dir,
                                                                const AbsentFileSource* absent);

  PublishedOutput(const PublishedOutput&) = delete;
  PublishedOutput& operator=(const PublishedOutput&) = delete;

  // DIR as given, for messages.
  const std::string& dir() const { return dir_; }

  // The parsed manifest, or null when it is missing or invalid (then
  // manifest_status() says why, naming DIR/_manifest.json).
  const Manifest* manifest() const { return manifest_ ? &*manifest_ : nullptr; }
  const Status& manifest_status() const { return manifest_status_; }

  // Opens the regular file `relative` of this version for reading.
  // InputError when it is missing, not a regular file, or its path is
  // absolute, has a `..` or `.` component, or passes a symbolic link.
  StatusOr<io::UniqueFd> OpenFile(std::string_view relative) const;
  // OpenFile() and read it whole.
  StatusOr<std::string> ReadFile(std::string_view relative) const;

  // True when `relative` is a file of a partial copy (OpenPartial) that is
  // not in its folder yet: known only by its manifest entry. Always false
  // for a complete folder.
  bool IsAbsent(std::string_view relative) const;
  // Brings `relative` into a partial copy's folder when it is absent; OK
  // when it is there (or the folder is complete). OpenFile() calls it; call
  // it before PathOf() of a file that may be absent.
  Status Fetch(std::string_view relative) const;

  // A path to `relative` in this version for path-based readers ("" : the
  // folder itself).
  std::string PathOf(std::string_view relative) const;
  // PathOf(""): substitute it for DIR when calling path-based code.
  const std::string& root() const { return root_; }
  bool pinned() const { return pinned_; }

  // `status` with root() replaced by DIR in its message.
  Status Localize(const Status& status) const;

 private:
  PublishedOutput(std::string dir, io::UniqueFd fd);
  static StatusOr<std::unique_ptr<PublishedOutput>> OpenLocal(const std::string& dir);
  static StatusOr<std::unique_ptr<PublishedOutput>> OpenS3(const std::string& url);
  void LoadManifest();

  std::string dir_;
  std::unique_ptr<io::TempFolder> copy_;  // an S3 output's local copy (destroyed after fd_)
  io::UniqueFd fd_;                       // holds the shared flock
  std::string root_;
  bool pinned_ = false;
  std::optional<Manifest> manifest_;
  Status manifest_status_;
  const AbsentFileSource* absent_ = nullptr;  // a partial copy's: where its absent files come from
};

// True when `manifest_text` parses as a manifest of ours: what makes a
// folder a wordviews output that `run` may replace.
bool IsOwnManifest(std::string_view manifest_text);

// The run id and the listed paths of `manifest_text` when it parses as a
// manifest of ours: which objects of an S3 output belong to its version.
std::optional<io::ListedVersion> ListOwnManifest(std::string_view manifest_text);

// The output-store options of run `run_id` reading `inputs`, waiting up to
// `wait_seconds` for another writer (local), keeping S3 objects no manifest
// lists for `grace_seconds`.
io::OutputStoreOptions RunOutputStoreOptions(const std::vector<std::string>& inputs,
                                             double wait_seconds, const std::string& run_id = "",
                                             double grace_seconds = 900);

}  // namespace wv::run

#endif  // WV_RUN_PUBLISHED_OUTPUT_H_
