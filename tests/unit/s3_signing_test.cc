#include "gtest/gtest.h"
#include "s3/signing.h"

namespace wv::s3 {
namespace {

TEST(S3Signing, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c/d=e&f", false), "a%20b%2Bc%2Fd%3De%26f");
  EXPECT_EQ(UriEncode("a b+c/d", true), "a%20b%2Bc/d");
  EXPECT_EQ(UriEncode("ü", false), "%C3%BC");
  EXPECT_EQ(UriEncode("*%", false), "%2A%25");
}

TEST(S3Signing, CanonicalQuerySortsAndEncodes) {
  EXPECT_EQ(CanonicalQuery({}), "");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(
      CanonicalQuery({{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x/y+=="}}),
      "continuation-token=x%2Fy%2B%3D%3D&list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(CanonicalQuery({{"uploadId", "abc"}, {"partNumber", "10"}}),
            "partNumber=10&uploadId=abc");
}

ConnectionSettings Settings(std::string endpoint, Addressing addressing) {
  ConnectionSettings s;
  s.region = "eu-west-1";
  s.endpoint = std::move(endpoint);
  s.addressing = addressing;
  return s;
}

TEST(S3Signing, UrlsForBothAddressingStyles) {
  const auto path = Settings("http://127.0.0.1:9000", Addressing::kPathStyle);
  EXPECT_EQ(RequestUrl(path, "b", "dir/a b.csv", {}), "http://127.0.0.1:9000/b/dir/a%20b.csv");
  EXPECT_EQ(RequestUrl(path, "b", "", {{"list-type", "2"}}), "http://127.0.0.1:9000/b?list-type=2");
  EXPECT_EQ(RequestUrl(path, "b", "./x/../y", {}), "http://127.0.0.1:9000/b/./x/../y");
  EXPECT_EQ(RequestUrl(path, "", "", {}), "http://127.0.0.1:9000/");
  const auto aws = Settings("", Addressing::kVirtualHosted);
  EXPECT_EQ(RequestUrl(aws, "bucket", "k+1", {{"uploads", ""}}),
            "https://bucket.s3.eu-west-1.amazonaws.com/k%2B1?uploads=");
  EXPECT_EQ(RequestUrl(aws, "bucket", "", {}), "https://bucket.s3.eu-west-1.amazonaws.com/");
  // Dotted names do not match the wildcard certificate: path-style instead.
  EXPECT_EQ(RequestUrl(aws, "my.bucket", "k", {}),
            "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
  const auto aws_path = Settings("", Addressing::kPathStyle);
  EXPECT_EQ(RequestUrl(aws_path, "bucket", "k", {}), "https://s3.eu-west-1.amazonaws.com/bucket/k");
  const auto local_virtual = Settings("http://localhost:7070", Addressing::kVirtualHosted);
  EXPECT_EQ(RequestUrl(local_virtual, "b.x", "k", {}), "http://b.x.localhost:7070/k");
  EXPECT_EQ(SigV4Provider("eu-west-1"), "aws:amz:eu-west-1:s3");
}

TEST(S3Signing, Digests) {
  // Known answers (RFC 6234 / RFC 1321 test vectors).
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Md5Base64("abc"), "kAFQmDzST7DWlj99KOF/cg==");
}

}  // namespace
}  // namespace wv::s3
