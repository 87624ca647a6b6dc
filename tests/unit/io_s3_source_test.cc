// io::OpenS3Source and the s3:// side of io::OpenInput against a real versitygw.
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "io/byte_source.h"
#include "io/s3_connection.h"
#include "io/s3_source.h"
#include "support/fault_proxy.h"
#include "support/s3_test_server.h"

namespace wv::io {
namespace {

using ::wv::testing::S3TestServer;

std::string RandomText(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>('a' + rng() % 26);
  return out;
}

// Reads `source` to its end in reads of `step` bytes.
StatusOr<std::string> Drain(ByteSource& source, size_t step) {
  std::string out;
  std::string buffer(step, '\0');
  for (;;) {
    WV_ASSIGN_OR_RETURN(size_t n, source.Read(buffer.data(), buffer.size()));
    if (n == 0) return out;
    out.append(buffer.data(), n);
  }
}

class S3SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WV_START_S3_TEST_SERVER(server_);
    client_ = std::shared_ptr<s3::S3Client>(server_->NewClient());
    ASSERT_TRUE(client_->CreateBucket("src").ok());
  }
  void Put(const std::string& key, const std::string& body) {
    ASSERT_TRUE(client_->PutObject("src", key, body).ok());
  }

  std::unique_ptr<S3TestServer> server_;
  std::shared_ptr<s3::S3Client> client_;
};

TEST_F(S3SourceTest, ReadsAnObjectInBlocksWithReadAhead) {
  const std::string body = RandomText(1000003, 1);
  Put("big.csv", body);
  S3SourceOptions options;
  options.block_bytes = 65536;  // 16 blocks: the window wraps many times
  options.blocks_in_flight = 3;
  auto source = OpenS3Source(client_, "s3://src/big.csv", options);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->name(), "s3://src/big.csv");
  EXPECT_EQ((*source)->stored_size(), body.size());
  auto read = Drain(**source, 10000);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(*read == body);
  EXPECT_EQ((*source)->stored_bytes_read(), body.size());
  auto identity = (*source)->object_identity();
  ASSERT_TRUE(identity.has_value());
  auto head = client_->HeadObject("src", "big.csv");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*identity, (ObjectIdentity{"s3://src/big.csv", body.size(), head->etag}));
  EXPECT_FALSE((*source)->identity().has_value());
  // Exactly one GET per block (and the HEAD at open).
  // bucket, put, head at open, 16 GETs, the test's head.
  EXPECT_EQ(client_->counters().requests, 1u + 1 + 1 + 16 + 1);
}

TEST_F(S3SourceTest, EmptyAndTinyObjects) {
  Put("empty", "");
  Put("tiny", "ab");
  auto empty = OpenS3Source(client_, "s3://src/empty");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  auto read = Drain(**empty, 10);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "");
  auto tiny = OpenS3Source(client_, "s3://src/tiny");
  ASSERT_TRUE(tiny.ok());
  auto read_tiny = Drain(**tiny, 1);
  ASSERT_TRUE(read_tiny.ok());
  EXPECT_EQ(*read_tiny, "ab");
}

TEST_F(S3SourceTest, MissingObjectsAndBucketsAreInputErrors) {
  auto missing = OpenS3Source(client_, "s3://src/nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kInput);
  EXPECT_EQ(missing.status().message(), "s3://src/nope.csv: no such object (404 NoSuchKey)");
  auto bucket = OpenS3Source(client_, "s3://nobucket/x");
  ASSERT_FALSE(bucket.ok());
  EXPECT_EQ(bucket.status().kind(), ErrorKind::kInput);
  EXPECT_NE(bucket.status().message().find("no such bucket"), std::string::npos);
  auto prefix = OpenS3Source(client_, "s3://src/dir/");
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.status().kind(), ErrorKind::kInput);
}

TEST_F(S3SourceTest, AnObjectReplacedDuringTheReadIsAnInputError) {
  const std::string body = RandomText(400000, 2);
  Put("changing.csv", body);
  S3SourceOptions options;
  options.block_bytes = 65536;
  options.blocks_in_flight = 1;  // only the first block is fetched before the replacement
  auto source = OpenS3Source(client_, "s3://src/changing.csv", options);
  ASSERT_TRUE(source.ok());
  std::string buffer(1000, '\0');
  ASSERT_TRUE((*source)->Read(buffer.data(), buffer.size()).ok());
  Put("changing.csv", RandomText(400000, 3));  // same size, other bytes
  auto rest = Drain(**source, 65536);
  ASSERT_FALSE(rest.ok());
  EXPECT_EQ(rest.status().kind(), ErrorKind::kInput);
  EXPECT_NE(
      rest.status().message().find("s3://src/changing.csv: the object changed while it was read"),
      std::string::npos)
      << rest.status().message();
}

TEST_F(S3SourceTest, DestroyedMidReadWithBlocksInFlight) {
  Put("abandon", RandomText(2000000, 4));
  S3SourceOptions options;
  options.block_bytes = 100000;
  options.blocks_in_flight = 4;
  for (int i = 0; i < 5; ++i) {
    auto source = OpenS3Source(client_, "s3://src/abandon", options);
    ASSERT_TRUE(source.ok());
    std::string buffer(150000, '\0');
    ASSERT_TRUE((*source)->Read(buffer.data(), buffer.size()).ok());
  }  // each destructor waits for its GETs: nothing touches freed memory (ASan, TSan)
}

TEST_F(S3SourceTest, OpenInputDetectsGzipFromTheBytesAsForFiles) {
  // A gzip member of "hello\n" (gzip -n), stored under a name without .gz.
  const std::string gz(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\xe7\x02\x00"
      "\x20\x30\x3a\x36\x06\x00\x00\x00",
      26);
  Put("hello.bin", gz);
  Put("plain.txt", "plain\n");
  S3Settings settings;
  settings.overrides.endpoint = server_->endpoint();
  settings.overrides.access_key_id = server_->access_key();
  settings.overrides.secret_access_key = server_->secret_key();
  settings.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  ConfigureS3(settings);
  auto gzip = OpenInput("s3://src/hello.bin");
  ASSERT_TRUE(gzip.ok()) << gzip.status().message();
  auto text = ReadAll(**gzip);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "hello\n");
  EXPECT_EQ((*gzip)->stored_bytes_read(), gz.size());
  EXPECT_TRUE((*gzip)->object_identity().has_value());
  auto plain = OpenInput("s3://src/plain.txt");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*ReadAll(**plain), "plain\n");
  EXPECT_EQ(StoredSizeOf("s3://src/plain.txt"), 6u);
  EXPECT_FALSE(StoredSizeOf("s3://src/none").has_value());

  auto listed = ExpandS3Input("s3://src/*.txt");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed.value()[0].url, "s3://src/plain.txt");
  auto all = ExpandS3Input("s3://src/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto none = ExpandS3Input("s3://src/*.csv");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "no object matches s3://src/*.csv");
  ConfigureS3(S3Settings());
}

TEST_F(S3SourceTest, WithoutCredentialsTheSharedClientIsAUsageError) {
  S3Settings settings;
  settings.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  ConfigureS3(settings);
  auto opened = OpenInput("s3://src/plain.txt");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), ErrorKind::kUsage);
  EXPECT_NE(opened.status().message().find("no AWS credentials"), std::string::npos);
  ConfigureS3(S3Settings());
}

}  // namespace
}  // namespace wv::io
