#include "parquet/column_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/crc32.h"
#include "fmt/core.h"
#include "parquet/compression.h"
#include "parquet/delta_binary_packed.h"
#include "parquet/dictionary_encoding.h"
#include "parquet/plain_encoding.h"
#include "parquet/rle_bit_packed.h"
#include "parquet/statistics.h"

namespace wv::parquet {
namespace {

using format::Encoding;
using format::PageType;

// Accumulates the pages of one chunk and the metadata describing them.
class ChunkBuilder {
 public:
  ChunkBuilder(const WriterOptions& options, EncodedColumnChunk* out)
      : options_(options), out_(out) {}

  // Compresses `body` and appends it with its header.
  Status AddPage(PageType type, const std::string& body, int32_t num_values, Encoding encoding) {
    if (body.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return InternalError("parquet writer: page larger than 2 GiB");
    }
    compressed_.clear();
    WV_RETURN_IF_ERROR(
        Compress(options_.compression, options_.compression_level, body, &compressed_));
    if (compressed_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return InternalError("parquet writer: compressed page larger than 2 GiB");
    }
    format::PageHeader h;
    h.type = static_cast<int32_t>(type);
    h.uncompressed_page_size = static_cast<int32_t>(body.size());
    h.compressed_page_size = static_cast<int32_t>(compressed_.size());
    // PageHeader.crc covers the page as stored: after compression, without the header.
    if (options_.page_checksums) h.crc = static_cast<int32_t>(Crc32(compressed_));
    if (type == PageType::kDictionaryPage) {
      h.dictionary_page_header = format::DictionaryPageHeader{num_values, encoding, std::nullopt};
      out_->meta.dictionary_page_offset = static_cast<int64_t>(out_->bytes.size());
    } else {
      h.data_page_header =
          format::DataPageHeader{num_values, encoding, Encoding::kRle, Encoding::kRle};
      if (!first_data_page_seen_) {
        out_->meta.data_page_offset = static_cast<int64_t>(out_->bytes.size());
        first_data_page_seen_ = true;
      }
    }
    header_.clear();
    format::Serialize(h, &header_);
    out_->bytes.append(header_);
    out_->bytes.append(compressed_);
    out_->meta.total_uncompressed_size += static_cast<int64_t>(header_.size() + body.size());
    out_->meta.total_compressed_size += static_cast<int64_t>(header_.size() + compressed_.size());
    CountEncoding(type, encoding);
    return OkStatus();
  }

 private:
  void CountEncoding(PageType type, Encoding encoding) {
    for (format::PageEncodingStats& s : out_->meta.encoding_stats) {
      if (s.page_type == type && s.encoding == encoding) {
        ++s.count;
        return;
      }
    }
    out_->meta.encoding_stats.push_back({type, encoding, 1});
  }

  const WriterOptions& options_;
  EncodedColumnChunk* out_;
  std::string compressed_;
  std::string header_;
  bool first_data_page_seen_ = false;
};

// Appends the v1 definition levels of rows [r0, r1): a 4-byte length, then the
// RLE/bit-packed hybrid with bit width 1.
void AppendDefinitionLevels(const std::vector<uint8_t>& valid, size_t r0, size_t r1,
                            std::string* body) {
  const size_t len_pos = body->size();
  body->append(4, '\0');
  RleBitPackedEncodeBits(valid.data() + r0, r1 - r0, body);
  const uint32_t len = static_cast<uint32_t>(body->size() - len_pos - 4);
  std::memcpy(body->data() + len_pos, &len, 4);
}

// Returns the end row of the PLAIN page starting at r0.
size_t PlainPageEnd(PhysicalType type, const ColumnVector& c, size_t r0, size_t end,
                    size_t page_bytes) {
  if (type == PhysicalType::kByteArray) {
    const uint64_t* off = c.bytes.offsets.data();
    size_t bytes = 0;
    size_t r = r0;
    while (r < end && bytes < page_bytes) {
      bytes += 4 + (off[r + 1] - off[r]);
      ++r;
    }
    return r;
  }
  const size_t width = type == PhysicalType::kBoolean ? 1 : FixedWidth(type) * 8;  // bits
  const size_t rows = std::max<size_t>(1, page_bytes * 8 / width);
  return std::min(end, r0 + rows);
}

// Whether the REQUIRED int64 values [r0, r1) take at most a byte a value as
// DELTA_BINARY_PACKED: sorted or nearly sorted values (a day's line numbers,
// ~2 bits each), for which zstd over PLAIN does far worse and costs more.
// Past a byte a value the deltas are as random as the values and their
// packed bits incompressible, while zstd shrinks the PLAIN bytes of such
// columns ~3x (the fact table's `delta`: 40% of PLAIN as DELTA, but 1.25x
// PLAIN's size once both are compressed).
bool DeltaPays(const std::vector<int64_t>& values, size_t r0, size_t r1) {
  return DeltaBinaryPackedBytes(values.data() + r0, r1 - r0) <= r1 - r0;
}

}  // namespace

format::Type ToFormatType(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean:
      return format::Type::kBoolean;
    case PhysicalType::kInt32:
      return format::Type::kInt32;
    case PhysicalType::kInt64:
      return format::Type::kInt64;
    case PhysicalType::kFloat:
      return format::Type::kFloat;
    case PhysicalType::kDouble:
      return format::Type::kDouble;
    case PhysicalType::kByteArray:
      return format::Type::kByteArray;
  }
  return format::Type::kInt64;
}

Status EncodeColumnChunk(const ColumnSchema& schema, const ColumnVector& column, size_t begin,
                         size_t end, const WriterOptions& options, EncodedColumnChunk* out) {
  const bool optional = schema.repetition == Repetition::kOptional;
  if (optional && column.valid.size() < end) {
    return InternalError(
        fmt::format("parquet writer: column {} is OPTIONAL but has {} validity "
                    "entries for {} rows",
                    schema.name, column.valid.size(), end));
  }
  if (!optional && !column.valid.empty()) {
    // Tolerated when all ones (the values are then encoded as if REQUIRED).
    for (size_t r = begin; r < end; ++r) {
      if (column.valid[r] == 0) {
        return InternalError(fmt::format("parquet writer: column {} is REQUIRED but row {} is null",
                                         schema.name, r));
      }
    }
  }
  out->bytes.clear();
  out->meta = format::ColumnMetaData{};
  format::ColumnMetaData& meta = out->meta;
  meta.type = ToFormatType(schema.physical);
  meta.path_in_schema = {schema.name};
  meta.codec = static_cast<int32_t>(ToFormatCodec(options.compression));
  meta.num_values = static_cast<int64_t>(end - begin);

  const size_t page_bytes = static_cast<size_t>(std::max<int64_t>(options.page_bytes, 1));
  ChunkBuilder builder(options, out);
  std::string body;
  body.reserve(page_bytes + page_bytes / 8 + 64);

  Dictionary dict;
  const bool use_dict =
      options.dictionary && schema.physical != PhysicalType::kBoolean &&
      BuildDictionary(schema.physical, column, begin, end,
                      static_cast<size_t>(std::max<int64_t>(options.dictionary_page_bytes, 0)),
                      &dict);
  if (use_dict) {
    if (schema.physical == PhysicalType::kByteArray) {
      // String bounds over the distinct values equal bounds over all rows, at a
      // fraction of the comparisons. (Numeric scans are cheap, and floats need
      // their NaN count over all rows.)
      meta.statistics = ComputeStatistics(schema, dict.values, 0, dict.num_values);
      meta.statistics->null_count = static_cast<int64_t>((end - begin) - dict.indices.size());
    } else {
      meta.statistics = ComputeStatistics(schema, column, begin, end);
    }
    body.clear();
    PlainEncode(schema.physical, dict.values, 0, dict.num_values, &body);
    WV_RETURN_IF_ERROR(builder.AddPage(format::PageType::kDictionaryPage, body,
                                       static_cast<int32_t>(dict.num_values), Encoding::kPlain));
    const int bit_width = BitWidth(dict.num_values > 0 ? dict.num_values - 1 : 0);
    const size_t rows_per_page =
        std::max<size_t>(1, page_bytes * 8 / static_cast<size_t>(std::max(bit_width, 1)));
    size_t next_index = 0;
    for (size_t r0 = begin; r0 < end || (r0 == begin && begin == end);) {
      const size_t r1 = std::min(end, r0 + rows_per_page);
      body.clear();
      size_t non_null = r1 - r0;
      if (optional) {
        AppendDefinitionLevels(column.valid, r0, r1, &body);
        non_null = 0;
        for (size_t r = r0; r < r1; ++r) non_null += column.valid[r];
      }
      body.push_back(static_cast<char>(bit_width));
      RleBitPackedEncode(dict.indices.data() + next_index, non_null, bit_width, &body);
      next_index += non_null;
      WV_RETURN_IF_ERROR(builder.AddPage(format::PageType::kDataPage, body,
                                         static_cast<int32_t>(r1 - r0), Encoding::kRleDictionary));
      if (r1 == end) break;
      r0 = r1;
    }
    meta.encodings = {static_cast<int32_t>(Encoding::kPlain), static_cast<int32_t>(Encoding::kRle),
                      static_cast<int32_t>(Encoding::kRleDictionary)};
  } else {
    meta.statistics = ComputeStatistics(schema, column, begin, end);
    bool any_delta = false;
    for (size_t r0 = begin;;) {
      const size_t r1 = PlainPageEnd(schema.physical, column, r0, end, page_bytes);
      body.clear();
      Encoding encoding = Encoding::kPlain;
      if (options.delta_binary_packed && !optional && schema.physical == PhysicalType::kInt64 &&
          DeltaPays(column.i64, r0, r1)) {
        DeltaBinaryPackedEncode(column.i64.data() + r0, r1 - r0, &body);
        encoding = Encoding::kDeltaBinaryPacked;
        any_delta = true;
      } else {
        if (optional) AppendDefinitionLevels(column.valid, r0, r1, &body);
        PlainEncode(schema.physical, column, r0, r1, &body);
      }
      WV_RETURN_IF_ERROR(builder.AddPage(format::PageType::kDataPage, body,
                                         static_cast<int32_t>(r1 - r0), encoding));
      if (r1 >= end) break;
      r0 = r1;
    }
    meta.encodings = {static_cast<int32_t>(Encoding::kPlain), static_cast<int32_t>(Encoding::kRle)};
    if (any_delta) meta.encodings.push_back(static_cast<int32_t>(Encoding::kDeltaBinaryPacked));
  }
  return OkStatus();
}

}  // namespace wv::parquet
