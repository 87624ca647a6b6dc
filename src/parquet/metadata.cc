#include "parquet/metadata.h"

#include <iterator>
#include <span>
#include <type_traits>

#include "fmt/core.h"
#include "parquet/thrift_compact.h"

namespace wv::parquet::format {
namespace {

using thrift::CompactReader;
using thrift::CompactWriter;
using thrift::WireType;

// ---------------------------------------------------------------- serialize

void WriteStatistics(CompactWriter& w, int16_t id, const Statistics& s) {
  w.FieldStructBegin(id);
  if (s.max) w.FieldBinary(1, *s.max);
  if (s.min) w.FieldBinary(2, *s.min);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  if (s.is_max_value_exact) w.FieldBool(7, *s.is_max_value_exact);
  if (s.is_min_value_exact) w.FieldBool(8, *s.is_min_value_exact);
  if (s.nan_count) w.FieldI64(9, *s.nan_count);
  w.EndStruct();
}

void WriteLogicalType(CompactWriter& w, int16_t id, const LogicalType& t) {
  w.FieldStructBegin(id);
  switch (t.kind) {
    case LogicalType::Kind::kString:
      w.FieldStructBegin(1);
      w.EndStruct();
      break;
    case LogicalType::Kind::kDate:
      w.FieldStructBegin(6);
      w.EndStruct();
      break;
    case LogicalType::Kind::kTimestamp:
      w.FieldStructBegin(8);
      w.FieldBool(1, t.is_adjusted_to_utc);
      w.FieldStructBegin(2);  // TimeUnit union
      w.FieldStructBegin(t.unit == LogicalType::Unit::kMillis   ? 1
                         : t.unit == LogicalType::Unit::kMicros ? 2
                                                                : 3);
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::Kind::kInteger:
      w.FieldStructBegin(10);
      w.FieldByte(1, t.bit_width);
      w.FieldBool(2, t.is_signed);
      w.EndStruct();
      break;
    case LogicalType::Kind::kOther:
      break;
  }
  w.EndStruct();
}

void WriteKeyValues(CompactWriter& w, int16_t id, const std::vector<KeyValue>& kvs) {
  w.FieldListBegin(id, WireType::kStruct, static_cast<uint32_t>(kvs.size()));
  for (const KeyValue& kv : kvs) {
    w.ElemStructBegin();
    w.FieldBinary(1, kv.key);
    if (kv.value) w.FieldBinary(2, *kv.value);
    w.EndStruct();
  }
}

void WriteColumnMetaData(CompactWriter& w, int16_t id, const ColumnMetaData& m) {
  w.FieldStructBegin(id);
  w.FieldI32(1, static_cast<int32_t>(m.type));
  w.FieldListBegin(2, WireType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (int32_t e : m.encodings) w.ElemI32(e);
  w.FieldListBegin(3, WireType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) w.ElemBinary(p);
  w.FieldI32(4, m.codec);
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  w.FieldI64(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) WriteStatistics(w, 12, *m.statistics);
  if (!m.encoding_stats.empty()) {
    w.FieldListBegin(13, WireType::kStruct, static_cast<uint32_t>(m.encoding_stats.size()));
    for (const PageEncodingStats& s : m.encoding_stats) {
      w.ElemStructBegin();
      w.FieldI32(1, static_cast<int32_t>(s.page_type));
      w.FieldI32(2, static_cast<int32_t>(s.encoding));
      w.FieldI32(3, s.count);
      w.EndStruct();
    }
  }
  w.EndStruct();
}

// ---------------------------------------------------------------- parse
//
// A struct's reader is a table of its fields (StructFields<S>::kFields): the
// Thrift id, the name, how to read the value (ReadMember<&S::member> for a
// plain member, whose C++ type says how: ReadValue's overloads) and, for a
// required field, what the missing-field message calls it. ParseFields reads
// the struct's fields in whatever order they come, skips the ones the table
// does not have (newer writers' fields) and then checks the required ones.

// Reads fields of the current struct until its stop byte, calling
// `on_field(id, type)` for each; the callback returns false in *handled to have
// the field skipped.
template <typename F>
Status ForEachField(CompactReader& r, F&& on_field) {
  WV_RETURN_IF_ERROR(r.BeginStruct());
  while (true) {
    int16_t id = 0;
    WireType type = WireType::kStop;
    bool more = 0;
    WV_RETURN_IF_ERROR(r.ReadFieldHeader(&id, &type, &more));
    if (!more) break;
    bool handled = false;
    WV_RETURN_IF_ERROR(on_field(id, type, &handled));
    if (!handled) WV_RETURN_IF_ERROR(r.Skip(type));
  }
  r.EndStruct();
  return OkStatus();
}

Status Missing(CompactReader& r, std::string_view field) {
  return r.Error(fmt::format("required field {} is missing", field));
}

// One field of struct S: its id, its name (for messages about its value),
// how to read a value of wire type `type` into *s, and, when the field is
// required, the name a missing-field message gives it.
template <typename S>
struct FieldReader {
  int16_t id;
  const char* name;
  Status (*read)(CompactReader& r, WireType type, std::string_view name, S* s);
  const char* required = nullptr;  // null: optional
};

// The fields of struct S, as a `static constexpr FieldReader<S> kFields[]`
// (specialized below for each struct read this way).
template <typename S>
struct StructFields;

// Reads the current struct's fields into *s, `fields` naming those read.
template <typename S>
Status ParseFields(CompactReader& r, std::span<const FieldReader<S>> fields, S* s) {
  uint32_t seen = 0;  // bit i: fields[i] was read
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].id != id) continue;
      *handled = true;
      seen |= 1u << i;
      return fields[i].read(r, type, fields[i].name, s);
    }
    *handled = false;
    return OkStatus();
  }));
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].required != nullptr && !(seen & (1u << i))) {
      return Missing(r, fields[i].required);
    }
  }
  return OkStatus();
}

template <typename S>
Status ParseStruct(CompactReader& r, S* s) {
  static_assert(std::size(StructFields<S>::kFields) <= 32, "seen is a 32-bit mask");
  return ParseFields<S>(r, StructFields<S>::kFields, s);
}
Status ParseStruct(CompactReader& r, LogicalType* t);  // a union: below

// ReadValue: a field's value by the C++ type it is read into.

Status ReadValue(CompactReader& r, WireType type, std::string_view, int32_t* v) {
  return r.ReadI32(type, v);
}

Status ReadValue(CompactReader& r, WireType type, std::string_view, int64_t* v) {
  return r.ReadI64(type, v);
}

Status ReadValue(CompactReader& r, WireType type, std::string_view, bool* v) {
  return r.ReadBool(type, v);
}

Status ReadValue(CompactReader& r, WireType type, std::string_view, std::string* v) {
  if (type != WireType::kBinary) return r.Error("expected a binary field");
  std::string_view bytes;
  WV_RETURN_IF_ERROR(r.ReadBinary(&bytes));
  v->assign(bytes);
  return OkStatus();
}

// An i32 kept as a narrower integer or an enum we do not check (readers judge
// the values they meet).
template <typename T>
requires(std::is_enum_v<T> || std::is_same_v<T, int16_t> || std::is_same_v<T, int8_t>) Status
    ReadValue(CompactReader& r, WireType type, std::string_view, T* v) {
  int32_t wide = 0;
  WV_RETURN_IF_ERROR(r.ReadI32(type, &wide));
  *v = static_cast<T>(wide);
  return OkStatus();
}

Status ReadValue(CompactReader& r, WireType type, std::string_view, Type* v) {
  int32_t wide = 0;
  WV_RETURN_IF_ERROR(r.ReadI32(type, &wide));
  if (wide < 0 || wide > 7) return r.Error(fmt::format("unknown physical type {}", wide));
  *v = static_cast<Type>(wide);
  return OkStatus();
}

Status ReadValue(CompactReader& r, WireType type, std::string_view, Repetition* v) {
  int32_t wide = 0;
  WV_RETURN_IF_ERROR(r.ReadI32(type, &wide));
  if (wide < 0 || wide > 2) return r.Error(fmt::format("unknown repetition type {}", wide));
  *v = static_cast<Repetition>(wide);
  return OkStatus();
}

template <typename T>
requires std::is_class_v<T> Status ReadValue(CompactReader& r, WireType type, std::string_view name,
                                             T* v) {
  if (type != WireType::kStruct) return r.Error(fmt::format("{} is not a struct", name));
  return ParseStruct(r, v);
}

// Set when the field is present (to its value, whole: a struct's is read
// afresh).
template <typename T>
Status ReadValue(CompactReader& r, WireType type, std::string_view name, std::optional<T>* v) {
  T value{};
  WV_RETURN_IF_ERROR(ReadValue(r, type, name, &value));
  *v = std::move(value);
  return OkStatus();
}

template <typename T>
requires std::is_class_v<T> Status ReadValue(CompactReader& r, WireType type, std::string_view,
                                             std::vector<T>* v) {
  if (type != WireType::kList) return r.Error("expected a list");
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
  if (elem != WireType::kStruct) return r.Error("expected a list of structs");
  WV_RETURN_IF_ERROR(r.ChargeDecoded(n, sizeof(T)));
  v->clear();
  v->reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    v->emplace_back();
    WV_RETURN_IF_ERROR(ParseStruct(r, &v->back()));
  }
  return OkStatus();
}

Status ReadValue(CompactReader& r, WireType type, std::string_view name, std::vector<int32_t>* v) {
  if (type != WireType::kList) return r.Error(fmt::format("{} is not a list", name));
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
  WV_RETURN_IF_ERROR(r.ChargeDecoded(n, sizeof(int32_t)));
  v->clear();
  for (uint32_t i = 0; i < n; ++i) {
    int32_t value = 0;
    WV_RETURN_IF_ERROR(r.ReadI32(elem, &value));
    v->push_back(value);
  }
  return OkStatus();
}

Status ReadValue(CompactReader& r, WireType type, std::string_view name,
                 std::vector<std::string>* v) {
  if (type != WireType::kList) return r.Error(fmt::format("{} is not a list", name));
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
  if (elem != WireType::kBinary) return r.Error(fmt::format("{} is not a list of strings", name));
  WV_RETURN_IF_ERROR(r.ChargeDecoded(n, sizeof(std::string)));
  v->clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view bytes;
    WV_RETURN_IF_ERROR(r.ReadBinary(&bytes));
    v->emplace_back(bytes);
  }
  return OkStatus();
}

template <typename M>
struct MemberOf;
template <typename S, typename T>
struct MemberOf<T S::*> {
  using Struct = S;
};

// A FieldReader's `read` for the member `kMember`.
template <auto kMember>
Status ReadMember(CompactReader& r, WireType type, std::string_view name,
                  typename MemberOf<decltype(kMember)>::Struct* s) {
  return ReadValue(r, type, name, &(s->*kMember));
}

// The structs, leaves first.

template <>
struct StructFields<Statistics> {
  static constexpr FieldReader<Statistics> kFields[] = {
      {1, "max", ReadMember<&Statistics::max>},
      {2, "min", ReadMember<&Statistics::min>},
      {3, "null_count", ReadMember<&Statistics::null_count>},
      {4, "distinct_count", ReadMember<&Statistics::distinct_count>},
      {5, "max_value", ReadMember<&Statistics::max_value>},
      {6, "min_value", ReadMember<&Statistics::min_value>},
      {7, "is_max_value_exact", ReadMember<&Statistics::is_max_value_exact>},
      {8, "is_min_value_exact", ReadMember<&Statistics::is_min_value_exact>},
      {9, "nan_count", ReadMember<&Statistics::nan_count>},
  };
};

// TimeUnit: a union of empty structs, each skipped. A unit that is not a
// struct is skipped too.
Status ReadTimeUnit(CompactReader& r, WireType type, std::string_view, LogicalType* t) {
  if (type != WireType::kStruct) return r.Skip(type);
  return ForEachField(r, [&](int16_t id, WireType, bool* handled) -> Status {
    *handled = false;
    if (id == 1) t->unit = LogicalType::Unit::kMillis;
    if (id == 2) t->unit = LogicalType::Unit::kMicros;
    if (id == 3) t->unit = LogicalType::Unit::kNanos;
    return OkStatus();
  });
}

// The fields of LogicalType's members TimestampType and IntType, kept in the
// LogicalType itself.
constexpr FieldReader<LogicalType> kTimestampFields[] = {
    {1, "isAdjustedToUTC", ReadMember<&LogicalType::is_adjusted_to_utc>},
    {2, "unit", ReadTimeUnit},
};
constexpr FieldReader<LogicalType> kIntegerFields[] = {
    {1, "bitWidth", ReadMember<&LogicalType::bit_width>},
    {2, "isSigned", ReadMember<&LogicalType::is_signed>},
};

// The LogicalType union: the last member present says the kind; a member
// that is not a struct, or one we do not name, is kOther (and skipped).
Status ParseStruct(CompactReader& r, LogicalType* t) {
  return ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    t->union_field_id = id;
    t->kind = LogicalType::Kind::kOther;
    *handled = false;
    if (type != WireType::kStruct) return OkStatus();
    switch (id) {
      case 1:
        t->kind = LogicalType::Kind::kString;
        break;
      case 6:
        t->kind = LogicalType::Kind::kDate;
        break;
      case 8:
        t->kind = LogicalType::Kind::kTimestamp;
        *handled = true;
        return ParseFields<LogicalType>(r, kTimestampFields, t);
      case 10:
        t->kind = LogicalType::Kind::kInteger;
        *handled = true;
        return ParseFields<LogicalType>(r, kIntegerFields, t);
      default:
        break;
    }
    return OkStatus();
  });
}

template <>
struct StructFields<SchemaElement> {
  static constexpr FieldReader<SchemaElement> kFields[] = {
      {1, "type", ReadMember<&SchemaElement::type>},
      {2, "type_length", ReadMember<&SchemaElement::type_length>},
      {3, "repetition_type", ReadMember<&SchemaElement::repetition_type>},
      {4, "name", ReadMember<&SchemaElement::name>, "SchemaElement.name"},
      {5, "num_children", ReadMember<&SchemaElement::num_children>},
      {6, "converted_type", ReadMember<&SchemaElement::converted_type>},
      {10, "logicalType", ReadMember<&SchemaElement::logical_type>},
  };
};

template <>
struct StructFields<KeyValue> {
  static constexpr FieldReader<KeyValue> kFields[] = {
      {1, "key", ReadMember<&KeyValue::key>, "KeyValue.key"},
      {2, "value", ReadMember<&KeyValue::value>},
  };
};

template <>
struct StructFields<PageEncodingStats> {
  static constexpr FieldReader<PageEncodingStats> kFields[] = {
      {1, "page_type", ReadMember<&PageEncodingStats::page_type>},
      {2, "encoding", ReadMember<&PageEncodingStats::encoding>},
      {3, "count", ReadMember<&PageEncodingStats::count>},
  };
};

template <>
struct StructFields<ColumnMetaData> {
  static constexpr FieldReader<ColumnMetaData> kFields[] = {
      {1, "type", ReadMember<&ColumnMetaData::type>, "ColumnMetaData field 1"},
      {2, "encodings", ReadMember<&ColumnMetaData::encodings>, "ColumnMetaData field 2"},
      {3, "path_in_schema", ReadMember<&ColumnMetaData::path_in_schema>, "ColumnMetaData field 3"},
      {4, "codec", ReadMember<&ColumnMetaData::codec>, "ColumnMetaData field 4"},
      {5, "num_values", ReadMember<&ColumnMetaData::num_values>, "ColumnMetaData field 5"},
      {6, "total_uncompressed_size", ReadMember<&ColumnMetaData::total_uncompressed_size>,
       "ColumnMetaData field 6"},
      {7, "total_compressed_size", ReadMember<&ColumnMetaData::total_compressed_size>,
       "ColumnMetaData field 7"},
      {9, "data_page_offset", ReadMember<&ColumnMetaData::data_page_offset>,
       "ColumnMetaData field 9"},
      {11, "dictionary_page_offset", ReadMember<&ColumnMetaData::dictionary_page_offset>},
      {12, "statistics", ReadMember<&ColumnMetaData::statistics>},
      {13, "encoding_stats", ReadMember<&ColumnMetaData::encoding_stats>},
  };
};

template <>
struct StructFields<ColumnChunk> {
  static constexpr FieldReader<ColumnChunk> kFields[] = {
      {1, "file_path", ReadMember<&ColumnChunk::file_path>},
      {2, "file_offset", ReadMember<&ColumnChunk::file_offset>},
      {3, "meta_data", ReadMember<&ColumnChunk::meta_data>},
  };
};

template <>
struct StructFields<RowGroup> {
  static constexpr FieldReader<RowGroup> kFields[] = {
      {1, "columns", ReadMember<&RowGroup::columns>, "RowGroup.columns"},
      {2, "total_byte_size", ReadMember<&RowGroup::total_byte_size>},
      {3, "num_rows", ReadMember<&RowGroup::num_rows>, "RowGroup.num_rows"},
      {5, "file_offset", ReadMember<&RowGroup::file_offset>},
      {6, "total_compressed_size", ReadMember<&RowGroup::total_compressed_size>},
      {7, "ordinal", ReadMember<&RowGroup::ordinal>},
  };
};

// column_orders: a list of ColumnOrder unions; TYPE_ORDER (field 1) is the
// only member there is.
Status ReadColumnOrders(CompactReader& r, WireType type, std::string_view, FileMetaData* meta) {
  if (type != WireType::kList) return r.Error("column_orders is not a list");
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
  if (elem != WireType::kStruct) return r.Error("column_orders is not a list of structs");
  meta->column_orders_type_defined.clear();
  for (uint32_t i = 0; i < n; ++i) {
    bool type_defined = false;
    WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType, bool* handled) -> Status {
      *handled = false;
      if (id == 1) type_defined = true;
      return OkStatus();
    }));
    meta->column_orders_type_defined.push_back(type_defined);
  }
  return OkStatus();
}

// An encrypted footer's algorithm: only its presence is kept.
Status ReadEncryptionAlgorithm(CompactReader& r, WireType type, std::string_view,
                               FileMetaData* meta) {
  meta->encrypted = true;
  return r.Skip(type);
}

template <>
struct StructFields<FileMetaData> {
  static constexpr FieldReader<FileMetaData> kFields[] = {
      {1, "version", ReadMember<&FileMetaData::version>, "FileMetaData field 1"},
      {2, "schema", ReadMember<&FileMetaData::schema>, "FileMetaData field 2"},
      {3, "num_rows", ReadMember<&FileMetaData::num_rows>, "FileMetaData field 3"},
      {4, "row_groups", ReadMember<&FileMetaData::row_groups>, "FileMetaData field 4"},
      {5, "key_value_metadata", ReadMember<&FileMetaData::key_value_metadata>},
      {6, "created_by", ReadMember<&FileMetaData::created_by>},
      {7, "column_orders", ReadColumnOrders},
      {8, "encryption_algorithm", ReadEncryptionAlgorithm},
  };
};

template <>
struct StructFields<DataPageHeader> {
  static constexpr const char* kRequired = "DataPageHeader fields";
  static constexpr FieldReader<DataPageHeader> kFields[] = {
      {1, "num_values", ReadMember<&DataPageHeader::num_values>, kRequired},
      {2, "encoding", ReadMember<&DataPageHeader::encoding>, kRequired},
      {3, "definition_level_encoding", ReadMember<&DataPageHeader::definition_level_encoding>,
       kRequired},
      {4, "repetition_level_encoding", ReadMember<&DataPageHeader::repetition_level_encoding>,
       kRequired},
  };
};

template <>
struct StructFields<DictionaryPageHeader> {
  static constexpr const char* kRequired = "DictionaryPageHeader fields";
  static constexpr FieldReader<DictionaryPageHeader> kFields[] = {
      {1, "num_values", ReadMember<&DictionaryPageHeader::num_values>, kRequired},
      {2, "encoding", ReadMember<&DictionaryPageHeader::encoding>, kRequired},
      {3, "is_sorted", ReadMember<&DictionaryPageHeader::is_sorted>},
  };
};

template <>
struct StructFields<DataPageHeaderV2> {
  static constexpr const char* kRequired = "DataPageHeaderV2 fields";
  static constexpr FieldReader<DataPageHeaderV2> kFields[] = {
      {1, "num_values", ReadMember<&DataPageHeaderV2::num_values>, kRequired},
      {2, "num_nulls", ReadMember<&DataPageHeaderV2::num_nulls>, kRequired},
      {3, "num_rows", ReadMember<&DataPageHeaderV2::num_rows>, kRequired},
      {4, "encoding", ReadMember<&DataPageHeaderV2::encoding>, kRequired},
      {5, "definition_levels_byte_length",
       ReadMember<&DataPageHeaderV2::definition_levels_byte_length>, kRequired},
      {6, "repetition_levels_byte_length",
       ReadMember<&DataPageHeaderV2::repetition_levels_byte_length>, kRequired},
      {7, "is_compressed", ReadMember<&DataPageHeaderV2::is_compressed>},
  };
};

template <>
struct StructFields<PageHeader> {
  static constexpr const char* kRequired = "PageHeader type/sizes";
  static constexpr FieldReader<PageHeader> kFields[] = {
      {1, "type", ReadMember<&PageHeader::type>, kRequired},
      {2, "uncompressed_page_size", ReadMember<&PageHeader::uncompressed_page_size>, kRequired},
      {3, "compressed_page_size", ReadMember<&PageHeader::compressed_page_size>, kRequired},
      {4, "crc", ReadMember<&PageHeader::crc>},
      {5, "data_page_header", ReadMember<&PageHeader::data_page_header>},
      {7, "dictionary_page_header", ReadMember<&PageHeader::dictionary_page_header>},
      {8, "data_page_header_v2", ReadMember<&PageHeader::data_page_header_v2>},
  };
};

}  // namespace

void Serialize(const FileMetaData& meta, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, meta.version);
  w.FieldListBegin(2, WireType::kStruct, static_cast<uint32_t>(meta.schema.size()));
  for (const SchemaElement& e : meta.schema) {
    w.ElemStructBegin();
    if (e.type) w.FieldI32(1, static_cast<int32_t>(*e.type));
    if (e.type_length) w.FieldI32(2, *e.type_length);
    if (e.repetition_type) w.FieldI32(3, static_cast<int32_t>(*e.repetition_type));
    w.FieldBinary(4, e.name);
    if (e.num_children) w.FieldI32(5, *e.num_children);
    if (e.converted_type) w.FieldI32(6, *e.converted_type);
    if (e.logical_type) WriteLogicalType(w, 10, *e.logical_type);
    w.EndStruct();
  }
  w.FieldI64(3, meta.num_rows);
  w.FieldListBegin(4, WireType::kStruct, static_cast<uint32_t>(meta.row_groups.size()));
  for (const RowGroup& g : meta.row_groups) {
    w.ElemStructBegin();
    w.FieldListBegin(1, WireType::kStruct, static_cast<uint32_t>(g.columns.size()));
    for (const ColumnChunk& c : g.columns) {
      w.ElemStructBegin();
      if (c.file_path) w.FieldBinary(1, *c.file_path);
      w.FieldI64(2, c.file_offset);
      if (c.meta_data) WriteColumnMetaData(w, 3, *c.meta_data);
      w.EndStruct();
    }
    w.FieldI64(2, g.total_byte_size);
    w.FieldI64(3, g.num_rows);
    if (g.file_offset) w.FieldI64(5, *g.file_offset);
    if (g.total_compressed_size) w.FieldI64(6, *g.total_compressed_size);
    if (g.ordinal) w.FieldI16(7, *g.ordinal);
    w.EndStruct();
  }
  if (!meta.key_value_metadata.empty()) WriteKeyValues(w, 5, meta.key_value_metadata);
  if (meta.created_by) w.FieldBinary(6, *meta.created_by);
  if (!meta.column_orders_type_defined.empty()) {
    w.FieldListBegin(7, WireType::kStruct,
                     static_cast<uint32_t>(meta.column_orders_type_defined.size()));
    for (size_t i = 0; i < meta.column_orders_type_defined.size(); ++i) {
      w.ElemStructBegin();
      w.FieldStructBegin(1);  // TYPE_ORDER: TypeDefinedOrder {}
      w.EndStruct();
      w.EndStruct();
    }
  }
  w.EndStruct();
}

void Serialize(const PageHeader& h, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, h.type);
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  if (h.crc) w.FieldI32(4, *h.crc);
  if (h.data_page_header) {
    const DataPageHeader& d = *h.data_page_header;
    w.FieldStructBegin(5);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    w.FieldI32(3, static_cast<int32_t>(d.definition_level_encoding));
    w.FieldI32(4, static_cast<int32_t>(d.repetition_level_encoding));
    w.EndStruct();
  }
  if (h.dictionary_page_header) {
    const DictionaryPageHeader& d = *h.dictionary_page_header;
    w.FieldStructBegin(7);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    if (d.is_sorted) w.FieldBool(3, *d.is_sorted);
    w.EndStruct();
  }
  if (h.data_page_header_v2) {
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    w.FieldStructBegin(8);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, static_cast<int32_t>(d.encoding));
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    w.FieldBool(7, d.is_compressed);
    w.EndStruct();
  }
  w.EndStruct();
}

Status Parse(std::string_view data, std::string_view context, FileMetaData* meta) {
  CompactReader r(data, context);
  return ParseStruct(r, meta);
}

Status Parse(std::string_view data, std::string_view context, PageHeader* h, size_t* consumed) {
  CompactReader r(data, context);
  WV_RETURN_IF_ERROR(ParseStruct(r, h));
  *consumed = r.position();
  return OkStatus();
}

}  // namespace wv::parquet::format
