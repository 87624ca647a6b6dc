#ifndef WV_PARQUET_SCHEMA_CONVERT_H_
#define WV_PARQUET_SCHEMA_CONVERT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"

// Conversions between our flat Schema and the footer's SchemaElement list.
// Stateless functions.
namespace wv::parquet {

// Checks names (non-empty, unique) and that each logical type fits its
// physical type. Errors are UsageErrors naming the column.
Status ValidateSchema(const Schema& schema);

// The footer schema: a root group, then one primitive per column, each with
// both the LogicalType and (for older readers) the legacy ConvertedType.
std::vector<format::SchemaElement> ToFormatSchema(const Schema& schema);

// Reads a flat footer schema. Nested groups, repeated fields and physical
// types we do not support (INT96, FIXED_LEN_BYTE_ARRAY) are InputErrors naming
// `context`. Annotations we do not model (e.g. TIMESTAMP(NANOS), DECIMAL) map
// to LogicalType::kNone: values are read as their physical type.
StatusOr<Schema> FromFormatSchema(const std::vector<format::SchemaElement>& elements,
                                  std::string_view context);

std::string_view PhysicalTypeName(PhysicalType type);
std::string_view LogicalTypeName(LogicalType type);

}  // namespace wv::parquet

#endif  // WV_PARQUET_SCHEMA_CONVERT_H_
