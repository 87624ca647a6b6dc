#include "parquet/column_reader.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/crc32.h"
#include "fmt/core.h"
#include "parquet/compression.h"
#include "parquet/delta_encoding.h"
#include "parquet/plain_encoding.h"
#include "parquet/rle_bit_packed.h"

namespace wv::parquet {
namespace {

using format::Encoding;

// Appends `n` values taken from dense[idx[i]] (or dense[i] when idx is null).
template <typename T>
void Gather(const std::vector<T>& dict, const uint32_t* idx, size_t n, std::vector<T>* out) {
  const size_t old = out->size();
  out->resize(old + n);
  T* dst = out->data() + old;
  for (size_t i = 0; i < n; ++i) dst[i] = dict[idx[i]];
}

void GatherAll(PhysicalType type, const ColumnVector& dict, const uint32_t* idx, size_t n,
               ColumnVector* out) {
  switch (type) {
    case PhysicalType::kBoolean:
      Gather(dict.bools, idx, n, &out->bools);
      break;
    case PhysicalType::kInt32:
      Gather(dict.i32, idx, n, &out->i32);
      break;
    case PhysicalType::kInt64:
      Gather(dict.i64, idx, n, &out->i64);
      break;
    case PhysicalType::kFloat:
      Gather(dict.f32, idx, n, &out->f32);
      break;
    case PhysicalType::kDouble:
      Gather(dict.f64, idx, n, &out->f64);
      break;
    case PhysicalType::kByteArray: {
      size_t bytes = 0;
      const uint64_t* off = dict.bytes.offsets.data();
      for (size_t i = 0; i < n; ++i) bytes += off[idx[i] + 1] - off[idx[i]];
      out->bytes.reserve(out->bytes.size() + n, out->bytes.data.size() + bytes);
      for (size_t i = 0; i < n; ++i) out->bytes.push_back(dict.bytes[idx[i]]);
      break;
    }
  }
}

// Appends the page's rows to *out: dense[k] for each row whose level is 1, a
// zero / empty slot for each null.
template <typename T>
void Scatter(const std::vector<T>& dense, const uint8_t* levels, size_t n, std::vector<T>* out) {
  const size_t old = out->size();
  out->resize(old + n);
  T* dst = out->data() + old;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    dst[i] = levels[i] ? dense[k] : T{};
    k += levels[i];
  }
}

void ScatterAll(PhysicalType type, const ColumnVector& dense, const uint8_t* levels, size_t n,
                ColumnVector* out) {
  switch (type) {
    case PhysicalType::kBoolean:
      Scatter(dense.bools, levels, n, &out->bools);
      break;
    case PhysicalType::kInt32:
      Scatter(dense.i32, levels, n, &out->i32);
      break;
    case PhysicalType::kInt64:
      Scatter(dense.i64, levels, n, &out->i64);
      break;
    case PhysicalType::kFloat:
      Scatter(dense.f32, levels, n, &out->f32);
      break;
    case PhysicalType::kDouble:
      Scatter(dense.f64, levels, n, &out->f64);
      break;
    case PhysicalType::kByteArray: {
      size_t k = 0;
      for (size_t i = 0; i < n; ++i) {
        if (levels[i]) {
          out->bytes.push_back(dense.bytes[k++]);
        } else {
          out->bytes.push_back({});
        }
      }
      break;
    }
  }
  out->valid.insert(out->valid.end(), levels, levels + n);
}

// Values decoded per step where a page's declared count is not yet backed by
// data, so memory grows only with what is actually decoded.
constexpr size_t kSlice = 1 << 16;

// Decoding state of one chunk.
class ChunkDecoder {
 public:
  // Decodes values into `out`, or, when `indices_out` is set, keeps
  // dictionary-encoded values as indices (the dictionary itself goes to
  // indices_out->dictionary in Finish()); then `out` is unused.
  ChunkDecoder(const ColumnSchema& schema, int32_t codec, const ReaderLimits& limits,
               std::string_view context, ColumnVector* out, DictionaryColumn* indices_out)
      : schema_(schema),
        codec_(codec),
        limits_(limits),
        context_(context),
        out_(out),
        indices_out_(indices_out) {}

  Status Error(std::string_view what) const {
    return InputError(fmt::format("{}: {}", context_, what));
  }

  Status Dictionary(const format::PageHeader& h, std::string_view body) {
    if (!h.dictionary_page_header) return Error("dictionary page without its header");
    if (have_dict_) return Error("a second dictionary page in one column chunk");
    if (values_seen_ > 0) return Error("dictionary page after data pages");
    const format::DictionaryPageHeader& d = *h.dictionary_page_header;
    if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
      return Error(fmt::format("dictionary page encoding {} is not supported",
                               EncodingName(static_cast<int32_t>(d.encoding))));
    }
    if (d.num_values < 0) return Error("negative dictionary size");
    std::string_view data;
    WV_RETURN_IF_ERROR(Inflate(body, h.uncompressed_page_size, &data));
    size_t used = 0;
    // PlainDecode checks the page holds num_values values before allocating.
    WV_RETURN_IF_ERROR(PlainDecode(schema_.physical, data, static_cast<size_t>(d.num_values),
                                   context_, &dict_, &used));
    dict_size_ = static_cast<size_t>(d.num_values);
    have_dict_ = true;
    return OkStatus();
  }

  Status DataV1(const format::PageHeader& h, std::string_view body, int64_t rows_left) {
    if (!h.data_page_header) return Error("data page without its header");
    const format::DataPageHeader& d = *h.data_page_header;
    if (d.num_values < 0 || d.num_values > rows_left) {
      return Error(fmt::format("data page claims {} values, {} remain in the chunk", d.num_values,
                               rows_left));
    }
    std::string_view data;
    WV_RETURN_IF_ERROR(Inflate(body, h.uncompressed_page_size, &data));
    const auto n = static_cast<size_t>(d.num_values);
    size_t non_null = n;
    if (optional()) {
      if (d.definition_level_encoding != Encoding::kRle) {
        return Error(fmt::format("definition level encoding {} is not supported",
                                 EncodingName(static_cast<int32_t>(d.definition_level_encoding))));
      }
      if (data.size() < 4) return Error("data page too short for its definition levels");
      uint32_t len = 0;
      std::memcpy(&len, data.data(), 4);
      if (len > data.size() - 4) return Error("definition levels extend beyond the page");
      WV_RETURN_IF_ERROR(DecodeLevels(data.substr(4, len), n, &non_null));
      data.remove_prefix(4 + len);
    }
    WV_RETURN_IF_ERROR(DecodeValues(d.encoding, data, n, non_null));
    values_seen_ += n;
    return OkStatus();
  }

  Status DataV2(const format::PageHeader& h, std::string_view body, int64_t rows_left) {
    if (!h.data_page_header_v2) return Error("data page v2 without its header");
    const format::DataPageHeaderV2& d = *h.data_page_header_v2;
    if (d.num_values < 0 || d.num_values > rows_left) {
      return Error(fmt::format("data page claims {} values, {} remain in the chunk", d.num_values,
                               rows_left));
    }
    if (d.repetition_levels_byte_length != 0) {
      return Error("repetition levels in a flat column");
    }
    if (d.definition_levels_byte_length < 0 ||
        static_cast<size_t>(d.definition_levels_byte_length) > body.size()) {
      return Error("definition levels extend beyond the page");
    }
    const auto levels_len = static_cast<size_t>(d.definition_levels_byte_length);
    if (h.uncompressed_page_size < d.definition_levels_byte_length) {
      return Error("page smaller than its definition levels");
    }
    const auto n = static_cast<size_t>(d.num_values);
    size_t non_null = n;
    if (optional()) {
      WV_RETURN_IF_ERROR(DecodeLevels(body.substr(0, levels_len), n, &non_null));
    } else if (levels_len != 0) {
      return Error("definition levels in a REQUIRED column");
    }
    std::string_view values = body.substr(levels_len);
    const int32_t values_size = h.uncompressed_page_size - d.definition_levels_byte_length;
    if (d.is_compressed && codec_ != 0) {
      WV_RETURN_IF_ERROR(Inflate(values, values_size, &values));
    } else if (values.size() != static_cast<size_t>(values_size)) {
      return Error("uncompressed page size disagrees with the page length");
    }
    WV_RETURN_IF_ERROR(DecodeValues(d.encoding, values, n, non_null));
    values_seen_ += n;
    return OkStatus();
  }

  size_t values_seen() const { return values_seen_; }
  // In index mode: a data page with values in another encoding was met, so
  // the chunk cannot be returned as dictionary + indices.
  bool not_dictionary_encoded() const { return not_dictionary_encoded_; }
  void Finish() {
    if (indices_out_ != nullptr) indices_out_->dictionary = std::move(dict_);
  }

 private:
  bool optional() const { return schema_.repetition == Repetition::kOptional; }

  Status Inflate(std::string_view body, int32_t uncompressed_size, std::string_view* out) {
    if (uncompressed_size < 0 || uncompressed_size > limits_.max_page_bytes) {
      return Error(fmt::format("page claims {} uncompressed bytes (limit {})", uncompressed_size,
                               limits_.max_page_bytes));
    }
    if (codec_ == 0) {
      if (body.size() != static_cast<size_t>(uncompressed_size)) {
        return Error(fmt::format("uncompressed page holds {} bytes, its header says {}",
                                 body.size(), uncompressed_size));
      }
      *out = body;
      return OkStatus();
    }
    page_buffer_.resize(static_cast<size_t>(uncompressed_size));
    WV_RETURN_IF_ERROR(
        Decompress(codec_, body, page_buffer_.data(), page_buffer_.size(), context_));
    *out = page_buffer_;
    return OkStatus();
  }

  // Decodes in slices so memory grows only with levels actually present.
  Status DecodeLevels(std::string_view data, size_t n, size_t* non_null) {
    levels_.clear();
    RleBitPackedDecoder dec(data, 1, context_);
    size_t k = 0;
    for (size_t done = 0; done < n;) {
      const size_t take = std::min<size_t>(n - done, kSlice);
      levels_.resize(done + take);
      WV_RETURN_IF_ERROR(dec.DecodeBits(levels_.data() + done, take));
      for (size_t i = done; i < done + take; ++i) k += levels_[i];
      done += take;
    }
    *non_null = k;
    return OkStatus();
  }

  Status DecodeValues(Encoding encoding, std::string_view data, size_t n, size_t non_null) {
    // Required columns decode straight into the output; optional ones into a
    // dense scratch vector that is then spread over the non-null rows.
    const bool dictionary_encoded =
        encoding == Encoding::kPlainDictionary || encoding == Encoding::kRleDictionary;
    if (indices_out_ != nullptr) return KeepIndices(dictionary_encoded, data, n, non_null);
    ColumnVector* dense = out_;
    if (optional()) {
      dense_.clear();
      dense = &dense_;
    }
    switch (encoding) {
      case Encoding::kPlain: {
        size_t used = 0;
        WV_RETURN_IF_ERROR(PlainDecode(schema_.physical, data, non_null, context_, dense, &used));
        break;
      }
      case Encoding::kPlainDictionary:
      case Encoding::kRleDictionary: {
        WV_RETURN_IF_ERROR(
            DecodeIndices(data, non_null, [&](const uint32_t* indices, size_t count) {
              GatherAll(schema_.physical, dict_, indices, count, dense);
            }));
        break;
      }
      case Encoding::kRle: {
        if (schema_.physical != PhysicalType::kBoolean) {
          return Error("RLE value encoding is only valid for BOOLEAN columns");
        }
        if (data.size() < 4) return Error("RLE boolean page too short");
        uint32_t len = 0;
        std::memcpy(&len, data.data(), 4);
        if (len > data.size() - 4) return Error("RLE booleans extend beyond the page");
        RleBitPackedDecoder dec(data.substr(4, len), 1, context_);
        for (size_t done = 0; done < non_null;) {
          const size_t take = std::min<size_t>(non_null - done, kSlice);
          const size_t old = dense->bools.size();
          dense->bools.resize(old + take);
          WV_RETURN_IF_ERROR(dec.DecodeBits(dense->bools.data() + old, take));
          done += take;
        }
        break;
      }
      case Encoding::kDeltaBinaryPacked:
      case Encoding::kDeltaLengthByteArray:
      case Encoding::kDeltaByteArray:
      case Encoding::kByteStreamSplit:
        WV_RETURN_IF_ERROR(DecodeDeltaOrSplit(static_cast<int32_t>(encoding), schema_.physical,
                                              data, non_null, context_, dense));
        break;
      default:
        return Error(fmt::format("value encoding {} is not supported",
                                 EncodingName(static_cast<int32_t>(encoding))));
    }
    if (optional()) ScatterAll(schema_.physical, dense_, levels_.data(), n, out_);
    return OkStatus();
  }

  // Decodes the `non_null` dictionary indices of a page in slices, checks
  // each against the dictionary size and hands every slice to `consume`.
  template <typename Consume>
  Status DecodeIndices(std::string_view data, size_t non_null, Consume consume) {
    if (!have_dict_) return Error("dictionary-encoded page but no dictionary page");
    if (non_null == 0) return OkStatus();
    if (data.empty()) return Error("dictionary-encoded page has no bit width");
    const int bit_width = static_cast<uint8_t>(data[0]);
    if (bit_width > 32) return Error(fmt::format("dictionary index bit width {}", bit_width));
    RleBitPackedDecoder dec(data.substr(1), bit_width, context_);
    indices_.resize(std::min<size_t>(non_null, kSlice));
    for (size_t done = 0; done < non_null;) {
      const size_t take = std::min<size_t>(non_null - done, kSlice);
      WV_RETURN_IF_ERROR(dec.Decode(indices_.data(), take));
      for (size_t i = 0; i < take; ++i) {
        if (indices_[i] >= dict_size_) {
          return Error(fmt::format("dictionary index {} out of range (dictionary has {} entries)",
                                   indices_[i], dict_size_));
        }
      }
      consume(indices_.data(), take);
      done += take;
    }
    return OkStatus();
  }

  // Index mode: appends the page's indices (0 for a null row) and validity.
  Status KeepIndices(bool dictionary_encoded, std::string_view data, size_t n, size_t non_null) {
    if (!dictionary_encoded && non_null > 0) {
      not_dictionary_encoded_ = true;
      return OkStatus();
    }
    std::vector<uint32_t>* dense = &indices_out_->indices;
    if (optional()) {
      dense_indices_.clear();
      dense = &dense_indices_;
    }
    if (dictionary_encoded) {
      WV_RETURN_IF_ERROR(DecodeIndices(data, non_null, [&](const uint32_t* indices, size_t count) {
        dense->insert(dense->end(), indices, indices + count);
      }));
    }
    if (optional()) {
      Scatter(dense_indices_, levels_.data(), n, &indices_out_->indices);
      indices_out_->valid.insert(indices_out_->valid.end(), levels_.data(), levels_.data() + n);
    }
    return OkStatus();
  }

  const ColumnSchema& schema_;
  int32_t codec_ = 0;
  const ReaderLimits& limits_;
  std::string_view context_;
  ColumnVector* out_;
  DictionaryColumn* indices_out_;
  bool not_dictionary_encoded_ = false;
  std::vector<uint32_t> dense_indices_;
  ColumnVector dict_;
  size_t dict_size_ = 0;
  bool have_dict_ = false;
  size_t values_seen_ = 0;
  std::string page_buffer_;
  std::vector<uint8_t> levels_;
  std::vector<uint32_t> indices_;
  ColumnVector dense_;
};

bool SupportedCodec(int32_t codec) { return codec == 0 || codec == 1 || codec == 2 || codec == 6; }

}  // namespace

std::string_view EncodingName(int32_t encoding) {
  switch (encoding) {
    case 0:
      return "PLAIN";
    case 2:
      return "PLAIN_DICTIONARY";
    case 3:
      return "RLE";
    case 4:
      return "BIT_PACKED";
    case 5:
      return "DELTA_BINARY_PACKED";
    case 6:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case 7:
      return "DELTA_BYTE_ARRAY";
    case 8:
      return "RLE_DICTIONARY";
    case 9:
      return "BYTE_STREAM_SPLIT";
    default:
      return "UNKNOWN";
  }
}

namespace {

// The one page walk behind ReadColumnChunk and ReadDictionaryChunk: decodes
// into `out`, or into `indices_out` when it is set (then stops early and sets
// *dictionary_encoded = false at the first page in another encoding).
Status WalkChunk(std::string_view file, const format::ColumnChunk& chunk,
                 const ColumnSchema& schema, int64_t num_rows, const ReaderLimits& limits,
                 std::string_view context, ColumnVector* out, DictionaryColumn* indices_out,
                 bool* dictionary_encoded) {
  auto error = [&](std::string_view what) {
    return InputError(fmt::format("{}: {}", context, what));
  };
  if (chunk.file_path) return error("column chunks in external files are not supported");
  if (!chunk.meta_data) return error("column chunk has no metadata");
  const format::ColumnMetaData& m = *chunk.meta_data;
  if (!SupportedCodec(m.codec)) {
    return error(fmt::format("unsupported compression codec {} ({})", CodecName(m.codec), m.codec));
  }
  if (m.num_values != num_rows) {
    return error(fmt::format("column chunk holds {} values but the row group has {} rows",
                             m.num_values, num_rows));
  }
  if (indices_out != nullptr) {
    *indices_out = DictionaryColumn{};
    *dictionary_encoded = true;
  } else {
    out->clear();
  }
  // An empty row group has nothing to read; writers give its chunks no pages
  // or an empty dictionary only, and offsets that need not point anywhere
  // (pyarrow writes data_page_offset 0).
  if (num_rows == 0) return OkStatus();
  int64_t start = m.data_page_offset;
  if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 &&
      *m.dictionary_page_offset < start) {
    start = *m.dictionary_page_offset;
  }
  const auto file_size = static_cast<int64_t>(file.size());
  if (start < 4 || start >= file_size || m.total_compressed_size < 0 ||
      m.total_compressed_size > file_size - start) {
    return error(fmt::format("column chunk [{}, +{}) lies outside the file ({} bytes)", start,
                             m.total_compressed_size, file_size));
  }
  const std::string_view bytes =
      file.substr(static_cast<size_t>(start), static_cast<size_t>(m.total_compressed_size));

  const auto rows = static_cast<size_t>(num_rows);
  // Reserve for the declared rows only up to a modest size: beyond it the
  // vectors grow as values are actually decoded, so a lying row count alone
  // cannot trigger a huge allocation.
  const size_t reserve = std::min<size_t>(rows, size_t{1} << 21);
  if (indices_out != nullptr) {
    indices_out->indices.reserve(reserve);
  } else {
    switch (schema.physical) {
      case PhysicalType::kBoolean:
        out->bools.reserve(reserve);
        break;
      case PhysicalType::kInt32:
        out->i32.reserve(reserve);
        break;
      case PhysicalType::kInt64:
        out->i64.reserve(reserve);
        break;
      case PhysicalType::kFloat:
        out->f32.reserve(reserve);
        break;
      case PhysicalType::kDouble:
        out->f64.reserve(reserve);
        break;
      case PhysicalType::kByteArray:
        out->bytes.offsets.reserve(reserve + 1);
        break;
    }
  }
  if (schema.repetition == Repetition::kOptional) {
    (indices_out != nullptr ? indices_out->valid : out->valid).reserve(reserve);
  }

  ChunkDecoder decoder(schema, m.codec, limits, context, out, indices_out);
  size_t pos = 0;
  while (decoder.values_seen() < rows) {
    if (decoder.not_dictionary_encoded()) {
      *indices_out = DictionaryColumn{};
      *dictionary_encoded = false;
      return OkStatus();
    }
    if (pos >= bytes.size()) {
      return error(fmt::format("column chunk ends after {} of {} values (truncated?)",
                               decoder.values_seen(), rows));
    }
    format::PageHeader h;
    size_t used = 0;
    WV_RETURN_IF_ERROR(format::Parse(bytes.substr(pos), context, &h, &used));
    pos += used;
    if (h.compressed_page_size < 0 ||
        static_cast<size_t>(h.compressed_page_size) > bytes.size() - pos) {
      return error(fmt::format("page of {} bytes extends beyond its column chunk (truncated?)",
                               h.compressed_page_size));
    }
    const std::string_view body = bytes.substr(pos, static_cast<size_t>(h.compressed_page_size));
    pos += static_cast<size_t>(h.compressed_page_size);
    if (h.crc && static_cast<uint32_t>(*h.crc) != Crc32(body)) {
      return error(fmt::format("page at byte {} fails its CRC-32 check (corrupt)",
                               start + static_cast<int64_t>(pos) - h.compressed_page_size));
    }
    const auto rows_left = static_cast<int64_t>(rows - decoder.values_seen());
    switch (h.type) {
      case 2:
        WV_RETURN_IF_ERROR(decoder.Dictionary(h, body));
        break;
      case 0:
        WV_RETURN_IF_ERROR(decoder.DataV1(h, body, rows_left));
        break;
      case 3:
        WV_RETURN_IF_ERROR(decoder.DataV2(h, body, rows_left));
        break;
      default:
        break;  // index pages and future page types carry no values
    }
  }
  if (decoder.not_dictionary_encoded()) {
    *indices_out = DictionaryColumn{};
    *dictionary_encoded = false;
    return OkStatus();
  }
  decoder.Finish();
  return OkStatus();
}

}  // namespace

Status ReadColumnChunk(std::string_view file, const format::ColumnChunk& chunk,
                       const ColumnSchema& schema, int64_t num_rows, const ReaderLimits& limits,
                       std::string_view context, ColumnVector* out) {
  return WalkChunk(file, chunk, schema, num_rows, limits, context, out, nullptr, nullptr);
}

Status ReadDictionaryChunk(std::string_view file, const format::ColumnChunk& chunk,
                           const ColumnSchema& schema, int64_t num_rows, const ReaderLimits& limits,
                           std::string_view context, DictionaryColumn* out,
                           bool* dictionary_encoded) {
  return WalkChunk(file, chunk, schema, num_rows, limits, context, nullptr, out,
                   dictionary_encoded);
}

}  // namespace wv::parquet
