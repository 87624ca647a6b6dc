// S3Client against a real versitygw started by the test (tests/support/s3_test_server.h).
#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "s3/client.h"
#include "support/s3_test_server.h"

namespace wv::s3 {
namespace {

using ::wv::testing::S3TestServer;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WV_START_S3_TEST_SERVER(server_);
    client_ = server_->NewClient();
    ASSERT_NE(client_, nullptr);
    const S3Status created = client_->CreateBucket(bucket_);
    ASSERT_TRUE(created.ok()) << created.error().message;
  }

  std::unique_ptr<S3TestServer> server_;
  std::unique_ptr<S3Client> client_;
  const std::string bucket_ = "wv-test";
};

TEST_F(S3ClientTest, PutHeadGetRoundTrip) {
  const std::string body = RandomBytes(100000, 1);
  S3Result<std::string> etag = client_->PutObject(bucket_, "dir/a b+c.bin", body);
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  S3Result<ObjectInfo> head = client_->HeadObject(bucket_, "dir/a b+c.bin");
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, body.size());
  EXPECT_EQ(head->etag, etag.value());
  EXPECT_GT(head->last_modified, 1600000000);

  std::string got;
  S3Result<ObjectInfo> whole =
      client_->GetObject(bucket_, "dir/a b+c.bin", 0, std::nullopt, "", &got);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(got, body);
  EXPECT_EQ(whole->size, body.size());

  S3Result<ObjectInfo> range =
      client_->GetObject(bucket_, "dir/a b+c.bin", 1000, 5000, head->etag, &got);
  ASSERT_TRUE(range.ok()) << range.error().message;
  EXPECT_EQ(got, body.substr(1000, 5000));
  EXPECT_EQ(range->size, body.size());

  // A range reaching past the end is cut at the end; one starting at the end is 416.
  ASSERT_TRUE(client_->GetObject(bucket_, "dir/a b+c.bin", 99990, 100, "", &got).ok());
  EXPECT_EQ(got, body.substr(99990));
  S3Result<ObjectInfo> past = client_->GetObject(bucket_, "dir/a b+c.bin", 100000, 10, "", &got);
  EXPECT_TRUE(past.Is(S3ErrorType::kInvalidRange)) << (past.ok() ? "ok" : past.error().message);
}

}  // namespace
}  // namespace wv::s3

namespace wv::s3 {
namespace {

TEST_F(S3ClientTest, ListObjectsV2PagesThroughContinuationTokens) {
  // Keys with spaces, '+', '/', '%', '&' and non-ASCII text, over several pages.
  std::set<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    const std::string key = "list/p " + std::to_string(i) + "+x/ü&%é_" + std::to_string(i);
    ASSERT_TRUE(client_->PutObject(bucket_, key, std::to_string(i)).ok());
    expected.insert(key);
  }
  ASSERT_TRUE(client_->PutObject(bucket_, "other/key", "x").ok());
  S3Result<std::vector<ObjectSummary>> listed = client_->ListObjectsV2(bucket_, "list/", 7);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::set<std::string> got;
  for (const ObjectSummary& o : listed.value()) {
    got.insert(o.key);
    EXPECT_EQ(o.etag.front(), '"') << o.etag;
    EXPECT_GT(o.last_modified, 1600000000);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(listed->size(), expected.size());
}

TEST_F(S3ClientTest, ConditionalPutsAnswer412) {
  S3Result<std::string> first = client_->PutObject(bucket_, "c/manifest", "v1",
                                                   PutOptions::When(WriteConditions::IfAbsent()));
  ASSERT_TRUE(first.ok()) << first.error().message;
  S3Result<std::string> again = client_->PutObject(bucket_, "c/manifest", "v2",
                                                   PutOptions::When(WriteConditions::IfAbsent()));
  ASSERT_TRUE(again.Is(S3ErrorType::kPreconditionFailed))
      << (again.ok() ? "ok" : again.error().message);
  EXPECT_EQ(again.error().http_status, 412);
  S3Result<std::string> stale = client_->PutObject(
      bucket_, "c/manifest", "v2", PutOptions::When(WriteConditions::IfMatch("\"0123\"")));
  EXPECT_TRUE(stale.Is(S3ErrorType::kPreconditionFailed));
  S3Result<std::string> replaced = client_->PutObject(
      bucket_, "c/manifest", "v2", PutOptions::When(WriteConditions::IfMatch(first.value())));
  ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  std::string got;
  ASSERT_TRUE(client_->GetObject(bucket_, "c/manifest", 0, std::nullopt, "", &got).ok());
  EXPECT_EQ(got, "v2");
}

TEST_F(S3ClientTest, MultipartUploadWithParallelParts) {
  const size_t part_size = 5 * 1024 * 1024;
  const std::string body = RandomBytes(3 * part_size + 12345, 2);
  S3Result<std::string> id = client_->CreateMultipartUpload(bucket_, "mp/big object");
  ASSERT_TRUE(id.ok()) << id.error().message;
  S3Result<std::vector<UploadSummary>> open = client_->ListMultipartUploads(bucket_, "mp/");
  ASSERT_TRUE(open.ok()) << open.error().message;
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open.value()[0].key, "mp/big object");
  EXPECT_EQ(open.value()[0].upload_id, id.value());

  std::vector<CompletedPart> parts(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const std::string_view slice = std::string_view(body).substr(i * part_size, part_size);
      S3Result<std::string> etag =
          client_->UploadPart(bucket_, "mp/big object", id.value(), i + 1, slice);
      ASSERT_TRUE(etag.ok()) << etag.error().message;
      parts[i] = {i + 1, etag.value()};
    });
  }
  for (std::thread& t : threads) t.join();
  S3Result<std::string> done = client_->CompleteMultipartUpload(
      bucket_, "mp/big object", id.value(), parts, WriteConditions::IfAbsent());
  ASSERT_TRUE(done.ok()) << done.error().message;
  std::string got;
  S3Result<ObjectInfo> read =
      client_->GetObject(bucket_, "mp/big object", 0, std::nullopt, "", &got);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(got, body);
  EXPECT_EQ(read->etag, done.value());
  S3Result<std::vector<UploadSummary>> after = client_->ListMultipartUploads(bucket_, "mp/");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  const S3Counters counters = client_->counters();
  EXPECT_GE(counters.bytes_sent, body.size());
  EXPECT_GE(counters.bytes_received, body.size());
}

}  // namespace
}  // namespace wv::s3
