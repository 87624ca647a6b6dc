#ifndef WV_IO_BYTE_SOURCE_H_
#define WV_IO_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/unique_fd.h"

// Sequential byte streams the pipeline reads its inputs from. Local files,
// gzip streams and (later) S3 objects all implement ByteSource, so the
// pipeline never knows where its bytes come from.
namespace wv::io {

// What identifies a regular file's contents when it is opened (from
// fstat(2)), so that a change while it is read can be seen: a rewrite moves
// the modification time, a truncation or an append the size, a replacement
// (rename over the path) the inode. Plain data.
struct FileIdentity {
  uint64_t size = 0;
  int64_t mtime_seconds = 0;
  int64_t mtime_nanoseconds = 0;
  uint64_t inode = 0;
  uint64_t device = 0;

  bool operator==(const FileIdentity&) const = default;
};

// What identifies an S3 object's contents when it is opened: its URL, size
// and ETag (every ranged read is conditional on that ETag, so a replaced
// object cannot pass for the one opened). Plain data.
struct ObjectIdentity {
  std::string url;  // "s3://bucket/key"
  uint64_t size = 0;
  std::string etag;  // as S3 sends it, quotes included

  bool operator==(const ObjectIdentity&) const = default;
};

// A forward-only stream of bytes.
// Not thread-safe: one reader at a time.
class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `capacity` bytes into `buffer`. Returns the number read; 0
  // means end of stream. Errors carry the source's name.
  virtual StatusOr<size_t> Read(char* buffer, size_t capacity) = 0;

  // A human-readable name for messages and lineage (usually the path or URL).
  virtual const std::string& name() const = 0;

  // Size of the underlying stored object in bytes, when known (for progress).
  virtual std::optional<uint64_t> stored_size() const { return std::nullopt; }

  // Bytes consumed so far from the underlying storage (compressed bytes for a
  // compressed stream), for progress reporting.
  virtual uint64_t stored_bytes_read() const = 0;

  // The identity of the underlying regular file as recorded at open; nullopt
  // for standard input, pipes, devices and memory.
  virtual std::optional<FileIdentity> identity() const { return std::nullopt; }

  // The identity of the underlying S3 object as recorded at open; nullopt
  // for everything else.
  virtual std::optional<ObjectIdentity> object_identity() const { return std::nullopt; }
};

// Opens a local file; "-" is standard input.
//
// A regular file is checked for changes while it is read: the read that
// finds its end (returns 0) first compares the file with its identity at
// open -- the bytes read against the size at open, fstat(2) of the open file
// against the size, modification time (ns), inode and device, and stat(2) of
// the path against the inode and device (a file renamed over the path, or
// the path removed). Any difference is an InputError naming the file and
// what changed: a file truncated, rewritten or replaced while it was read
// must not pass for a complete one. Standard input, pipes and devices have
// no size or identity to compare and are read as they come.
StatusOr<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

// Opens bytes [start, end) of the regular file `path` (a byte-range split of
// a distributed run, docs/DISTRIBUTED.md), checked for changes as
// OpenFileSource checks a whole file: when the range's end is reached the
// file must still be the one opened (size, modification time, inode, path)
// and the whole range must have been read. stored_size() is the range's
// length; identity() the whole file's. Not decompressed: a range of a gzip
// file means nothing. A file shorter than `end` is an InputError.
StatusOr<std::unique_ptr<ByteSource>> OpenFileRangeSource(const std::string& path, uint64_t start,
                                                          uint64_t end);

// Reads the open descriptor `fd` from its position to its end: a file its
// caller opened and checked itself (run::PublishedOutput, which pins the
// version it reads by its folder's descriptor). Unlike OpenFileSource's, the
// file is not compared with its path at its end (the path may name a newer
// version's file by then). stored_size() is a regular file's size from
// fstat(2) now (ReadAll sizes its buffer from it); `name` is for messages.
std::unique_ptr<ByteSource> OpenDescriptorSource(UniqueFd fd, std::string name);

// Wraps `inner`: if its first bytes are the gzip magic, inflates it
// (multi-member gzip, with ISA-L); otherwise passes bytes through unchanged.
// A truncated or corrupt gzip stream is an InputError.
StatusOr<std::unique_ptr<ByteSource>> MaybeDecompress(std::unique_ptr<ByteSource> inner);

// Opens stored bytes wherever they are: an "s3://bucket/key" object through
// the process's shared S3 client (io/s3_connection.h, io/s3_source.h), anything
// else as OpenFileSource does.
StatusOr<std::unique_ptr<ByteSource>> OpenStoredSource(const std::string& path);

// The stored size of `path` when known before reading it: a regular file's
// size, an S3 object's (one HEAD); nullopt for "-", pipes, devices and
// anything that cannot be looked at now (reading it will say why).
std::optional<uint64_t> StoredSizeOf(const std::string& path);

// OpenStoredSource + MaybeDecompress: what every input path goes through.
StatusOr<std::unique_ptr<ByteSource>> OpenInput(const std::string& path);

// Serves `data` from memory, in reads of at most `max_read` bytes (smaller
// reads exercise a consumer's buffer boundaries in tests and fuzzers).
std::unique_ptr<ByteSource> OpenMemorySource(std::string data, std::string name = "memory",
                                             size_t max_read = SIZE_MAX);

// Reads a whole (small) source into memory, e.g. a reference file: into a
// buffer of its stored_size() when that is known (one read of it, one more
// that finds its end), doubled whenever it fills.
StatusOr<std::string> ReadAll(ByteSource& source);

}  // namespace wv::io

#endif  // WV_IO_BYTE_SOURCE_H_
