#ifndef WV_IO_BYTE_SINK_H_
#define WV_IO_BYTE_SINK_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

// Sequential byte sinks the pipeline writes its outputs to. Local files,
// gzip-compressed files and (later) S3 multipart uploads implement ByteSink.
namespace wv::io {

// An append-only stream of bytes.
// Not thread-safe: one writer at a time.
class ByteSink {
 public:
  virtual ~ByteSink() = default;

  // Appends bytes. Errors are OutputErrors naming the sink.
  virtual Status Append(std::string_view bytes) = 0;

  // Flushes everything and makes it durable (fsync for files).
  // REQUIRES: called once; no Append after Close.
  virtual Status Close() = 0;

  // Bytes appended so far (uncompressed, as the caller sees them).
  virtual uint64_t bytes_written() const = 0;
};

// Creates or truncates a local file; "-" is standard output.
StatusOr<std::unique_ptr<ByteSink>> OpenFileSink(const std::string& path);

// Creates or truncates the file `name` in the folder `dir_fd`, never through
// a symbolic link; `display` names it in messages.
StatusOr<std::unique_ptr<ByteSink>> OpenFileSinkAt(int dir_fd, const std::string& name,
                                                   const std::string& display);

// Creates `path`, which must not exist yet: O_EXCL, so it never truncates a
// file or follows a symbolic link that is already there (for temporaries in
// shared folders). Errors: OutputError, also when the name is taken.
StatusOr<std::unique_ptr<ByteSink>> OpenNewFileSink(const std::string& path);

}  // namespace wv::io

#endif  // WV_IO_BYTE_SINK_H_
