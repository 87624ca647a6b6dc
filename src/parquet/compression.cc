#include "parquet/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

#include "fmt/core.h"

namespace wv::parquet {
namespace {

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

Status GzipCompress(int level, std::string_view input, std::string* out) {
  z_stream zs{};
  level = std::clamp(level, 1, 9);
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return InternalError("gzip: deflateInit2 failed");
  }
  const size_t start = out->size();
  const uLong bound = deflateBound(&zs, static_cast<uLong>(input.size())) + 32;
  out->resize(start + bound);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  zs.avail_out = static_cast<uInt>(bound);
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return InternalError("gzip: deflate did not finish");
  out->resize(start + produced);
  return OkStatus();
}

Status GzipDecompress(std::string_view input, char* out, size_t size, std::string_view context) {
  z_stream zs{};
  // 15 + 32: accept both gzip and zlib headers (old writers used zlib).
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return InternalError("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = static_cast<uInt>(size);
  int rc = inflate(&zs, Z_FINISH);
  // Some writers concatenate gzip members; keep inflating while input remains.
  while (rc == Z_STREAM_END && zs.avail_in > 0 && zs.avail_out > 0) {
    if (inflateReset(&zs) != Z_OK) break;
    rc = inflate(&zs, Z_FINISH);
  }
  const size_t produced = size - zs.avail_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != size) {
    return InputError(fmt::format("{}: corrupt GZIP page (inflated {} of {} bytes{})", context,
                                  produced, size, zs.msg ? std::string(", ") + zs.msg : ""));
  }
  return OkStatus();
}

}  // namespace

format::Codec ToFormatCodec(Compression c) {
  switch (c) {
    case Compression::kNone:
      return format::Codec::kUncompressed;
    case Compression::kSnappy:
      return format::Codec::kSnappy;
    case Compression::kGzip:
      return format::Codec::kGzip;
    case Compression::kZstd:
      return format::Codec::kZstd;
  }
  return format::Codec::kUncompressed;
}

std::string_view CodecName(int32_t codec) {
  switch (codec) {
    case 0:
      return "UNCOMPRESSED";
    case 1:
      return "SNAPPY";
    case 2:
      return "GZIP";
    case 3:
      return "LZO";
    case 4:
      return "BROTLI";
    case 5:
      return "LZ4";
    case 6:
      return "ZSTD";
    case 7:
      return "LZ4_RAW";
    default:
      return "UNKNOWN";
  }
}

Status Compress(Compression codec, int level, std::string_view input, std::string* out) {
  switch (codec) {
    case Compression::kNone:
      out->append(input);
      return OkStatus();
    case Compression::kZstd: {
      const size_t start = out->size();
      const size_t bound = ZSTD_compressBound(input.size());
      out->resize(start + bound);
      ZSTD_CCtx* ctx = ThreadCCtx();
      if (ctx == nullptr) return InternalError("zstd: cannot create a context");
      const size_t n =
          ZSTD_compressCCtx(ctx, out->data() + start, bound, input.data(), input.size(), level);
      if (ZSTD_isError(n)) return InternalError(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
      out->resize(start + n);
      return OkStatus();
    }
    case Compression::kSnappy: {
      const size_t start = out->size();
      out->resize(start + snappy::MaxCompressedLength(input.size()));
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), out->data() + start, &n);
      out->resize(start + n);
      return OkStatus();
    }
    case Compression::kGzip:
      return GzipCompress(level, input, out);
  }
  return InternalError("unknown compression");
}

Status Decompress(int32_t codec, std::string_view input, char* out, size_t size,
                  std::string_view context) {
  switch (codec) {
    case 0:
      if (input.size() != size) {
        return InputError(fmt::format("{}: uncompressed page is {} bytes, header says {}", context,
                                      input.size(), size));
      }
      std::copy(input.begin(), input.end(), out);
      return OkStatus();
    case 1: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &n) || n != size) {
        return InputError(fmt::format("{}: corrupt SNAPPY page (length mismatch)", context));
      }
      if (!snappy::RawUncompress(input.data(), input.size(), out)) {
        return InputError(fmt::format("{}: corrupt SNAPPY page", context));
      }
      return OkStatus();
    }
    case 2:
      return GzipDecompress(input, out, size, context);
    case 6: {
      ZSTD_DCtx* ctx = ThreadDCtx();
      if (ctx == nullptr) return InternalError("zstd: cannot create a context");
      const size_t n = ZSTD_decompressDCtx(ctx, out, size, input.data(), input.size());
      if (ZSTD_isError(n)) {
        return InputError(fmt::format("{}: corrupt ZSTD page: {}", context, ZSTD_getErrorName(n)));
      }
      if (n != size) {
        return InputError(
            fmt::format("{}: ZSTD page inflates to {} bytes, header says {}", context, n, size));
      }
      return OkStatus();
    }
    default:
      return InputError(fmt::format("{}: unsupported compression codec {} ({})", context,
                                    CodecName(codec), codec));
  }
}

}  // namespace wv::parquet
