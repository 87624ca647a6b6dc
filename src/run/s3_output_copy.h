#ifndef WV_RUN_S3_OUTPUT_COPY_H_
#define WV_RUN_S3_OUTPUT_COPY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "s3/client.h"
#include "s3/location.h"

// How `check`, `query` and `report` read an output published on S3
// (s3://bucket/prefix): one version, the one its _manifest.json names when
// they start, copied into a private local folder that run::PublishedOutput
// then reads exactly as it reads a local output. The copy is the seam: the
// Parquet reader, the verification and the queries stay path-based and
// unchanged, and the version cannot change under them (objects of a version
// are never overwritten, and the previous version's objects stay for the
// grace period after a republish; docs/S3.md).
//
// Memory: at most `threads` ranges of kCopyRangeBytes in flight; the disk
// under $TMPDIR holds the version (the sum of the manifest's file sizes).
// Thread-compatible; the copy itself runs on up to `threads` threads.
namespace wv::run {

// Bytes per ranged GET of a large object (smaller objects: one GET).
inline constexpr uint64_t kCopyRangeBytes = 8 << 20;

struct S3CopyStats {
  uint64_t objects = 0;  // listed objects copied
  uint64_t missing = 0;  // listed objects that are not there (left out of the copy)
  uint64_t bytes = 0;    // object bytes copied
};

// Copies into the empty local folder `folder`: first reads
// `<prefix>/_manifest.json` (its ETag kept), then every object it lists at
// an acceptable path (run/output_listing.h: ListedPathProblem for the
// tables, StatePathProblem for the append state; others are never fetched), each with GETs bound to
// the ETag of its first response (If-Match: an object replaced mid-read is an error, never a mix),
// at the same relative path, and writes the manifest's bytes last as `folder/_manifest.json`. A
// listed object that does not exist is left out, so that the reader reports it missing as it would
// locally (exit 6). Errors: InputError when there is no manifest, it is not a wordviews manifest,
// or S3 refuses or fails a request (the client's one line: access denied, no such bucket,
// unreachable endpoint, ...); OutputError when the local copy cannot be written.
StatusOr<S3CopyStats> CopyPublishedVersion(s3::S3Client& client, const s3::ObjectUrl& output,
                                           const std::string& folder, int threads);

// The text of `<prefix>/_manifest.json` as published now; nullopt when there
// is none. An InputError when S3 refuses or fails the request.
StatusOr<std::optional<std::string>> GetPublishedManifest(s3::S3Client& client,
                                                          const s3::ObjectUrl& output);

// One object copied.
struct CopiedObject {
  bool found = false;  // false: no such object, and nothing was written
  uint64_t bytes = 0;
  uint32_t crc32 = 0;  // of the bytes written
};

// Copies the object `<prefix>/<key>` (listed `listed_bytes` long: one GET when
// small, else ranges bound to the first response's ETag) to the new file
// `folder/<relative>`, creating its folders, never through anything already
// there. Errors as CopyPublishedVersion's.
StatusOr<CopiedObject> CopyListedObject(s3::S3Client& client, const s3::ObjectUrl& output,
                                        std::string_view key, uint64_t listed_bytes,
                                        const std::string& folder, std::string_view relative);

}  // namespace wv::run

#endif  // WV_RUN_S3_OUTPUT_COPY_H_
