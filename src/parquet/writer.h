#ifndef WV_PARQUET_WRITER_H_
#define WV_PARQUET_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "io/byte_sink.h"
#include "parquet/column_vector.h"
#include "parquet/schema.h"

// Writes a Parquet file from columnar batches, streaming: a row group is
// encoded and written as soon as it is full, so memory is bounded by one row
// group, never by the table.
namespace wv::parquet {

struct WriterOptions {
  Compression compression = Compression::kZstd;
  int compression_level = 1;              // codec-specific; zstd 1 favours speed
  int64_t row_group_rows = 1 << 20;       // a row group closes at this many rows
  int64_t row_group_bytes = 128ll << 20;  // ... or at this many encoded bytes
  int64_t page_bytes = 1 << 20;           // target uncompressed data page size
  bool dictionary = true;                 // try RLE_DICTIONARY first
  // REQUIRED INT64 pages that take at most a byte a value that way are written
  // DELTA_BINARY_PACKED (smaller, cheaper to compress). Off by default: not
  // every reader takes it (pyarrow, DuckDB, Spark 3.3+ and Trino do; old Spark
  // vectorized readers, some engines, and Redshift unverified: docs/PIPELINE.md).
  bool delta_binary_packed = false;
  int64_t dictionary_page_bytes = 1 << 20;  // fall back to PLAIN beyond this
  std::string created_by;                   // defaults to "wordviews version X"
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  int encode_threads = 2;      // columns of a row group encoded in parallel
  bool page_checksums = true;  // CRC-32 of each page, verified by readers
};

// Not thread-safe: one thread calls WriteBatch/Close. Distinct writers are independent.
class FileWriter {
 public:
  static StatusOr<std::unique_ptr<FileWriter>> Open(Schema schema,
                                                    std::unique_ptr<io::ByteSink> sink,
                                                    WriterOptions options = {});
  virtual ~FileWriter() = default;

  // Appends `num_rows` rows.
  // REQUIRES: columns.size() == schema().columns.size(); each column holds
  // num_rows values of its physical type (and num_rows validity bytes if OPTIONAL).
  virtual Status WriteBatch(const std::vector<ColumnVector>& columns, size_t num_rows) = 0;

  // Writes `num_rows` rows as row groups of their own (after the rows
  // buffered by WriteBatch, if any): split only where a row group reaches
  // row_group_rows or row_group_bytes, nothing kept for the next call. For a
  // caller that sizes its batches as row groups and must not have the writer
  // hold a partial one (the fact table's day files, many open at once).
  // REQUIRES: as WriteBatch.
  virtual Status WriteRowGroups(const std::vector<ColumnVector>& columns, size_t num_rows) = 0;

  // Flushes the last row group, writes the footer and closes the sink.
  // REQUIRES: called once.
  virtual Status Close() = 0;

  virtual const Schema& schema() const = 0;
  virtual int64_t rows_written() const = 0;
  virtual int64_t bytes_written() const = 0;  // file bytes so far
};

}  // namespace wv::parquet

#endif  // WV_PARQUET_WRITER_H_
