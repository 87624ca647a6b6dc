#ifndef WV_PARQUET_DICTIONARY_ENCODING_H_
#define WV_PARQUET_DICTIONARY_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "parquet/column_vector.h"
#include "parquet/schema.h"

// Dictionary building for RLE_DICTIONARY column chunks: distinct values in
// first-seen order plus one index per non-null value. Values are keyed by
// their bits (so NaN payloads and -0.0 survive), byte arrays by string_view
// into the column's data (the column outlives the build). Stateless.
namespace wv::parquet {

struct Dictionary {
  ColumnVector values;            // dense: one entry per distinct value
  std::vector<uint32_t> indices;  // one per non-null row, in row order
  size_t num_values = 0;
  size_t plain_bytes = 0;  // size of the PLAIN-encoded dictionary page
};

// Builds the dictionary of the non-null values in rows [begin, end). Returns
// false (leaving *out unspecified) as soon as the PLAIN-encoded dictionary
// would exceed max_plain_bytes: the caller then falls back to PLAIN.
// REQUIRES: type != kBoolean.
bool BuildDictionary(PhysicalType type, const ColumnVector& column, size_t begin, size_t end,
                     size_t max_plain_bytes, Dictionary* out);

}  // namespace wv::parquet

#endif  // WV_PARQUET_DICTIONARY_ENCODING_H_
