#ifndef WV_IO_S3_SOURCE_H_
#define WV_IO_S3_SOURCE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "core/status.h"
#include "io/byte_source.h"
#include "s3/client.h"

// An S3 object as a ByteSource: the ingest reads it exactly as it reads a
// local file.
namespace wv::io {

// Plain data.
struct S3SourceOptions {
  size_t block_bytes = size_t{8} << 20;  // bytes per ranged GET
  int blocks_in_flight = 4;              // GETs running ahead of the reader (at least 1)
};

// Opens `url` ("s3://bucket/key"): HEAD records its identity (size, ETag),
// then ranged GETs of `block_bytes`, each If-Match that ETag, run ahead of
// the reader on `blocks_in_flight` threads, so the parser does not wait on
// the network while blocks are in flight. Memory: at most
// (blocks_in_flight + 1) blocks.
//
// Errors are InputErrors naming the object: a missing object or bucket,
// access denied, an unreachable endpoint (s3/client.h's lines), and an
// object replaced while it is read ("s3://b/k: the object changed while it
// was read (ETag ... at open)"). A request that fails transiently is
// retried by the client, a cut body resumed at the byte reached.
//
// The source itself is not thread-safe (one reader, as every ByteSource);
// `client` must be thread-safe (S3Client is) and is shared.
StatusOr<std::unique_ptr<ByteSource>> OpenS3Source(std::shared_ptr<s3::S3Client> client,
                                                   const std::string& url,
                                                   const S3SourceOptions& options = {});

}  // namespace wv::io

#endif  // WV_IO_S3_SOURCE_H_
