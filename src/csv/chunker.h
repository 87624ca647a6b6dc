#ifndef WV_CSV_CHUNKER_H_
#define WV_CSV_CHUNKER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "csv/row_parser.h"
#include "io/byte_source.h"

// Cuts a byte stream into chunks of whole CSV rows, so that chunks can be
// parsed independently (in parallel). Row boundaries follow csv/row_parser.h
// exactly: a line end inside a quoted field does not end a row, and the
// partial last row of a read is carried into the next chunk.
namespace wv::csv {

// A byte buffer that grows without zero-filling (chunks are overwritten by
// reads anyway). Move-only.
class ChunkBuffer {
 public:
  // Makes room for `n` bytes, keeping the current contents.
  void Reserve(size_t n);
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  void set_size(size_t n) { size_ = n; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// Reads `source` and hands out row-aligned chunks of about `chunk_bytes`
// (more when one row is longer, up to about 2 * kMaxRowBytes).
//
// Rows longer than csv::kMaxRowBytes (row_parser.h): a line with no line end
// in its first kMaxRowBytes + 2 bytes is handed out alone, as a chunk of just
// those bytes and a '\n'; the rest of the line is read and dropped. Every
// row a chunk holds that is longer than kMaxRowBytes is thus over-long in
// the input too, and the caller rejects it. A first line (the header) that
// long is an InputError.
// Not thread-safe: one reader thread.
class Chunker {
 public:
  // REQUIRES: `source` outlives the chunker; chunk_bytes > 0.
  // `expected_fields` as for csv::ScanRow (0 = any).
  Chunker(io::ByteSource* source, size_t chunk_bytes, size_t expected_fields = 0);

  // Takes the first line off the stream (without its line end, '\r' kept),
  // for a header check. nullopt if the stream is empty.
  // REQUIRES: called before Next().
  StatusOr<std::optional<std::string>> ReadFirstLine();

  // Replaces `chunk`'s contents with the next whole rows. Returns false (and
  // an empty chunk) once the stream is exhausted.
  StatusOr<bool> Next(ChunkBuffer* chunk);

  // Bytes of the stream consumed so far (first line and its line end
  // included, and the dropped part of over-long lines).
  uint64_t bytes() const { return bytes_; }

 private:
  // Reads until `buffer` holds `want` bytes or the stream ends.
  Status Fill(ChunkBuffer* buffer, size_t want);
  // REQUIRES: `chunk` holds the start of one row and no line end, and more
  // than kMaxRowBytes + 2 bytes. Cuts it to kMaxRowBytes + 2 bytes and a
  // '\n', dropping the rest of its line from the stream.
  Status CutOverlongLine(ChunkBuffer* chunk);

  io::ByteSource* source_;
  size_t chunk_bytes_;
  size_t expected_fields_;
  std::string carry_;  // the start of a row not yet handed out
  bool eof_ = false;
  uint64_t bytes_ = 0;
};

}  // namespace wv::csv

#endif  // WV_CSV_CHUNKER_H_
