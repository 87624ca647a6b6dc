#ifndef WV_RUN_SPILL_FOLDER_H_
#define WV_RUN_SPILL_FOLDER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "io/signal_cleanup.h"
#include "io/unique_fd.h"

// SpillFolder: the folder a run writes its spill files to when what it
// remembers outgrows --memory-limit (traces/in_order_stage.h). It is
// `.wv-spill-<pid>-<random>` inside its parent (beside the output folder by
// default, or --tmp-dir), ours the way a staging folder is
// (io/output_store.h): the run holds an exclusive flock on it while it
// lives; destroying the object removes it (success and failure alike);
// SIGINT, SIGTERM, SIGHUP and SIGABRT remove it (io/signal_cleanup.h); and
// after a SIGKILL the next run that spills into the same parent removes
// every `.wv-spill-*` folder whose lock is free. Removal goes through
// io::RemoveTreeAt (no links followed, no mounts crossed).
//
// Not thread-safe; path() may be read from any thread.
namespace wv::run {

class SpillFolder {
 public:
  // Removes stale spill folders in `parent`, then creates and locks a new
  // one. `parent` must exist (an OutputError otherwise).
  static StatusOr<std::unique_ptr<SpillFolder>> Create(const std::string& parent);
  ~SpillFolder();
  SpillFolder(const SpillFolder&) = delete;
  SpillFolder& operator=(const SpillFolder&) = delete;

  // The folder's path (parent/name).
  const std::string& path() const { return path_; }

 private:
  SpillFolder() = default;

  io::UniqueFd parent_fd_;
  std::string name_;
  std::string path_;
  io::UniqueFd fd_;  // holds the flock that marks the folder live
  uint64_t inode_ = 0;
  io::SignalCleanup cleanup_;
};

// The folder spill folders go to for output `out_dir` when --tmp-dir is not
// given: the output's parent, or TemporaryRoot() ($TMPDIR, /tmp) for an
// s3:// output.
std::string DefaultSpillParent(const std::string& out_dir);

}  // namespace wv::run

#endif  // WV_RUN_SPILL_FOLDER_H_
