#include "parquet/metadata.h"

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

Status ReadString(CompactReader& r, WireType type, std::string* out) {
  if (type != WireType::kBinary) return r.Error("expected a binary field");
  std::string_view v;
  WV_RETURN_IF_ERROR(r.ReadBinary(&v));
  out->assign(v);
  return OkStatus();
}

template <typename T>
Status ReadI32As(CompactReader& r, WireType type, T* out) {
  int32_t v = 0;
  WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
  *out = static_cast<T>(v);
  return OkStatus();
}

Status ParseStatistics(CompactReader& r, Statistics* s) {
  return ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    std::string str;
    int64_t i = 0;
    bool b = 0;
    switch (id) {
      case 1:
        WV_RETURN_IF_ERROR(ReadString(r, type, &str));
        s->max = str;
        break;
      case 2:
        WV_RETURN_IF_ERROR(ReadString(r, type, &str));
        s->min = str;
        break;
      case 3:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &i));
        s->null_count = i;
        break;
      case 4:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &i));
        s->distinct_count = i;
        break;
      case 5:
        WV_RETURN_IF_ERROR(ReadString(r, type, &str));
        s->max_value = str;
        break;
      case 6:
        WV_RETURN_IF_ERROR(ReadString(r, type, &str));
        s->min_value = str;
        break;
      case 7:
        WV_RETURN_IF_ERROR(r.ReadBool(type, &b));
        s->is_max_value_exact = b;
        break;
      case 8:
        WV_RETURN_IF_ERROR(r.ReadBool(type, &b));
        s->is_min_value_exact = b;
        break;
      case 9:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &i));
        s->nan_count = i;
        break;
      default:
        *handled = false;
    }
    return OkStatus();
  });
}

Status ParseTimeUnit(CompactReader& r, LogicalType* t) {
  return ForEachField(r, [&](int16_t id, WireType, bool* handled) -> Status {
    *handled = false;  // the members are empty structs: skip them
    if (id == 1) t->unit = LogicalType::Unit::kMillis;
    if (id == 2) t->unit = LogicalType::Unit::kMicros;
    if (id == 3) t->unit = LogicalType::Unit::kNanos;
    return OkStatus();
  });
}

Status ParseLogicalType(CompactReader& r, LogicalType* t) {
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
        return ForEachField(r, [&](int16_t fid, WireType ftype, bool* h) -> Status {
          *h = true;
          if (fid == 1) return r.ReadBool(ftype, &t->is_adjusted_to_utc);
          if (fid == 2 && ftype == WireType::kStruct) return ParseTimeUnit(r, t);
          *h = false;
          return OkStatus();
        });
      case 10:
        t->kind = LogicalType::Kind::kInteger;
        *handled = true;
        return ForEachField(r, [&](int16_t fid, WireType ftype, bool* h) -> Status {
          *h = true;
          if (fid == 1) {
            int32_t w = 0;
            WV_RETURN_IF_ERROR(r.ReadI32(ftype, &w));
            t->bit_width = static_cast<int8_t>(w);
            return OkStatus();
          }
          if (fid == 2) return r.ReadBool(ftype, &t->is_signed);
          *h = false;
          return OkStatus();
        });
      default:
        break;
    }
    return OkStatus();
  });
}

Status ParseSchemaElement(CompactReader& r, SchemaElement* e) {
  bool has_name = false;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    int32_t v = 0;
    switch (id) {
      case 1:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        if (v < 0 || v > 7) return r.Error(fmt::format("unknown physical type {}", v));
        e->type = static_cast<Type>(v);
        break;
      case 2:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        e->type_length = v;
        break;
      case 3:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        if (v < 0 || v > 2) return r.Error(fmt::format("unknown repetition type {}", v));
        e->repetition_type = static_cast<Repetition>(v);
        break;
      case 4:
        WV_RETURN_IF_ERROR(ReadString(r, type, &e->name));
        has_name = true;
        break;
      case 5:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        e->num_children = v;
        break;
      case 6:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        e->converted_type = v;
        break;
      case 10:
        if (type != WireType::kStruct) return r.Error("logicalType is not a struct");
        e->logical_type.emplace();
        WV_RETURN_IF_ERROR(ParseLogicalType(r, &*e->logical_type));
        break;
      default:
        *handled = false;
    }
    return OkStatus();
  }));
  if (!has_name) return Missing(r, "SchemaElement.name");
  return OkStatus();
}

Status ParseKeyValue(CompactReader& r, KeyValue* kv) {
  bool has_key = false;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    if (id == 1) {
      has_key = true;
      return ReadString(r, type, &kv->key);
    }
    if (id == 2) {
      std::string v;
      WV_RETURN_IF_ERROR(ReadString(r, type, &v));
      kv->value = std::move(v);
      return OkStatus();
    }
    *handled = false;
    return OkStatus();
  }));
  if (!has_key) return Missing(r, "KeyValue.key");
  return OkStatus();
}

// Reads a list of structs with `parse_elem`.
template <typename T, typename F>
Status ParseStructList(CompactReader& r, WireType type, std::vector<T>* out, F&& parse_elem) {
  if (type != WireType::kList) return r.Error("expected a list");
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
  if (elem != WireType::kStruct) return r.Error("expected a list of structs");
  out->clear();
  out->reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    out->emplace_back();
    WV_RETURN_IF_ERROR(parse_elem(r, &out->back()));
  }
  return OkStatus();
}

Status ParseColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  uint32_t seen = 0;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    int32_t v = 0;
    switch (id) {
      case 1:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &v));
        if (v < 0 || v > 7) return r.Error(fmt::format("unknown physical type {}", v));
        m->type = static_cast<Type>(v);
        break;
      case 2: {
        if (type != WireType::kList) return r.Error("encodings is not a list");
        WireType elem = WireType::kStop;
        uint32_t n = 0;
        WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
        m->encodings.clear();
        for (uint32_t i = 0; i < n; ++i) {
          WV_RETURN_IF_ERROR(r.ReadI32(elem, &v));
          m->encodings.push_back(v);
        }
        break;
      }
      case 3: {
        if (type != WireType::kList) return r.Error("path_in_schema is not a list");
        WireType elem = WireType::kStop;
        uint32_t n = 0;
        WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
        if (elem != WireType::kBinary) return r.Error("path_in_schema is not a list of strings");
        m->path_in_schema.clear();
        for (uint32_t i = 0; i < n; ++i) {
          std::string_view s;
          WV_RETURN_IF_ERROR(r.ReadBinary(&s));
          m->path_in_schema.emplace_back(s);
        }
        break;
      }
      case 4:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &m->codec));
        break;
      case 5:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &m->num_values));
        break;
      case 6:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &m->total_uncompressed_size));
        break;
      case 7:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &m->total_compressed_size));
        break;
      case 9:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &m->data_page_offset));
        break;
      case 11: {
        int64_t off = 0;
        WV_RETURN_IF_ERROR(r.ReadI64(type, &off));
        m->dictionary_page_offset = off;
        break;
      }
      case 12:
        if (type != WireType::kStruct) return r.Error("statistics is not a struct");
        m->statistics.emplace();
        WV_RETURN_IF_ERROR(ParseStatistics(r, &*m->statistics));
        break;
      case 13:
        WV_RETURN_IF_ERROR(ParseStructList(
            r, type, &m->encoding_stats, [](CompactReader& rr, PageEncodingStats* s) {
              return ForEachField(rr, [&](int16_t fid, WireType ft, bool* h) -> Status {
                *h = true;
                if (fid == 1) return ReadI32As(rr, ft, &s->page_type);
                if (fid == 2) return ReadI32As(rr, ft, &s->encoding);
                if (fid == 3) return rr.ReadI32(ft, &s->count);
                *h = false;
                return OkStatus();
              });
            }));
        break;
      default:
        *handled = false;
    }
    if (*handled && id < 32) seen |= 1u << id;
    return OkStatus();
  }));
  for (int id : {1, 2, 3, 4, 5, 6, 7, 9}) {
    if (!(seen & (1u << id))) return Missing(r, fmt::format("ColumnMetaData field {}", id));
  }
  return OkStatus();
}

Status ParseColumnChunk(CompactReader& r, ColumnChunk* c) {
  return ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    switch (id) {
      case 1: {
        std::string p;
        WV_RETURN_IF_ERROR(ReadString(r, type, &p));
        c->file_path = std::move(p);
        return OkStatus();
      }
      case 2:
        return r.ReadI64(type, &c->file_offset);
      case 3:
        if (type != WireType::kStruct) return r.Error("meta_data is not a struct");
        c->meta_data.emplace();
        return ParseColumnMetaData(r, &*c->meta_data);
      default:
        *handled = false;
        return OkStatus();
    }
  });
}

Status ParseRowGroup(CompactReader& r, RowGroup* g) {
  bool has_columns = false, has_rows = false;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    int64_t v = 0;
    switch (id) {
      case 1:
        has_columns = true;
        return ParseStructList(r, type, &g->columns, ParseColumnChunk);
      case 2:
        return r.ReadI64(type, &g->total_byte_size);
      case 3:
        has_rows = true;
        return r.ReadI64(type, &g->num_rows);
      case 5:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &v));
        g->file_offset = v;
        return OkStatus();
      case 6:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &v));
        g->total_compressed_size = v;
        return OkStatus();
      case 7: {
        int32_t o = 0;
        WV_RETURN_IF_ERROR(r.ReadI32(type, &o));
        g->ordinal = static_cast<int16_t>(o);
        return OkStatus();
      }
      default:
        *handled = false;
        return OkStatus();
    }
  }));
  if (!has_columns) return Missing(r, "RowGroup.columns");
  if (!has_rows) return Missing(r, "RowGroup.num_rows");
  return OkStatus();
}

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
  uint32_t seen = 0;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    switch (id) {
      case 1:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &meta->version));
        break;
      case 2:
        WV_RETURN_IF_ERROR(ParseStructList(r, type, &meta->schema, ParseSchemaElement));
        break;
      case 3:
        WV_RETURN_IF_ERROR(r.ReadI64(type, &meta->num_rows));
        break;
      case 4:
        WV_RETURN_IF_ERROR(ParseStructList(r, type, &meta->row_groups, ParseRowGroup));
        break;
      case 5:
        WV_RETURN_IF_ERROR(ParseStructList(r, type, &meta->key_value_metadata, ParseKeyValue));
        break;
      case 6: {
        std::string s;
        WV_RETURN_IF_ERROR(ReadString(r, type, &s));
        meta->created_by = std::move(s);
        break;
      }
      case 7: {
        if (type != WireType::kList) return r.Error("column_orders is not a list");
        WireType elem = WireType::kStop;
        uint32_t n = 0;
        WV_RETURN_IF_ERROR(r.ReadListHeader(&elem, &n));
        if (elem != WireType::kStruct) return r.Error("column_orders is not a list of structs");
        meta->column_orders_type_defined.clear();
        for (uint32_t i = 0; i < n; ++i) {
          bool type_defined = false;
          WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t fid, WireType, bool* h) -> Status {
            *h = false;
            if (fid == 1) type_defined = true;
            return OkStatus();
          }));
          meta->column_orders_type_defined.push_back(type_defined);
        }
        break;
      }
      case 8:
        meta->encrypted = true;
        *handled = false;
        break;
      default:
        *handled = false;
    }
    if (id >= 0 && id < 32) seen |= 1u << id;
    return OkStatus();
  }));
  for (int id : {1, 2, 3, 4}) {
    if (!(seen & (1u << id))) return Missing(r, fmt::format("FileMetaData field {}", id));
  }
  return OkStatus();
}

Status Parse(std::string_view data, std::string_view context, PageHeader* h, size_t* consumed) {
  CompactReader r(data, context);
  uint32_t seen = 0;
  WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t id, WireType type, bool* handled) -> Status {
    *handled = true;
    switch (id) {
      case 1:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &h->type));
        break;
      case 2:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &h->uncompressed_page_size));
        break;
      case 3:
        WV_RETURN_IF_ERROR(r.ReadI32(type, &h->compressed_page_size));
        break;
      case 4: {
        int32_t crc = 0;
        WV_RETURN_IF_ERROR(r.ReadI32(type, &crc));
        h->crc = crc;
        break;
      }
      case 5: {
        if (type != WireType::kStruct) return r.Error("data_page_header is not a struct");
        DataPageHeader& d = h->data_page_header.emplace();
        uint32_t dseen = 0;
        WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t fid, WireType ft, bool* hd) -> Status {
          *hd = true;
          switch (fid) {
            case 1:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.num_values));
              break;
            case 2:
              WV_RETURN_IF_ERROR(ReadI32As(r, ft, &d.encoding));
              break;
            case 3:
              WV_RETURN_IF_ERROR(ReadI32As(r, ft, &d.definition_level_encoding));
              break;
            case 4:
              WV_RETURN_IF_ERROR(ReadI32As(r, ft, &d.repetition_level_encoding));
              break;
            default:
              *hd = false;
          }
          if (*hd) dseen |= 1u << fid;
          return OkStatus();
        }));
        if ((dseen & 0x1e) != 0x1e) return Missing(r, "DataPageHeader fields");
        break;
      }
      case 7: {
        if (type != WireType::kStruct) return r.Error("dictionary_page_header is not a struct");
        DictionaryPageHeader& d = h->dictionary_page_header.emplace();
        uint32_t dseen = 0;
        WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t fid, WireType ft, bool* hd) -> Status {
          *hd = true;
          switch (fid) {
            case 1:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.num_values));
              break;
            case 2:
              WV_RETURN_IF_ERROR(ReadI32As(r, ft, &d.encoding));
              break;
            case 3: {
              bool b = 0;
              WV_RETURN_IF_ERROR(r.ReadBool(ft, &b));
              d.is_sorted = b;
              break;
            }
            default:
              *hd = false;
          }
          if (*hd) dseen |= 1u << fid;
          return OkStatus();
        }));
        if ((dseen & 0x6) != 0x6) return Missing(r, "DictionaryPageHeader fields");
        break;
      }
      case 8: {
        if (type != WireType::kStruct) return r.Error("data_page_header_v2 is not a struct");
        DataPageHeaderV2& d = h->data_page_header_v2.emplace();
        uint32_t dseen = 0;
        WV_RETURN_IF_ERROR(ForEachField(r, [&](int16_t fid, WireType ft, bool* hd) -> Status {
          *hd = true;
          switch (fid) {
            case 1:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.num_values));
              break;
            case 2:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.num_nulls));
              break;
            case 3:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.num_rows));
              break;
            case 4:
              WV_RETURN_IF_ERROR(ReadI32As(r, ft, &d.encoding));
              break;
            case 5:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.definition_levels_byte_length));
              break;
            case 6:
              WV_RETURN_IF_ERROR(r.ReadI32(ft, &d.repetition_levels_byte_length));
              break;
            case 7:
              WV_RETURN_IF_ERROR(r.ReadBool(ft, &d.is_compressed));
              break;
            default:
              *hd = false;
          }
          if (*hd) dseen |= 1u << fid;
          return OkStatus();
        }));
        if ((dseen & 0x7e) != 0x7e) return Missing(r, "DataPageHeaderV2 fields");
        break;
      }
      default:
        *handled = false;
    }
    if (*handled) seen |= 1u << id;
    return OkStatus();
  }));
  if ((seen & 0xe) != 0xe) return Missing(r, "PageHeader type/sizes");
  *consumed = r.position();
  return OkStatus();
}

}  // namespace wv::parquet::format
