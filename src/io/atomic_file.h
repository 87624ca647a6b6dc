#ifndef WV_IO_ATOMIC_FILE_H_
#define WV_IO_ATOMIC_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/byte_sink.h"
#include "io/signal_cleanup.h"
#include "io/unique_fd.h"

// Single files published all at once (the report, generated traces and their
// sidecars). The bytes go to a hidden temporary file in the same folder; on
// Commit() it is made durable and renamed over the final path, then the
// folder is synced. A reader sees the previous file or the new one, never a
// part, and a failure leaves the previous file as it was. (Output trees use
// io::OutputStore.)
namespace wv::io {

// OK when `path` is absent or a regular file; an OutputError naming what is
// there otherwise (a folder, a symbolic link, a device, a FIFO or a socket),
// so that publishing never replaces anything but a file.
Status CheckReplaceableFile(const std::string& path);

// A file being written to a temporary beside its final path: the temporary
// is hidden (".NAME.tmp-PID-N") and in the same folder, so the rename in
// Commit() is atomic. Destroying an uncommitted StagedFile removes the
// temporary; so do SIGINT and SIGTERM (io/signal_cleanup.h). A writer killed
// outright (SIGKILL, power loss) cannot: every StagedFile therefore holds an
// exclusive flock on its temporary, and Create() removes the temporaries of
// the same NAME whose lock is free (their writer is dead, whatever pid
// namespace it ran in; the pid in the name is for people only). Not
// thread-safe: one owner.
class StagedFile {
 public:
  // Removes abandoned temporaries of `path` (above), then creates a new one
  // beside it (never reusing or following anything already at its name).
  // REQUIRES: path is not "-" (standard output is not published atomically).
  // Errors: OutputError when the path is empty, CheckReplaceableFile(path)
  // fails or the temporary cannot be created (e.g. the folder is missing).
  static StatusOr<std::unique_ptr<StagedFile>> Create(const std::string& path);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  // The sink that writes the temporary file; the caller may wrap it (gzip).
  // REQUIRES: called once; the sink is closed before Commit().
  std::unique_ptr<ByteSink> TakeSink() { return std::move(sink_); }

  // Checks the final path again (CheckReplaceableFile: it may have changed
  // kind since Create), renames the temporary over it and syncs the folder.
  // If the check or the rename fails, the final path is as it was and the
  // destructor removes the temporary. If only the folder sync fails, the new
  // file is in place but its name may not survive a crash.
  // Errors: OutputError; InternalError when called a second time.
  // REQUIRES: the sink was closed successfully.
  Status Commit();

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_path_; }

 private:
  StagedFile(std::string path, std::string temporary_path, uint64_t temporary_inode,
             UniqueFd temporary_lock, std::unique_ptr<ByteSink> sink, SignalCleanup cleanup);

  std::string path_;
  std::string temporary_path_;
  uint64_t temporary_inode_;  // the temporary we created
  UniqueFd temporary_lock_;   // holds the exclusive flock that marks it live
  std::unique_ptr<ByteSink> sink_;
  SignalCleanup cleanup_;
  bool committed_ = false;
};

// Writes `contents` to `path` through a StagedFile; "-" writes them to
// standard output instead (nothing to publish atomically there), and
// "s3://bucket/key" puts one object (io/s3_connection.h's client; S3 shows
// it whole or not at all).
Status PublishFileAtomically(const std::string& path, std::string_view contents);

}  // namespace wv::io

#endif  // WV_IO_ATOMIC_FILE_H_
