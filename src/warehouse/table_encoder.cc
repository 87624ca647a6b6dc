#include "warehouse/table_encoder.h"

#include "fmt/core.h"

namespace wv::warehouse {
namespace {

using parquet::LogicalType;
using parquet::PhysicalType;

// How one contract column's values are written.
enum class Kind { kBool, kInt32, kDate, kInt64, kTimestamp, kFloat, kDouble, kBytes };

Kind KindOf(const model::ColumnContract& c) {
  switch (c.physical) {
    case PhysicalType::kBoolean:
      return Kind::kBool;
    case PhysicalType::kInt32:
      return c.logical == LogicalType::kDate ? Kind::kDate : Kind::kInt32;
    case PhysicalType::kInt64:
      return c.logical == LogicalType::kTimestampMicrosUtc ? Kind::kTimestamp : Kind::kInt64;
    case PhysicalType::kFloat:
      return Kind::kFloat;
    case PhysicalType::kDouble:
      return Kind::kDouble;
    case PhysicalType::kByteArray:
      return Kind::kBytes;
  }
  return Kind::kBytes;
}

void EncodeValue(Kind kind, const parquet::ColumnVector& v, size_t r, CopyBinaryWriter* out) {
  switch (kind) {
    case Kind::kBool:
      out->Bool(v.bools[r] != 0);
      return;
    case Kind::kInt32:
      out->Int32(v.i32[r]);
      return;
    case Kind::kDate:
      out->Date(v.i32[r]);
      return;
    case Kind::kInt64:
      out->Int64(v.i64[r]);
      return;
    case Kind::kTimestamp:
      out->TimestampMicros(v.i64[r]);
      return;
    case Kind::kFloat:
      out->Float32(v.f32[r]);
      return;
    case Kind::kDouble:
      out->Float64(v.f64[r]);
      return;
    case Kind::kBytes:
      out->Bytes(v.bytes[r]);
      return;
  }
}

}  // namespace

StatusOr<TableEncoder> TableEncoder::Create(const model::TableContract& table,
                                            const parquet::FileReader& reader) {
  std::vector<int> file_columns;
  for (const model::ColumnContract& c : table.columns) {
    const int i = reader.ColumnIndex(c.name);
    if (i < 0) return InputError(fmt::format("no column {} (table {})", c.name, table.name));
    const parquet::ColumnSchema& s = reader.schema().columns[static_cast<size_t>(i)];
    if (s.physical != c.physical || (!c.nullable() && s.repetition != c.repetition)) {
      return InputError(fmt::format("column {} of table {} is not stored as the star schema says",
                                    c.name, table.name));
    }
    file_columns.push_back(i);
  }
  return TableEncoder(&table, &reader, std::move(file_columns));
}

TableEncoder::TableEncoder(const model::TableContract* table, const parquet::FileReader* reader,
                           std::vector<int> file_columns)
    : table_(table), reader_(reader), file_columns_(std::move(file_columns)) {
  for (const model::ColumnContract& c : table->columns) {
    kinds_.push_back(static_cast<int>(KindOf(c)));
  }
}

StatusOr<std::vector<parquet::ColumnVector>> TableEncoder::ReadRowGroup(int rg) const {
  std::vector<parquet::ColumnVector> columns;
  columns.reserve(file_columns_.size());
  for (size_t c = 0; c < file_columns_.size(); ++c) {
    WV_ASSIGN_OR_RETURN(parquet::ColumnVector v, reader_->ReadColumn(rg, file_columns_[c]));
    const model::ColumnContract& contract = table_->columns[c];
    if (!contract.nullable() && !v.valid.empty()) {
      for (uint8_t valid : v.valid) {
        if (!valid) {
          return InputError(
              fmt::format("a null in required column {} of table {}", contract.name, table_->name));
        }
      }
    }
    columns.push_back(std::move(v));
  }
  return columns;
}

void TableEncoder::EncodeRow(const std::vector<parquet::ColumnVector>& columns, size_t r,
                             CopyBinaryWriter* out) const {
  const size_t n = columns.size();
  out->BeginRow(static_cast<int16_t>(n));
  for (size_t c = 0; c < n; ++c) {
    if (columns[c].is_null(r)) {
      out->Null();
    } else {
      EncodeValue(static_cast<Kind>(kinds_[c]), columns[c], r, out);
    }
  }
}

void TableEncoder::EncodeRows(const std::vector<parquet::ColumnVector>& columns,
                              std::span<const uint32_t> rows, CopyBinaryWriter* out) const {
  for (uint32_t r : rows) EncodeRow(columns, r, out);
}

}  // namespace wv::warehouse
