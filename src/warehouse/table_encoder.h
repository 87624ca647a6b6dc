#ifndef WV_WAREHOUSE_TABLE_ENCODER_H_
#define WV_WAREHOUSE_TABLE_ENCODER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "model/star_schema.h"
#include "parquet/column_vector.h"
#include "parquet/reader.h"
#include "warehouse/copy_binary.h"

// Rows of a star-schema table's Parquet file as binary COPY rows for the
// table CreateTableSql made: columns found by name (the file's order may
// differ), checked against the contract's types, values converted to the
// PostgreSQL types SqlType() chose.
// Thread-compatible: one encoder per file being copied.
namespace wv::warehouse {

class TableEncoder {
 public:
  // Maps the contract's columns to `reader`'s. InputError when the file
  // lacks a column or stores it with another physical type or repetition
  // than the contract's (a required column must not be optional).
  static StatusOr<TableEncoder> Create(const model::TableContract& table,
                                       const parquet::FileReader& reader);

  // Decodes row group `rg`: its columns in contract order. InputError for a
  // decoding error, or a null in a required column.
  StatusOr<std::vector<parquet::ColumnVector>> ReadRowGroup(int rg) const;

  // Appends rows `rows` (indexes, in the order given) of decoded `columns`
  // (in contract order) to `out`: a slice of a large row group, or the rows
  // of one partition.
  // REQUIRES: `columns` came from ReadRowGroup(); every index < its rows.
  void EncodeRows(const std::vector<parquet::ColumnVector>& columns, std::span<const uint32_t> rows,
                  CopyBinaryWriter* out) const;

 private:
  TableEncoder(const model::TableContract* table, const parquet::FileReader* reader,
               std::vector<int> file_columns);

  void EncodeRow(const std::vector<parquet::ColumnVector>& columns, size_t r,
                 CopyBinaryWriter* out) const;

  const model::TableContract* table_;
  const parquet::FileReader* reader_;
  std::vector<int> file_columns_;  // contract column i -> file column
  std::vector<int> kinds_;         // contract column i -> how its values are written
};

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_TABLE_ENCODER_H_
