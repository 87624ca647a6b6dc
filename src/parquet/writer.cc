#include "parquet/writer.h"

#include <algorithm>

#include "core/parallel.h"
#include "fmt/core.h"
#include "parquet/column_writer.h"
#include "parquet/metadata.h"
#include "parquet/schema_convert.h"

namespace wv::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";

// Bytes the rows [begin, end) of `c` take in memory, an estimate of their
// encoded size used to close row groups by bytes.
size_t SliceBytes(const ColumnSchema& s, const ColumnVector& c, size_t begin, size_t end) {
  switch (s.physical) {
    case PhysicalType::kBoolean:
      return end - begin;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4 * (end - begin);
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8 * (end - begin);
    case PhysicalType::kByteArray:
      return 4 * (end - begin) + (c.bytes.offsets[end] - c.bytes.offsets[begin]);
  }
  return 0;
}

template <typename T>
void AppendRange(const std::vector<T>& from, size_t begin, size_t end, std::vector<T>* to) {
  to->insert(to->end(), from.begin() + static_cast<ptrdiff_t>(begin),
             from.begin() + static_cast<ptrdiff_t>(end));
}

class FileWriterImpl : public FileWriter {
 public:
  FileWriterImpl(Schema schema, std::unique_ptr<io::ByteSink> sink, WriterOptions options)
      : schema_(std::move(schema)), sink_(std::move(sink)), options_(std::move(options)) {
    buffer_.resize(schema_.columns.size());
    chunks_.resize(schema_.columns.size());
  }

  Status Start() { return Append(kMagic); }

  Status WriteBatch(const std::vector<ColumnVector>& columns, size_t num_rows) override {
    if (closed_) return InternalError("parquet writer: WriteBatch after Close");
    WV_RETURN_IF_ERROR(CheckBatch(columns, num_rows));
    if (num_rows == 0) return OkStatus();
    const double row_bytes = RowBytes(columns, num_rows);
    size_t pos = 0;
    while (pos < num_rows) {
      const size_t room = RowGroupRoom(row_bytes);
      const size_t take = std::min(num_rows - pos, room);
      const bool fills_group = take == room;
      if (buffered_rows_ == 0 && fills_group) {
        // A whole row group inside the caller's batch: encode it in place.
        WV_RETURN_IF_ERROR(FlushRowGroup(columns, pos, pos + take));
      } else {
        for (size_t c = 0; c < columns.size(); ++c) {
          AppendSlice(schema_.columns[c], columns[c], pos, pos + take, &buffer_[c]);
          buffered_bytes_ += SliceBytes(schema_.columns[c], columns[c], pos, pos + take);
        }
        buffered_rows_ += take;
        if (fills_group) WV_RETURN_IF_ERROR(FlushBuffer());
      }
      pos += take;
    }
    return OkStatus();
  }

  Status WriteRowGroups(const std::vector<ColumnVector>& columns, size_t num_rows) override {
    if (closed_) return InternalError("parquet writer: WriteRowGroups after Close");
    WV_RETURN_IF_ERROR(CheckBatch(columns, num_rows));
    if (num_rows == 0) return OkStatus();
    if (buffered_rows_ > 0) WV_RETURN_IF_ERROR(FlushBuffer());
    const double row_bytes = RowBytes(columns, num_rows);
    for (size_t pos = 0; pos < num_rows;) {
      const size_t take = std::min(num_rows - pos, RowGroupRoom(row_bytes));
      WV_RETURN_IF_ERROR(FlushRowGroup(columns, pos, pos + take));
      pos += take;
    }
    return OkStatus();
  }

  Status Close() override {
    if (closed_) return InternalError("parquet writer: Close called twice");
    closed_ = true;
    if (buffered_rows_ > 0) WV_RETURN_IF_ERROR(FlushBuffer());
    format::FileMetaData meta;
    meta.version = 2;
    meta.num_rows = rows_written_;
    meta.row_groups = std::move(row_groups_);
    meta.created_by = options_.created_by.empty() ? std::string("wordviews version ") + WV_VERSION
                                                  : options_.created_by;
    for (const auto& [k, v] : options_.key_value_metadata) {
      meta.key_value_metadata.push_back({k, v});
    }
    meta.schema = ToFormatSchema(schema_);
    meta.column_orders_type_defined.assign(schema_.columns.size(), true);
    std::string footer;
    format::Serialize(meta, &footer);
    const uint32_t len = static_cast<uint32_t>(footer.size());
    char len_bytes[4] = {static_cast<char>(len & 0xff), static_cast<char>((len >> 8) & 0xff),
                         static_cast<char>((len >> 16) & 0xff),
                         static_cast<char>((len >> 24) & 0xff)};
    footer.append(len_bytes, 4);
    footer.append(kMagic);
    WV_RETURN_IF_ERROR(Append(footer));
    return sink_->Close();
  }

  const Schema& schema() const override { return schema_; }
  int64_t rows_written() const override { return rows_written_ + buffered_rows_; }
  int64_t bytes_written() const override { return static_cast<int64_t>(offset_); }

 private:
  Status Append(std::string_view bytes) {
    WV_RETURN_IF_ERROR(sink_->Append(bytes));
    offset_ += bytes.size();
    return OkStatus();
  }

  Status CheckBatch(const std::vector<ColumnVector>& columns, size_t n) const {
    if (columns.size() != schema_.columns.size()) {
      return InternalError(fmt::format("parquet writer: batch has {} columns, schema has {}",
                                       columns.size(), schema_.columns.size()));
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      const ColumnSchema& s = schema_.columns[c];
      const ColumnVector& v = columns[c];
      size_t have = 0;
      switch (s.physical) {
        case PhysicalType::kBoolean:
          have = v.bools.size();
          break;
        case PhysicalType::kInt32:
          have = v.i32.size();
          break;
        case PhysicalType::kInt64:
          have = v.i64.size();
          break;
        case PhysicalType::kFloat:
          have = v.f32.size();
          break;
        case PhysicalType::kDouble:
          have = v.f64.size();
          break;
        case PhysicalType::kByteArray:
          have = v.bytes.size();
          break;
      }
      if (have < n) {
        return InternalError(fmt::format(
            "parquet writer: column {} holds {} values, batch has {} rows", s.name, have, n));
      }
      if (s.repetition == Repetition::kOptional && v.valid.size() < n) {
        return InternalError(
            fmt::format("parquet writer: OPTIONAL column {} has {} validity entries for {} rows",
                        s.name, v.valid.size(), n));
      }
    }
    return OkStatus();
  }

  static void AppendSlice(const ColumnSchema& s, const ColumnVector& from, size_t begin, size_t end,
                          ColumnVector* to) {
    switch (s.physical) {
      case PhysicalType::kBoolean:
        AppendRange(from.bools, begin, end, &to->bools);
        break;
      case PhysicalType::kInt32:
        AppendRange(from.i32, begin, end, &to->i32);
        break;
      case PhysicalType::kInt64:
        AppendRange(from.i64, begin, end, &to->i64);
        break;
      case PhysicalType::kFloat:
        AppendRange(from.f32, begin, end, &to->f32);
        break;
      case PhysicalType::kDouble:
        AppendRange(from.f64, begin, end, &to->f64);
        break;
      case PhysicalType::kByteArray: {
        const uint64_t base = from.bytes.offsets[begin];
        const uint64_t shift = to->bytes.data.size();
        to->bytes.data.append(from.bytes.data, base, from.bytes.offsets[end] - base);
        for (size_t i = begin + 1; i <= end; ++i) {
          to->bytes.offsets.push_back(from.bytes.offsets[i] - base + shift);
        }
        break;
      }
    }
    if (s.repetition == Repetition::kOptional) AppendRange(from.valid, begin, end, &to->valid);
  }

  // The average bytes of a row of the batch, as row_group_bytes counts them.
  double RowBytes(const std::vector<ColumnVector>& columns, size_t num_rows) const {
    size_t batch_bytes = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
      batch_bytes += SliceBytes(schema_.columns[c], columns[c], 0, num_rows);
    }
    return std::max(1.0, static_cast<double>(batch_bytes) / static_cast<double>(num_rows));
  }

  // Rows of `row_bytes` each that the open row group can still take.
  size_t RowGroupRoom(double row_bytes) const {
    const auto rg_rows = static_cast<size_t>(std::max<int64_t>(options_.row_group_rows, 1));
    const auto rg_bytes = static_cast<double>(std::max<int64_t>(options_.row_group_bytes, 1));
    const size_t room_rows = rg_rows - buffered_rows_;
    const size_t room_by_bytes = static_cast<size_t>(
        std::max(1.0, (rg_bytes - static_cast<double>(buffered_bytes_)) / row_bytes));
    return std::min(room_rows, room_by_bytes);
  }

  Status FlushBuffer() {
    WV_RETURN_IF_ERROR(FlushRowGroup(buffer_, 0, buffered_rows_));
    for (ColumnVector& v : buffer_) v.clear();
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    return OkStatus();
  }

  // Encodes rows [begin, end) of `columns` as one row group and writes it.
  Status FlushRowGroup(const std::vector<ColumnVector>& columns, size_t begin, size_t end) {
    const size_t n = columns.size();
    std::vector<Status> statuses(n);
    // Column chunks are independent: encode and compress them in parallel
    // (encode_threads <= 0 means one thread here, not all cores).
    ParallelFor(n, std::max(1, options_.encode_threads), [&](size_t c, int) {
      statuses[c] =
          EncodeColumnChunk(schema_.columns[c], columns[c], begin, end, options_, &chunks_[c]);
    });
    for (const Status& s : statuses) WV_RETURN_IF_ERROR(s);

    format::RowGroup group;
    group.num_rows = static_cast<int64_t>(end - begin);
    group.file_offset = static_cast<int64_t>(offset_);
    group.ordinal = static_cast<int16_t>(row_groups_.size());
    int64_t total_compressed = 0;
    for (size_t c = 0; c < n; ++c) {
      EncodedColumnChunk& chunk = chunks_[c];
      const auto base = static_cast<int64_t>(offset_);
      format::ColumnChunk cc;
      cc.file_offset = base;
      cc.meta_data = std::move(chunk.meta);
      cc.meta_data->data_page_offset += base;
      if (cc.meta_data->dictionary_page_offset) *cc.meta_data->dictionary_page_offset += base;
      group.total_byte_size += cc.meta_data->total_uncompressed_size;
      total_compressed += cc.meta_data->total_compressed_size;
      WV_RETURN_IF_ERROR(Append(chunk.bytes));
      // Freed, not kept for the next row group: a writer may stay open long
      // after its last one (a day of the fact table, many such at once).
      std::string().swap(chunk.bytes);
      group.columns.push_back(std::move(cc));
    }
    group.total_compressed_size = total_compressed;
    row_groups_.push_back(std::move(group));
    rows_written_ += static_cast<int64_t>(end - begin);
    return OkStatus();
  }

  Schema schema_;
  std::unique_ptr<io::ByteSink> sink_;
  WriterOptions options_;
  std::vector<ColumnVector> buffer_;
  std::vector<EncodedColumnChunk> chunks_;
  size_t buffered_rows_ = 0;
  size_t buffered_bytes_ = 0;
  std::vector<format::RowGroup> row_groups_;
  int64_t rows_written_ = 0;
  uint64_t offset_ = 0;
  bool closed_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<FileWriter>> FileWriter::Open(Schema schema,
                                                       std::unique_ptr<io::ByteSink> sink,
                                                       WriterOptions options) {
  WV_RETURN_IF_ERROR(ValidateSchema(schema));
  if (sink == nullptr) return InternalError("parquet writer: no sink");
  auto writer =
      std::make_unique<FileWriterImpl>(std::move(schema), std::move(sink), std::move(options));
  WV_RETURN_IF_ERROR(writer->Start());
  return std::unique_ptr<FileWriter>(std::move(writer));
}

}  // namespace wv::parquet
