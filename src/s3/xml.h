#ifndef WV_S3_XML_H_
#define WV_S3_XML_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "s3/client.h"

// The XML bodies of the S3 REST API that the client reads and writes,
// parsed with pugixml (entities such as the &quot; around ETags decoded by
// the parser, never by hand). Parse errors are InternalErrors of the form
// "malformed ListBucketResult: ..."; the client turns them into
// kBadResponse. Pure functions; thread-safe.
namespace wv::s3 {

// <Error><Code/><Message/><Region/></Error>. Plain data.
struct ErrorBody {
  std::string code;
  std::string message;
  std::string region;  // AuthorizationHeaderMalformed, PermanentRedirect
};

// The error in `xml`, or nullopt when it is not an S3 <Error> document
// (empty, HTML from a proxy, ...).
std::optional<ErrorBody> ParseErrorBody(std::string_view xml);

// One page of ListObjectsV2. Plain data.
struct ListObjectsPage {
  std::vector<ObjectSummary> objects;
  bool truncated = false;
  std::string next_continuation_token;  // when truncated
};
StatusOr<ListObjectsPage> ParseListObjectsV2(std::string_view xml);

// One page of ListMultipartUploads. Plain data.
struct ListUploadsPage {
  std::vector<UploadSummary> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
StatusOr<ListUploadsPage> ParseListMultipartUploads(std::string_view xml);

// The UploadId of <InitiateMultipartUploadResult>.
StatusOr<std::string> ParseInitiateMultipartUpload(std::string_view xml);

// <CompleteMultipartUploadResult>'s ETag, or the <Error> S3 may send with
// a 200 status. Plain data.
struct CompleteResult {
  std::string etag;
  std::optional<ErrorBody> error;
};
StatusOr<CompleteResult> ParseCompleteMultipartUpload(std::string_view xml);

// The keys <DeleteResult> reports as not deleted, with their codes. Plain data.
struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
StatusOr<std::vector<DeleteFailure>> ParseDeleteResult(std::string_view xml);

// The request bodies: <CompleteMultipartUpload> with the parts, and a quiet
// <Delete> of `keys` (text entity-escaped by the writer).
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);
std::string DeleteObjectsXml(const std::vector<std::string>& keys, size_t begin, size_t end);

// "2009-10-12T17:50:30.000Z" (S3's XML timestamps) as UNIX seconds.
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);

}  // namespace wv::s3

#endif  // WV_S3_XML_H_
