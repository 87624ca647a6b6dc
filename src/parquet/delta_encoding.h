#ifndef WV_PARQUET_DELTA_ENCODING_H_
#define WV_PARQUET_DELTA_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/schema.h"

// Decoders for the encodings other writers choose for data page v2 files
// (DuckDB's PARQUET_VERSION V2, pyarrow's column_encoding): DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT
// (parquet-format Encodings.md). Our writer produces only the first, for nearly
// sorted INT64 pages (its encoder: parquet/delta_binary_packed.h). Every count
// and width read is checked; errors are InputErrors naming `context`.
// Stateless functions.
namespace wv::parquet {

// Decodes exactly `count` DELTA_BINARY_PACKED integers into *out (as 64-bit,
// wrapping like the writer's arithmetic); *consumed receives the bytes used.
Status DecodeDeltaBinaryPacked(std::string_view data, size_t count, std::string_view context,
                               std::vector<int64_t>* out, size_t* consumed);

// Decodes `count` values of `type` in `encoding` (one of the four above),
// appending them to the value array of `type` in *out.
Status DecodeDeltaOrSplit(int32_t encoding, PhysicalType type, std::string_view data, size_t count,
                          std::string_view context, ColumnVector* out);

}  // namespace wv::parquet

#endif  // WV_PARQUET_DELTA_ENCODING_H_
