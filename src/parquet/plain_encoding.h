#ifndef WV_PARQUET_PLAIN_ENCODING_H_
#define WV_PARQUET_PLAIN_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/schema.h"

// PLAIN encoding (parquet-format Encodings.md): fixed-width values little
// endian back to back; booleans bit-packed LSB first; byte arrays as a 4-byte
// little-endian length followed by the bytes. Used for data pages after a
// dictionary fallback and for dictionary pages. Stateless functions.
namespace wv::parquet {

// Appends the PLAIN encoding of the non-null values among rows [begin, end) of
// `column` (rows with valid[row] == 0 are skipped when `valid` is non-empty).
void PlainEncode(PhysicalType type, const ColumnVector& column, size_t begin, size_t end,
                 std::string* out);

// Decodes exactly `count` PLAIN values from `data`, appending them to the
// value array of `type` in *out. *consumed receives the bytes used. Running
// out of data is an InputError naming `context`.
Status PlainDecode(PhysicalType type, std::string_view data, size_t count, std::string_view context,
                   ColumnVector* out, size_t* consumed);

// Encoded size of one fixed-width value; 0 for BYTE_ARRAY, and for BOOLEAN
// (bit-packed) also 0.
size_t FixedWidth(PhysicalType type);

}  // namespace wv::parquet

#endif  // WV_PARQUET_PLAIN_ENCODING_H_
