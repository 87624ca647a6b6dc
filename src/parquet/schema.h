#ifndef WV_PARQUET_SCHEMA_H_
#define WV_PARQUET_SCHEMA_H_

#include <string>
#include <vector>

// The subset of Parquet's type system the project writes and reads: a flat
// schema of primitive columns, REQUIRED or OPTIONAL.
namespace wv::parquet {

enum class PhysicalType { kBoolean, kInt32, kInt64, kFloat, kDouble, kByteArray };

// Logical annotations. kNone = the bare physical type.
enum class LogicalType {
  kNone,
  kString,              // BYTE_ARRAY, UTF-8
  kInt8,                // INT32
  kInt16,               // INT32
  kInt32,               // INT32
  kInt64,               // INT64
  kTimestampMicrosUtc,  // INT64, microseconds since the epoch, isAdjustedToUTC=true
  kDate,                // INT32, days since the epoch
};

enum class Repetition { kRequired, kOptional };

struct ColumnSchema {
  std::string name;
  PhysicalType physical = PhysicalType::kInt64;
  LogicalType logical = LogicalType::kNone;
  Repetition repetition = Repetition::kRequired;
};

struct Schema {
  std::vector<ColumnSchema> columns;
};

enum class Compression { kNone, kSnappy, kGzip, kZstd };

}  // namespace wv::parquet

#endif  // WV_PARQUET_SCHEMA_H_
