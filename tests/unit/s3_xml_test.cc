#include "gtest/gtest.h"
#include "s3/xml.h"

namespace wv::s3 {
namespace {

TEST(S3Xml, ListObjectsV2WithEscapedETagsAndKeys) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>d/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>d/a &amp; b.csv</Key><LastModified>2024-03-01T12:34:56.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>d/ü</Key><LastModified>1970-01-02T00:00:01Z</LastModified>
    <ETag>&#34;abc-2&#34;</ETag><Size>0</Size></Contents>
  <NextContinuationToken>1/abc+def==</NextContinuationToken>
</ListBucketResult>)";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "d/a & b.csv");
  EXPECT_EQ(page->objects[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(page->objects[0].size, 1234u);
  EXPECT_EQ(page->objects[0].last_modified, 1709296496);
  EXPECT_EQ(page->objects[1].key, "d/ü");
  EXPECT_EQ(page->objects[1].etag, "\"abc-2\"");
  EXPECT_EQ(page->objects[1].last_modified, 86401);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1/abc+def==");
}

TEST(S3Xml, MalformedListingsAreErrors) {
  EXPECT_FALSE(ParseListObjectsV2("").ok());
  EXPECT_FALSE(ParseListObjectsV2("<html>proxy error</html>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>x</Size>"
                                  "</Contents></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>")
                   .ok());
  auto empty =
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
}

TEST(S3Xml, ErrorBodies) {
  auto error = ParseErrorBody(
      "<?xml version=\"1.0\"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
      "&apos;us-east-1&apos; is wrong</Message><Region>eu-west-1</Region></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(error->message, "the region 'us-east-1' is wrong");
  EXPECT_EQ(error->region, "eu-west-1");
  EXPECT_FALSE(ParseErrorBody("").has_value());
  EXPECT_FALSE(ParseErrorBody("<html/>").has_value());
}

TEST(S3Xml, MultipartBodies) {
  auto id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2Fk+/=</"
      "UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value(), "VXBsb2Fk+/=");
  EXPECT_FALSE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").ok());

  auto done = ParseCompleteMultipartUpload(
      "<CompleteMultipartUploadResult><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>"
      "</CompleteMultipartUploadResult>");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
  EXPECT_FALSE(done->error.has_value());
  auto failed = ParseCompleteMultipartUpload(
      "<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE(failed->error.has_value());
  EXPECT_EQ(failed->error->code, "InternalError");

  auto uploads = ParseListMultipartUploads(
      "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k2</NextKeyMarker>"
      "<NextUploadIdMarker>u2</NextUploadIdMarker><Upload><Key>out/a</Key><UploadId>u1</UploadId>"
      "<Initiated>2024-01-01T00:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>");
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->uploads.size(), 1u);
  EXPECT_EQ(uploads->uploads[0].key, "out/a");
  EXPECT_EQ(uploads->uploads[0].upload_id, "u1");
  EXPECT_EQ(uploads->uploads[0].initiated, 1704067200);
  EXPECT_EQ(uploads->next_key_marker, "k2");
  EXPECT_EQ(uploads->next_upload_id_marker, "u2");
}

TEST(S3Xml, RequestBodiesAreEscaped) {
  const std::string complete = CompleteMultipartUploadXml({{1, "\"a\""}, {2, "\"b\""}});
  EXPECT_EQ(complete,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part>"
            "<PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><PartNumber>2</PartNumber>"
            "<ETag>\"b\"</ETag></Part></CompleteMultipartUpload>");
  const std::vector<std::string> keys = {"skip", "a<&>b", "c"};
  EXPECT_EQ(DeleteObjectsXml(keys, 1, 3),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet><Object>"
            "<Key>a&lt;&amp;&gt;b</Key></Object><Object><Key>c</Key></Object></Delete>");
  auto failures = ParseDeleteResult(
      "<DeleteResult><Deleted><Key>c</Key></Deleted><Error><Key>a&lt;&amp;&gt;b</Key><Code>"
      "AccessDenied</Code><Message>no</Message></Error></DeleteResult>");
  ASSERT_TRUE(failures.ok());
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ(failures.value()[0].key, "a<&>b");
  EXPECT_EQ(failures.value()[0].code, "AccessDenied");
}

TEST(S3Xml, IsoTimestamps) {
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIsoTimestamp("2024-02-29T23:59:59.999Z"), 1709251199);
  EXPECT_FALSE(ParseIsoTimestamp("2024-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTimestamp("yesterday").has_value());
  EXPECT_FALSE(ParseIsoTimestamp("2024-01-01 00:00:00Z").has_value());
}

}  // namespace
}  // namespace wv::s3
