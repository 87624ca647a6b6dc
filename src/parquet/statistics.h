#ifndef WV_PARQUET_STATISTICS_H_
#define WV_PARQUET_STATISTICS_H_

#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/metadata.h"
#include "parquet/reader.h"
#include "parquet/schema.h"

// Column chunk statistics with the sort orders of parquet-format's
// ColumnOrder TYPE_ORDER: signed for integers (and our INT/DATE/TIMESTAMP
// annotations), IEEE for floats with NaN ignored and -0/+0 widened, unsigned
// byte order for strings, false < true for booleans. Stateless functions.
namespace wv::parquet {

// Byte arrays longer than this are left out of min/max (as Arrow does), so a
// single huge value cannot bloat the footer.
inline constexpr size_t kMaxStatisticsValueBytes = 4096;

// Statistics of rows [begin, end) of `column`, encoded for the footer.
format::Statistics ComputeStatistics(const ColumnSchema& schema, const ColumnVector& column,
                                     size_t begin, size_t end);

// Decodes footer statistics to the physical type of `schema`. Deprecated
// min/max are used only where their signed order is the type's order
// (never for byte arrays). Malformed values are an InputError naming `context`.
StatusOr<ColumnChunkStatistics> DecodeStatistics(const ColumnSchema& schema,
                                                 const format::Statistics& stats,
                                                 std::string_view context);

}  // namespace wv::parquet

#endif  // WV_PARQUET_STATISTICS_H_
