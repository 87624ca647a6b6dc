#ifndef WV_IO_S3_OUTPUT_STORE_H_
#define WV_IO_S3_OUTPUT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/output_store.h"
#include "s3/client.h"

// An output published under an S3 prefix (`run --out s3://bucket/prefix`),
// with the guarantees of the local folder's exchange (docs/S3.md):
//
// Layout: the table objects keep the paths engines read (prefix/fact_wordviews/
// date=YYYY-MM-DD/..., the dimension folders, quarantine/), but every name
// carries the run's version, as Spark names its parts (part-00000-<run id>.
// parquet), so a new version never overwrites an object of the version
// readers are using. Beside the tables, a Redshift COPY manifest per table
// (prefix/<table>-<run id>.manifest) lists exactly that version's objects.
// prefix/_manifest.json names the current version: it is the commit point.
//
// Opening, before any input is read: the prefix must be ours: either it
// holds a manifest that options.list_manifest accepts (its ETag and time are
// kept), or it holds no object at all; anything else is refused with an
// OutputError and nothing is touched. Then stale leftovers are removed (see
// clean-up below).
//
// Writing: every table object is a multipart upload (parts uploaded in
// parallel while the file is written); none is completed until Commit().
//
// Commit(): checks that the manifest is still the one seen at the start,
// completes every upload, writes the Redshift manifests, then writes the
// manifest with If-None-Match: * (no manifest before) or If-Match: <the ETag
// read at the start>. Two writers cannot both commit: the one whose write is
// refused (412) removes its own objects and fails with an OutputError naming
// the other writer. Afterwards the run removes what no reader can need any
// more (below) and reports it in CommitNote().
//
// KeepPublished(): `run --append` lists an object of the previous version
// again (an earlier batch's fact, quarantine or fingerprint file, unchanged)
// instead of writing it anew; only objects the previous manifest lists can be
// kept. They are in this version's Redshift manifests, and the clean-up
// treats them as this version's; a failed run never deletes them (its own
// objects are those whose names carry its version).
//
// Failure: destroying an uncommitted store aborts its uploads and deletes any
// object it completed; SIGINT, SIGTERM and SIGHUP do the same from a thread
// of io::DeferredSignalWork before the process dies of the signal. A SIGKILL
// leaves open uploads (and at worst completed but unlisted objects): the
// previous version stays whole, and a later run removes them.
//
// Clean-up (at the start and after the commit): an object under the prefix
// that the current manifest does not list (an earlier version's, or a failed
// run's) is deleted once it is older than the grace period and the version it
// may belong to was superseded more than the grace period ago; the previous
// version's objects therefore survive the commit by at least the grace
// period, and are removed by a later run. Multipart uploads started more than
// the grace period ago are aborted. Ages are measured on S3's clock after the
// commit (the new manifest's LastModified) and on the local clock at the start,
// plus kClockSkewAllowance, the skew SigV4 tolerates.
//
// Thread-safety: Create() may be called from several threads; Commit() from
// one; the signal thread and the destructor synchronise with both.
namespace wv::io {

// How far the local clock may be from S3's (SigV4 refuses larger skews).
inline constexpr int64_t kClockSkewAllowance = 15 * 60;

// The name a file of version `version` is published under: the version
// joined to the file name before its extension ("dim_users/part-00000.parquet"
// -> "dim_users/part-00000-<version>.parquet").
std::string VersionedName(std::string_view relative_path, std::string_view version);

// The inverse of VersionedName() for a name one of `versions` gave: the name
// without "-<version>" before its extension (the longest version that fits
// first), or nullopt when it carries none of them.
std::optional<std::string> UnversionedName(std::string_view published_name,
                                           const std::vector<std::string>& versions);

// The Redshift COPY manifest of `table` in version `version`, relative to the
// output ("fact_wordviews-<version>.manifest").
std::string RedshiftManifestName(std::string_view table, std::string_view version);

// Opens `url` ("s3://bucket/prefix") for publishing with `client`.
// REQUIRES: options.list_manifest and options.version are set.
// Errors: OutputError (the prefix is not ours, S3 refuses or cannot be
// reached: the client's one line), UsageError (a malformed URL).
StatusOr<std::unique_ptr<OutputStore>> OpenS3OutputStore(std::shared_ptr<s3::S3Client> client,
                                                         const std::string& url,
                                                         const OutputStoreOptions& options);

}  // namespace wv::io

#endif  // WV_IO_S3_OUTPUT_STORE_H_
