#ifndef WV_IO_GZIP_SINK_H_
#define WV_IO_GZIP_SINK_H_

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "io/byte_sink.h"

namespace wv::io {

// Wraps `inner` so that appended bytes are gzip-compressed (ISA-L igzip).
// The stream is cut into fixed-size blocks of uncompressed input, each
// compressed independently into its own gzip member (a multi-member gzip file
// is valid gzip: `gzip -dc`, zlib and Python read it whole). Because the cuts
// depend only on byte offsets, the output is byte-identical for any `threads`;
// with threads > 1 blocks are compressed in parallel and written in order.
// The returned sink is not thread-safe (one appender); Close() closes `inner`.
// REQUIRES: 0 <= level <= 3 (ISA-L's levels), threads >= 1, block_size >= 64 KiB.
StatusOr<std::unique_ptr<ByteSink>> OpenGzipSink(std::unique_ptr<ByteSink> inner, int level = 1,
                                                 int threads = 1,
                                                 size_t block_size = size_t{4} << 20);

}  // namespace wv::io

#endif  // WV_IO_GZIP_SINK_H_
