#ifndef WV_DIST_ATTEMPT_STORE_H_
#define WV_DIST_ATTEMPT_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

// Where a distributed run's attempts keep their files (docs/DISTRIBUTED.md):
// a folder on a file system every node sees, or an `s3://` prefix. An
// attempt on S3 runs in a private local folder and then puts every file it
// wrote under its own attempt prefix, each object If-None-Match: * (an
// attempt never overwrites another's object); its report lists every object
// with its size, CRC-32 and ETag, and `merge` checks each object it reads
// against that report.
//
// Thread-safety: every function may be called from any thread (they use the
// process's shared S3 client, io/s3_connection.h).
namespace wv::dist {

// One file an attempt wrote, as its report lists it.
struct WrittenFile {
  std::string path;  // relative to the attempt folder or prefix
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
  std::string etag;  // the object's ETag (S3 attempts only)
};

// The regular files under local folder `root`, relative paths sorted, each
// read once for its size and CRC-32.
StatusOr<std::vector<WrittenFile>> ListWrittenFiles(const std::string& root);

// Errors: an OutputError when prefix `attempt_url` already holds an object
// (another attempt wrote there), or S3 cannot be listed.
Status CheckAttemptPrefixUnused(const std::string& attempt_url);

// Puts every file of local folder `root` under `attempt_url` (same relative
// paths), each read once (its size and CRC-32 computed as it is sent) and
// only if no object has its key. Returns them sorted by path with their
// ETags. An OutputError naming the object on failure (what was put stays
// under the attempt prefix, which no report names).
StatusOr<std::vector<WrittenFile>> PutAttemptFiles(const std::string& root,
                                                   const std::string& attempt_url);

// Copies the attempt's object `attempt_url/relative` to the new local file
// `folder/relative`, checking it against the report's `expected` (size and
// CRC-32): an InputError naming the object on a difference.
Status FetchAttemptFile(const std::string& attempt_url, const WrittenFile& expected,
                        const std::string& folder);

// The InputError of a file that is not what its attempt's report says.
Status ReportMismatch(const std::string& where, const WrittenFile& expected, uint64_t bytes,
                      uint32_t crc32);

// Removes a distributed run's S3 work prefix: every object under
// `work_url` + "/" and every multipart upload open there, nothing else.
// `work_url`'s last segment must be a work folder's name (".wv-dist-..."): a
// UsageError otherwise, before anything is listed. Returns the number of
// objects removed.
StatusOr<size_t> RemoveS3WorkPrefix(const std::string& work_url);

}  // namespace wv::dist

#endif  // WV_DIST_ATTEMPT_STORE_H_
