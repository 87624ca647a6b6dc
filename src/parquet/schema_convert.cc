#include "parquet/schema_convert.h"

#include "absl/container/flat_hash_set.h"
#include "fmt/core.h"

namespace wv::parquet {
namespace {

using format::ConvertedType;

bool LogicalFits(LogicalType l, PhysicalType p) {
  switch (l) {
    case LogicalType::kNone:
      return true;
    case LogicalType::kString:
      return p == PhysicalType::kByteArray;
    case LogicalType::kInt8:
    case LogicalType::kInt16:
    case LogicalType::kInt32:
    case LogicalType::kDate:
      return p == PhysicalType::kInt32;
    case LogicalType::kInt64:
    case LogicalType::kTimestampMicrosUtc:
      return p == PhysicalType::kInt64;
  }
  return false;
}

format::LogicalType IntLogical(int bits) {
  format::LogicalType t;
  t.kind = format::LogicalType::Kind::kInteger;
  t.bit_width = static_cast<int8_t>(bits);
  t.is_signed = true;
  return t;
}

}  // namespace

std::string_view PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return "INT32";
    case PhysicalType::kInt64:
      return "INT64";
    case PhysicalType::kFloat:
      return "FLOAT";
    case PhysicalType::kDouble:
      return "DOUBLE";
    case PhysicalType::kByteArray:
      return "BYTE_ARRAY";
  }
  return "?";
}

std::string_view LogicalTypeName(LogicalType type) {
  switch (type) {
    case LogicalType::kNone:
      return "NONE";
    case LogicalType::kString:
      return "STRING";
    case LogicalType::kInt8:
      return "INT(8,true)";
    case LogicalType::kInt16:
      return "INT(16,true)";
    case LogicalType::kInt32:
      return "INT(32,true)";
    case LogicalType::kInt64:
      return "INT(64,true)";
    case LogicalType::kTimestampMicrosUtc:
      return "TIMESTAMP(MICROS,true)";
    case LogicalType::kDate:
      return "DATE";
  }
  return "?";
}

Status ValidateSchema(const Schema& schema) {
  absl::flat_hash_set<std::string> names;
  for (const ColumnSchema& c : schema.columns) {
    if (c.name.empty()) return UsageError("parquet schema: a column has an empty name");
    if (!names.insert(c.name).second) {
      return UsageError(fmt::format("parquet schema: duplicate column name '{}'", c.name));
    }
    if (!LogicalFits(c.logical, c.physical)) {
      return UsageError(
          fmt::format("parquet schema: column '{}': logical type {} does not fit "
                      "physical type {}",
                      c.name, LogicalTypeName(c.logical), PhysicalTypeName(c.physical)));
    }
  }
  return OkStatus();
}

std::vector<format::SchemaElement> ToFormatSchema(const Schema& schema) {
  std::vector<format::SchemaElement> out;
  format::SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.columns.size());
  out.push_back(std::move(root));
  for (const ColumnSchema& c : schema.columns) {
    format::SchemaElement e;
    e.name = c.name;
    e.repetition_type = c.repetition == Repetition::kOptional ? format::Repetition::kOptional
                                                              : format::Repetition::kRequired;
    switch (c.physical) {
      case PhysicalType::kBoolean:
        e.type = format::Type::kBoolean;
        break;
      case PhysicalType::kInt32:
        e.type = format::Type::kInt32;
        break;
      case PhysicalType::kInt64:
        e.type = format::Type::kInt64;
        break;
      case PhysicalType::kFloat:
        e.type = format::Type::kFloat;
        break;
      case PhysicalType::kDouble:
        e.type = format::Type::kDouble;
        break;
      case PhysicalType::kByteArray:
        e.type = format::Type::kByteArray;
        break;
    }
    auto set = [&e](ConvertedType ct, format::LogicalType lt) {
      e.converted_type = static_cast<int32_t>(ct);
      e.logical_type = lt;
    };
    format::LogicalType lt;
    switch (c.logical) {
      case LogicalType::kNone:
        break;
      case LogicalType::kString:
        lt.kind = format::LogicalType::Kind::kString;
        set(ConvertedType::kUtf8, lt);
        break;
      case LogicalType::kInt8:
        set(ConvertedType::kInt8, IntLogical(8));
        break;
      case LogicalType::kInt16:
        set(ConvertedType::kInt16, IntLogical(16));
        break;
      case LogicalType::kInt32:
        set(ConvertedType::kInt32, IntLogical(32));
        break;
      case LogicalType::kInt64:
        set(ConvertedType::kInt64, IntLogical(64));
        break;
      case LogicalType::kTimestampMicrosUtc:
        lt.kind = format::LogicalType::Kind::kTimestamp;
        lt.is_adjusted_to_utc = true;
        lt.unit = format::LogicalType::Unit::kMicros;
        set(ConvertedType::kTimestampMicros, lt);
        break;
      case LogicalType::kDate:
        lt.kind = format::LogicalType::Kind::kDate;
        set(ConvertedType::kDate, lt);
        break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

LogicalType FromAnnotations(const format::SchemaElement& e, PhysicalType physical) {
  using K = format::LogicalType::Kind;
  LogicalType result = LogicalType::kNone;
  if (e.logical_type) {
    const format::LogicalType& t = *e.logical_type;
    switch (t.kind) {
      case K::kString:
        result = LogicalType::kString;
        break;
      case K::kDate:
        result = LogicalType::kDate;
        break;
      case K::kTimestamp:
        if (t.unit == format::LogicalType::Unit::kMicros && t.is_adjusted_to_utc) {
          result = LogicalType::kTimestampMicrosUtc;
        }
        break;
      case K::kInteger:
        if (t.is_signed) {
          if (t.bit_width == 8) result = LogicalType::kInt8;
          if (t.bit_width == 16) result = LogicalType::kInt16;
          if (t.bit_width == 32) result = LogicalType::kInt32;
          if (t.bit_width == 64) result = LogicalType::kInt64;
        }
        break;
      case K::kOther:
        break;
    }
  } else if (e.converted_type) {
    switch (static_cast<ConvertedType>(*e.converted_type)) {
      case ConvertedType::kUtf8:
        result = LogicalType::kString;
        break;
      case ConvertedType::kDate:
        result = LogicalType::kDate;
        break;
      // Legacy TIMESTAMP_MICROS means UTC-normalised instants (LogicalTypes.md).
      case ConvertedType::kTimestampMicros:
        result = LogicalType::kTimestampMicrosUtc;
        break;
      case ConvertedType::kInt8:
        result = LogicalType::kInt8;
        break;
      case ConvertedType::kInt16:
        result = LogicalType::kInt16;
        break;
      case ConvertedType::kInt32:
        result = LogicalType::kInt32;
        break;
      case ConvertedType::kInt64:
        result = LogicalType::kInt64;
        break;
      default:
        break;
    }
  }
  return LogicalFits(result, physical) ? result : LogicalType::kNone;
}

}  // namespace

StatusOr<Schema> FromFormatSchema(const std::vector<format::SchemaElement>& elements,
                                  std::string_view context) {
  if (elements.empty()) {
    return InputError(fmt::format("{}: the footer has an empty schema", context));
  }
  const format::SchemaElement& root = elements[0];
  const int64_t children = root.num_children.value_or(0);
  if (children != static_cast<int64_t>(elements.size()) - 1) {
    return InputError(fmt::format(
        "{}: only flat schemas are supported (root declares {} children, the footer lists {} "
        "fields)",
        context, children, elements.size() - 1));
  }
  Schema schema;
  for (size_t i = 1; i < elements.size(); ++i) {
    const format::SchemaElement& e = elements[i];
    if (e.num_children.value_or(0) != 0 || !e.type) {
      return InputError(
          fmt::format("{}: column '{}' is a nested group; only flat schemas are "
                      "supported",
                      context, e.name));
    }
    ColumnSchema c;
    c.name = e.name;
    const format::Repetition rep = e.repetition_type.value_or(format::Repetition::kOptional);
    if (rep == format::Repetition::kRepeated) {
      return InputError(fmt::format("{}: column '{}' is REPEATED; only flat schemas are supported",
                                    context, e.name));
    }
    c.repetition =
        rep == format::Repetition::kRequired ? Repetition::kRequired : Repetition::kOptional;
    switch (*e.type) {
      case format::Type::kBoolean:
        c.physical = PhysicalType::kBoolean;
        break;
      case format::Type::kInt32:
        c.physical = PhysicalType::kInt32;
        break;
      case format::Type::kInt64:
        c.physical = PhysicalType::kInt64;
        break;
      case format::Type::kFloat:
        c.physical = PhysicalType::kFloat;
        break;
      case format::Type::kDouble:
        c.physical = PhysicalType::kDouble;
        break;
      case format::Type::kByteArray:
        c.physical = PhysicalType::kByteArray;
        break;
      default:
        return InputError(fmt::format(
            "{}: column '{}' has physical type {} (INT96 / FIXED_LEN_BYTE_ARRAY are not "
            "supported)",
            context, e.name, static_cast<int>(*e.type)));
    }
    c.logical = FromAnnotations(e, c.physical);
    schema.columns.push_back(std::move(c));
  }
  return schema;
}

}  // namespace wv::parquet
