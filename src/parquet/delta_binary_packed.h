#ifndef WV_PARQUET_DELTA_BINARY_PACKED_H_
#define WV_PARQUET_DELTA_BINARY_PACKED_H_

#include <cstddef>
#include <cstdint>
#include <string>

// The DELTA_BINARY_PACKED encoder (parquet-format Encodings.md): a header
// (block size 128, 4 miniblocks of 32 values, the count, the first value),
// then per block the smallest delta and each miniblock's deltas less it,
// bit-packed at the miniblock's width. Sorted or nearly sorted integers
// (a day's line numbers) take a few bits each instead of 8 bytes, so zstd
// has almost nothing left to do. Its decoder is in parquet/delta_encoding.h.
// Stateless functions; thread-safe.
namespace wv::parquet {

// Appends the encoding of values[0, n) to *out. Deltas wrap in 64 bits (as
// every reader's INT64 arithmetic does), so any values round-trip. INT64
// only: INT32 readers wrap deltas in 32 bits, which this does not.
void DeltaBinaryPackedEncode(const int64_t* values, size_t n, std::string* out);
// The bytes DeltaBinaryPackedEncode(values, n) appends, without packing them
// (a few operations a value): whether the encoding pays is decided first.
size_t DeltaBinaryPackedBytes(const int64_t* values, size_t n);

}  // namespace wv::parquet

#endif  // WV_PARQUET_DELTA_BINARY_PACKED_H_
