#ifndef WV_TRACES_TRACE_FILE_READER_H_
#define WV_TRACES_TRACE_FILE_READER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "core/status.h"
#include "csv/chunker.h"
#include "io/byte_source.h"
#include "traces/chunks_in_flight.h"
#include "traces/ingest.h"

// The reading side of an ingest: one traces file, from storage to chunks of
// whole rows. Internal to the traces module.
namespace wv::traces {

// What reading learned about a file's stored form.
struct StoredFileInfo {
  uint64_t stored_bytes = 0;  // bytes read from storage (the .gz size for gzip)
  uint32_t stored_crc32 = 0;  // CRC-32 of the stored bytes (core/crc32.h)
  uint64_t bytes = 0;         // bytes after decompression
  // The file at open, for a regular file (verified unchanged at its end:
  // io::OpenFileSource); nullopt for stdin and pipes.
  std::optional<io::FileIdentity> identity;
  // An S3 object's URL, size and ETag at open (every read was conditional
  // on that ETag: io::OpenS3Source); nullopt for local files.
  std::optional<io::ObjectIdentity> object;
};

// Reads the traces file `path` ("-" is stdin, "s3://b/k" an S3 object): opens it, decompressing
// gzip (detected from the bytes), checks its header (an empty file or a
// wrong header is an InputError naming it; so is a regular file that changed
// while it was read, io::OpenFileSource), then cuts the rest into chunks
// of whole rows of about `chunk_bytes` (csv::Chunker). Each chunk is read
// into a buffer taken from `pool` and handed to emit(); when the pool is
// stopped (the run is failing), reading ends early with OK.
// Adds the stored bytes read to *stored_bytes_read as it goes, for progress.
// Not thread-safe: call from the reader thread; stored_bytes_read may be
// read concurrently.
// With `range`, only its bytes of the plain file `path` (io::OpenFileRangeSource; not
// decompressed) are read, and the header is checked only in a range that starts at 0.
StatusOr<StoredFileInfo> ReadTraceFile(
    const std::string& path, const std::optional<ByteRange>& range, size_t chunk_bytes,
    ChunkBufferPool* pool, absl::FunctionRef<void(std::unique_ptr<csv::ChunkBuffer>)> emit,
    std::atomic<uint64_t>* stored_bytes_read);

}  // namespace wv::traces

#endif  // WV_TRACES_TRACE_FILE_READER_H_
