#ifndef WV_PARQUET_METADATA_H_
#define WV_PARQUET_METADATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

// Parquet's file and page metadata (parquet-format's parquet.thrift), with
// Thrift compact serialization and parsing. Only the fields this project uses
// are kept; every other field is skipped on parse, so files from newer writers
// still read. Plain structs: thread-compatible.
namespace wv::parquet::format {

// parquet.thrift enum values (wire values, do not renumber).
enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};
enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kDate = 6,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
};
enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};
enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};
enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

// The LogicalType union, reduced to the members we recognise. kOther marks a
// union member we do not interpret (kept so readers can report it).
struct LogicalType {
  enum class Kind { kString, kDate, kTimestamp, kInteger, kOther };
  Kind kind = Kind::kOther;
  // kTimestamp:
  bool is_adjusted_to_utc = false;
  enum class Unit { kMillis, kMicros, kNanos } unit = Unit::kMicros;
  // kInteger:
  int8_t bit_width = 0;
  bool is_signed = true;
  int16_t union_field_id = 0;  // the union member's field id as read
};

struct SchemaElement {
  std::optional<Type> type;
  std::optional<int32_t> type_length;
  std::optional<Repetition> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;  // raw: may be a value we do not name
  std::optional<LogicalType> logical_type;
};

struct Statistics {
  std::optional<std::string> max;  // deprecated, signed order
  std::optional<std::string> min;  // deprecated, signed order
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct PageEncodingStats {
  PageType page_type = PageType::kDataPage;
  Encoding encoding = Encoding::kPlain;
  int32_t count = 0;
};

struct ColumnMetaData {
  Type type = Type::kInt64;
  std::vector<int32_t> encodings;  // raw Encoding values
  std::vector<std::string> path_in_schema;
  int32_t codec = 0;  // raw CompressionCodec value
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::vector<PageEncodingStats> encoding_stats;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  // One per leaf column when present; true = TYPE_ORDER (type-defined order,
  // i.e. min_value/max_value are valid).
  std::vector<bool> column_orders_type_defined;
  bool encrypted = false;  // encryption_algorithm present
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  std::optional<bool> is_sorted;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  int32_t type = 0;  // raw PageType (unknown page types are skipped by readers)
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

// Appends the Thrift compact encoding of a struct to *out.
void Serialize(const FileMetaData& meta, std::string* out);
void Serialize(const PageHeader& header, std::string* out);

// Parses a struct from the start of `data`; *consumed receives the bytes used.
// `context` names the file (and place) for messages. Required fields that are
// missing are an InputError.
Status Parse(std::string_view data, std::string_view context, FileMetaData* meta);
Status Parse(std::string_view data, std::string_view context, PageHeader* header, size_t* consumed);

}  // namespace wv::parquet::format

#endif  // WV_PARQUET_METADATA_H_
