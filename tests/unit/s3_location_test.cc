#include "gtest/gtest.h"
#include "s3/location.h"

namespace wv::s3 {
namespace {

TEST(S3Location, RecognisesS3Urls) {
  EXPECT_TRUE(IsS3Url("s3://bucket/key"));
  EXPECT_TRUE(IsS3Url("s3://"));
  EXPECT_FALSE(IsS3Url("S3://bucket/key"));
  EXPECT_FALSE(IsS3Url("/data/s3://x"));
  EXPECT_FALSE(IsS3Url("traces.csv"));
}

TEST(S3Location, ParsesBucketAndKey) {
  auto url = ParseS3Url("s3://my-bucket.data/dir/a b+c.csv.gz");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->bucket, "my-bucket.data");
  EXPECT_EQ(url->key, "dir/a b+c.csv.gz");
  EXPECT_EQ(url->ToString(), "s3://my-bucket.data/dir/a b+c.csv.gz");
  auto bucket_only = ParseS3Url("s3://abc");
  ASSERT_TRUE(bucket_only.ok());
  EXPECT_EQ(bucket_only->key, "");
  EXPECT_EQ(bucket_only->ToString(), "s3://abc");
}

TEST(S3Location, RefusesBadBucketNames) {
  for (const char* bad : {"s3://", "s3://ab/k", "s3://Upper/k", "s3://under_score/k",
                          "s3://-dash/k", "s3://dash-/k", "s3://a..b/k", "s3://192.168.1.1/k"}) {
    auto url = ParseS3Url(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().kind(), ErrorKind::kUsage);
    EXPECT_EQ(url.status().message().find(bad), 0u) << url.status().message();
  }
  EXPECT_FALSE(ParseS3Url("s3://" + std::string(64, 'a') + "/k").ok());
  EXPECT_TRUE(ParseS3Url("s3://" + std::string(63, 'a') + "/k").ok());
  EXPECT_FALSE(ParseS3Url("s3://bucket/a\nb").ok());
  EXPECT_FALSE(ParseS3Url("s3://bucket/" + std::string(1025, 'k')).ok());
  EXPECT_FALSE(ParseS3Url("s3://bucket/\xff").ok());
  EXPECT_TRUE(ParseS3Url("s3://bucket/" + std::string(1024, 'k')).ok());
  EXPECT_TRUE(ParseS3Url("s3://b.1-2/ü/é").ok());
}

TEST(S3Location, KeyPatternsOfTheThreeForms) {
  auto prefix = ParseKeyPattern("s3://b-1/traces/");
  ASSERT_TRUE(prefix.ok());
  EXPECT_TRUE(prefix->is_prefix);
  EXPECT_TRUE(prefix->is_listing());
  EXPECT_EQ(prefix->list_prefix, "traces/");
  EXPECT_TRUE(prefix->Matches("traces/a.csv"));
  EXPECT_TRUE(prefix->Matches("traces/sub/b.csv"));
  EXPECT_FALSE(prefix->Matches("traces/"));      // the folder marker itself
  EXPECT_FALSE(prefix->Matches("traces/sub/"));  // nor any folder marker
  EXPECT_FALSE(prefix->Matches("tracesx/a.csv"));

  auto glob = ParseKeyPattern("s3://b-1/traces/part-*.csv.gz");
  ASSERT_TRUE(glob.ok());
  EXPECT_TRUE(glob->has_wildcard);
  EXPECT_EQ(glob->list_prefix, "traces/part-");
  EXPECT_TRUE(glob->Matches("traces/part-0001.csv.gz"));
  EXPECT_TRUE(glob->Matches("traces/part-.csv.gz"));
  EXPECT_FALSE(glob->Matches("traces/part-1/x.csv.gz"));  // '*' stays in the segment
  EXPECT_FALSE(glob->Matches("traces/part-1.csv"));

  auto exact = ParseKeyPattern("s3://b-1/traces/one.csv");
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->is_listing());
  EXPECT_TRUE(exact->Matches("traces/one.csv"));
  EXPECT_FALSE(exact->Matches("traces/one.csv.gz"));

  auto bucket = ParseKeyPattern("s3://b-1");
  ASSERT_TRUE(bucket.ok());
  EXPECT_TRUE(bucket->is_prefix);
  EXPECT_EQ(bucket->list_prefix, "");

  auto bad = ParseKeyPattern("s3://b-1/*/x.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("only after the last '/'"), std::string::npos);
}

TEST(S3Location, GlobMatching) {
  EXPECT_TRUE(MatchKeyGlob("a*b", "ab"));
  EXPECT_TRUE(MatchKeyGlob("a*b", "axxb"));
  EXPECT_TRUE(MatchKeyGlob("a*b*c", "abxbc"));
  EXPECT_TRUE(MatchKeyGlob("d/?.csv", "d/1.csv"));
  EXPECT_FALSE(MatchKeyGlob("d/?.csv", "d/12.csv"));
  EXPECT_FALSE(MatchKeyGlob("d/?.csv", "d//.csv"));
  EXPECT_FALSE(MatchKeyGlob("d/*", "d/x/y"));
  EXPECT_TRUE(MatchKeyGlob("d/*", "d/"));
  EXPECT_TRUE(MatchKeyGlob("d/**", "d/xy"));
  EXPECT_FALSE(MatchKeyGlob("a*b", "axxbc"));
  EXPECT_TRUE(MatchKeyGlob("*", "anything at all"));
  EXPECT_FALSE(MatchKeyGlob("x", ""));
  EXPECT_TRUE(MatchKeyGlob("", ""));
}

}  // namespace
}  // namespace wv::s3
