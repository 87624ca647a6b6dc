#ifndef WV_IO_S3_SOURCE_H_
#define WV_IO_S3_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/byte_source.h"
#include "s3/client.h"

// S3 objects as inputs: an object as a ByteSource (the ingest reads it
// exactly as it reads a local file), and the objects an input argument names.
namespace wv::io {

// True for "s3://..." (s3::IsS3Url): paths that must go to S3, never to the
// local file system.
bool IsS3Path(std::string_view path);

// One object named by an input argument. Plain data.
struct S3InputObject {
  std::string url;  // "s3://bucket/key"
  uint64_t size = 0;
  std::string etag;
};

// The objects an input argument names (s3::ParseKeyPattern): an exact key
// (HEAD), every object under a prefix ending in '/', or the keys matching a
// '*'/'?' glob in the last segment (ListObjectsV2 of the literal prefix), in
// key order. Errors: InputError when nothing matches or S3 refuses (one
// line naming the URL); UsageError for a malformed URL.
StatusOr<std::vector<S3InputObject>> ExpandS3Input(s3::S3Client& client,
                                                   const std::string& pattern);

// The same through SharedS3Client() (io/s3_connection.h), whose errors it returns.
StatusOr<std::vector<S3InputObject>> ExpandS3Input(const std::string& pattern);

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
