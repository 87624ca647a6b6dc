#ifndef WV_TRACES_SPILL_FILE_H_
#define WV_TRACES_SPILL_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/unique_fd.h"

// Files a run writes to its spill folder (run/spill_folder.h) when what it
// remembers outgrows its memory budget, and reads back once: sorted runs of
// records (traces/external_sort.h) and the log of deferred chunks
// (traces/in_order_stage.h). They live only as long as the run; nothing
// else ever reads them, so their format is the process's own memory layout.
namespace wv::traces {

// A new spill file, appended to through a buffer of its own.
// Not thread-safe.
class SpillWriter {
 public:
  // Creates `path`, which must not exist. A failure (and any later write
  // failure, a full disk first of all) is an OutputError naming the file.
  static StatusOr<std::unique_ptr<SpillWriter>> Create(std::string path, size_t buffer_bytes);

  Status Append(const void* data, size_t size);
  Status Append(std::string_view bytes) { return Append(bytes.data(), bytes.size()); }
  // Writes what is buffered and closes the file (idempotent).
  Status Close();

  uint64_t bytes() const { return written_ + used_; }
  const std::string& path() const { return path_; }

 private:
  SpillWriter(std::string path, io::UniqueFd fd, size_t buffer_bytes);
  Status Flush();

  std::string path_;
  io::UniqueFd fd_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_;
  size_t used_ = 0;
  uint64_t written_ = 0;
};

// Reads a spill file from its start, through a buffer of its own.
// Not thread-safe.
class SpillReader {
 public:
  // Opens `path`; with `unlink_now` the name is removed at once (the open
  // file stays readable), so a file read once disappears as it is read.
  static StatusOr<std::unique_ptr<SpillReader>> Open(std::string path, size_t buffer_bytes,
                                                     bool unlink_now);

  // Reads exactly `size` bytes: true when read, false at the end of the file
  // (nothing left); a file that ends inside the record is an InternalError.
  StatusOr<bool> Read(void* data, size_t size);

 private:
  SpillReader(std::string path, io::UniqueFd fd, size_t buffer_bytes);
  Status Refill();

  std::string path_;
  io::UniqueFd fd_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
};

}  // namespace wv::traces

#endif  // WV_TRACES_SPILL_FILE_H_
