#ifndef WV_IO_TEMP_FOLDER_H_
#define WV_IO_TEMP_FOLDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/signal_cleanup.h"
#include "io/unique_fd.h"

namespace wv::io {

// The folder temporaries go to when the user named none: $TMPDIR if set and
// not empty, else /tmp (without a trailing slash).
std::string TemporaryRoot();

// 16 hex digits from getrandom: names beside a user's folder (staging,
// spill) must not collide between processes that may share a pid (two
// containers writing beside the same folder).
std::string RandomToken();

// Whether `rest` is `<decimal digits>-<lower-case hex digits>`, the tail
// (`<pid>-<RandomToken()>`) of every name we create beside a user's folder:
// the only names ever removed there as stale.
bool IsPidTokenName(std::string_view rest);

// A private temporary folder (mode 0700, made by mkdtemp under $TMPDIR, else
// /tmp), removed with everything in it when the object is destroyed, and by
// SIGINT, SIGTERM, SIGHUP and SIGABRT (io/signal_cleanup.h); the removal is
// pinned to the folder's inode and never follows links (io/tree_removal.h).
// Thread-compatible.
class TempFolder {
 public:
  // `prefix` begins the folder's name ("wordviews-s3-" -> wordviews-s3-Ab12Cd).
  // Errors: OutputError when the folder cannot be made.
  static StatusOr<std::unique_ptr<TempFolder>> Create(std::string_view prefix);
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  // The folder's full path.
  const std::string& path() const { return path_; }

 private:
  TempFolder(UniqueFd parent, std::string name, std::string path, uint64_t inode);

  UniqueFd parent_;  // the temporary root, kept open for the signal cleanup
  std::string name_;
  std::string path_;
  uint64_t inode_;
  SignalCleanup cleanup_;
};

}  // namespace wv::io

#endif  // WV_IO_TEMP_FOLDER_H_
