#ifndef WV_PARQUET_COMPRESSION_H_
#define WV_PARQUET_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"

// Page compression codecs: ZSTD (libzstd), SNAPPY (raw snappy, not framed),
// GZIP (zlib, gzip wrapper) and none. Thread-safe: codec contexts are
// per-thread.
namespace wv::parquet {

format::Codec ToFormatCodec(Compression c);
std::string_view CodecName(int32_t codec);  // "ZSTD", ..., or "UNKNOWN"

// Appends the compressed form of `input` to *out.
Status Compress(Compression codec, int level, std::string_view input, std::string* out);

// Decompresses `input` into out[0..uncompressed_size), which the caller
// sized from the page header. Anything but exactly uncompressed_size output
// bytes is an InputError naming `context`; unknown codecs (LZO, BROTLI, LZ4)
// are InputErrors too.
Status Decompress(int32_t codec, std::string_view input, char* out, size_t uncompressed_size,
                  std::string_view context);

}  // namespace wv::parquet

#endif  // WV_PARQUET_COMPRESSION_H_
