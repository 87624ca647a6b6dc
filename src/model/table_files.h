#ifndef WV_MODEL_TABLE_FILES_H_
#define WV_MODEL_TABLE_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/status.h"
#include "io/byte_sink.h"
#include "io/output_store.h"
#include "parquet/column_vector.h"
#include "parquet/schema.h"
#include "parquet/writer.h"

// Bookkeeping of the files a run writes: every output byte passes through a
// ChecksumSink, so the manifest can record each file's size and CRC-32 without
// reading the file back.
namespace wv::model {

// What the manifest records about one output file.
struct FileRecord {
  std::string path;  // relative to the output folder, '/'-separated
  int64_t rows = 0;
  uint64_t bytes = 0;
  uint32_t crc32 = 0;  // CRC-32 (IEEE, as zlib.crc32) of the file's bytes
};

// One output table: its files and their total row count.
struct TableRecord {
  std::string name;
  int64_t rows = 0;
  std::vector<FileRecord> files;
};

// FileLedger: the list of files written so far, added to as each file is
// closed (by the fact encoding threads, the dimension writers and the
// quarantine writer at once). Thread-safe.
class FileLedger {
 public:
  void Add(FileRecord record) ABSL_LOCKS_EXCLUDED(mu_);
  // Sorted by path.
  std::vector<FileRecord> Files() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable Mutex mu_;
  std::vector<FileRecord> files_ ABSL_GUARDED_BY(mu_);
};

// TableFileWriter: a Parquet file being written into an OutputStore; on
// Close() it is recorded in the ledger with its row count, size and checksum.
// Thread-compatible: one thread at a time (it may move between threads).
class TableFileWriter {
 public:
  static StatusOr<std::unique_ptr<TableFileWriter>> Open(io::OutputStore& store,
                                                         std::string relative_path,
                                                         const parquet::Schema& schema,
                                                         const parquet::WriterOptions& options,
                                                         FileLedger* ledger);

  // REQUIRES: as parquet::FileWriter::WriteBatch.
  Status WriteBatch(const std::vector<parquet::ColumnVector>& columns, size_t num_rows);
  // REQUIRES: as parquet::FileWriter::WriteRowGroups.
  Status WriteRowGroups(const std::vector<parquet::ColumnVector>& columns, size_t num_rows);
  // REQUIRES: called once.
  Status Close();
  int64_t rows_written() const { return writer_->rows_written(); }

 private:
  TableFileWriter() = default;
  std::string path_;  // as published (OutputStore::PublishedName) and listed
  std::unique_ptr<parquet::FileWriter> writer_;
  // Owned by writer_'s sink chain; read after Close().
  struct Totals {
    uint64_t bytes = 0;
    uint32_t crc = 0;
  };
  std::shared_ptr<Totals> totals_;
  FileLedger* ledger_ = nullptr;
  friend class ChecksumSink;
};

// Writes a whole small table (a dimension) as one file.
Status WriteTableFile(io::OutputStore& store, std::string relative_path,
                      const parquet::Schema& schema, const parquet::WriterOptions& options,
                      const std::vector<parquet::ColumnVector>& columns, size_t num_rows,
                      FileLedger* ledger);

// Empty columns shaped for `schema` (one ColumnVector per column).
std::vector<parquet::ColumnVector> MakeColumns(const parquet::Schema& schema);

}  // namespace wv::model

#endif  // WV_MODEL_TABLE_FILES_H_
