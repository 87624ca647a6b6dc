#ifndef WV_PARQUET_READER_H_
#define WV_PARQUET_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/schema.h"

// Reads flat Parquet files of the types in parquet/schema.h, written by this
// project or by any other writer (pyarrow, DuckDB, Spark). Every offset and
// length read from the file is bounds-checked: a corrupt file is an
// InputError, never a crash.
namespace wv::parquet {

// Min/max of one column chunk, decoded to the column's physical type.
struct ColumnChunkStatistics {
  std::optional<int64_t> null_count;
  bool has_min_max = false;
  // For integer and boolean columns:
  int64_t min_int = 0, max_int = 0;
  // For FLOAT/DOUBLE columns:
  double min_double = 0, max_double = 0;
  // For BYTE_ARRAY columns:
  std::string min_bytes, max_bytes;
};

// One column chunk with its dictionary encoding kept: row r holds
// dictionary[indices[r]] (or is null when `valid` is non-empty and valid[r]
// is 0; its index is then 0). Every index is < the dictionary's size. The
// dictionary uses the value array of the column's physical type, as in
// ColumnVector, and may hold values no row uses.
struct DictionaryColumn {
  ColumnVector dictionary;
  std::vector<uint32_t> indices;
  std::vector<uint8_t> valid;  // OPTIONAL columns only, one entry per row

  size_t size() const { return indices.size(); }
};

// Caps on sizes read from a file, so a lying header cannot make the reader
// allocate or decode absurd amounts (fuzzers lower them further).
struct ReaderLimits {
  int64_t max_page_bytes = int64_t{1} << 30;      // uncompressed page / dictionary
  int64_t max_row_group_rows = int64_t{1} << 28;  // rows decoded per column chunk
};

// Thread-compatible: const methods may be called concurrently (ReadColumn
// keeps no mutable state).
class FileReader {
 public:
  // Opens a local file (memory-mapped).
  static StatusOr<std::unique_ptr<FileReader>> Open(const std::string& path);
  // Reads a file held in memory; `name` is used in error messages.
  static StatusOr<std::unique_ptr<FileReader>> OpenBuffer(std::string bytes, std::string name);
  // As above, with explicit limits.
  static StatusOr<std::unique_ptr<FileReader>> Open(const std::string& path,
                                                    const ReaderLimits& limits);
  static StatusOr<std::unique_ptr<FileReader>> OpenBuffer(std::string bytes, std::string name,
                                                          const ReaderLimits& limits);
  virtual ~FileReader() = default;

  virtual const Schema& schema() const = 0;
  virtual int64_t num_rows() const = 0;
  virtual int num_row_groups() const = 0;
  virtual int64_t row_group_num_rows(int row_group) const = 0;
  virtual std::string created_by() const = 0;
  virtual std::optional<std::string> key_value(std::string_view key) const = 0;

  // Index of the column named `name`, or -1.
  virtual int ColumnIndex(std::string_view name) const = 0;

  virtual StatusOr<ColumnChunkStatistics> Statistics(int row_group, int column) const = 0;

  // Decodes one column chunk into a ColumnVector (layout as in column_vector.h).
  // REQUIRES: 0 <= row_group < num_row_groups(), 0 <= column < schema().columns.size()
  virtual StatusOr<ColumnVector> ReadColumn(int row_group, int column) const = 0;

  // Reads one column chunk as dictionary + per-row indices, without
  // materialising the values: for grouping by a repetitive string column.
  // nullopt when some data page is not dictionary-encoded (writers fall back
  // to PLAIN when a dictionary grows too big): use ReadColumn then.
  // An index outside the dictionary is an InputError.
  // REQUIRES: indices in range as for ReadColumn.
  virtual StatusOr<std::optional<DictionaryColumn>> ReadDictionaryColumn(int row_group,
                                                                         int column) const = 0;

  // Details of one column chunk, for inspection tools (`wordviews parquet inspect`).
  struct ChunkInfo {
    std::string codec;                   // "ZSTD", "SNAPPY", ...
    std::vector<std::string> encodings;  // "PLAIN", "RLE_DICTIONARY", ...
    int64_t num_values = 0;
    int64_t compressed_bytes = 0;
    int64_t uncompressed_bytes = 0;
    bool has_dictionary_page = false;
  };
  // REQUIRES: indices in range as for ReadColumn.
  virtual ChunkInfo ColumnChunkInfo(int row_group, int column) const = 0;
  // Every key-value pair of the footer, in file order.
  virtual std::vector<std::pair<std::string, std::string>> key_values() const = 0;
  virtual int64_t file_size() const = 0;
};

}  // namespace wv::parquet

#endif  // WV_PARQUET_READER_H_
