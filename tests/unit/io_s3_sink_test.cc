// io::S3Sink against a real versitygw started by the test.
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "io/s3_sink.h"
#include "support/fault_proxy.h"
#include "support/loopback.h"
#include "support/s3_test_server.h"

namespace wv::io {
namespace {

using ::wv::testing::FaultProxy;
using ::wv::testing::ProxyFault;
using ::wv::testing::ProxyRequest;
using ::wv::testing::RandomBytes;
using ::wv::testing::S3TestServer;

constexpr size_t kPart = size_t{5} << 20;

class S3SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WV_START_S3_TEST_SERVER(server_);
    client_ = std::shared_ptr<s3::S3Client>(server_->NewClient());
    ASSERT_TRUE(client_->CreateBucket("out").ok());
  }
  // Writes `body` in appends of `step` bytes.
  static Status WriteAll(S3Sink& sink, const std::string& body, size_t step) {
    for (size_t at = 0; at < body.size(); at += step) {
      WV_RETURN_IF_ERROR(sink.Append(std::string_view(body).substr(at, step)));
    }
    return OkStatus();
  }
  std::string Read(const std::string& key) {
    std::string body;
    auto got = client_->GetObject("out", key, 0, std::nullopt, "", &body);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return body;
  }
  size_t OpenUploads() {
    auto uploads = client_->ListMultipartUploads("out", "");
    EXPECT_TRUE(uploads.ok());
    return uploads.ok() ? uploads->size() : 0;
  }
  S3SinkOptions Options() {
    S3SinkOptions o;
    o.part_bytes = kPart;
    o.parts_in_flight = 3;
    return o;
  }

  std::unique_ptr<S3TestServer> server_;
  std::shared_ptr<s3::S3Client> client_;
};

TEST_F(S3SinkTest, ASmallObjectIsOnePut) {
  auto sink = S3Sink::Open(client_, "s3://out/small.bin", Options());
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  const std::string body = RandomBytes(1000, 1);
  ASSERT_TRUE(WriteAll(**sink, body, 7).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(Read("small.bin"), body);
  EXPECT_EQ((*sink)->bytes_written(), body.size());
  EXPECT_EQ((*sink)->etag(), client_->HeadObject("out", "small.bin")->etag);
  EXPECT_EQ((*sink)->upload_id(), "");
  EXPECT_EQ(OpenUploads(), 0u);
}

TEST_F(S3SinkTest, ALargeObjectIsUploadedInParallelParts) {
  auto sink = S3Sink::Open(client_, "s3://out/dir/large object.bin", Options());
  ASSERT_TRUE(sink.ok());
  const std::string body = RandomBytes(3 * kPart + kPart / 2, 2);
  ASSERT_TRUE(WriteAll(**sink, body, 1 << 20).ok());
  EXPECT_EQ(OpenUploads(), 1u);  // parts are going up before Close
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_TRUE(Read("dir/large object.bin") == body);
  const std::string etag = (*sink)->etag();
  EXPECT_EQ(etag.substr(etag.size() - 3), "-4\"") << etag;
  EXPECT_EQ(OpenUploads(), 0u);
}

TEST_F(S3SinkTest, AnEmptyObject) {
  for (bool defer : {false, true}) {
    S3SinkOptions options = Options();
    options.defer_completion = defer;
    const std::string key = defer ? "empty-deferred" : "empty";
    auto sink = S3Sink::Open(client_, "s3://out/" + key, options);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Close().ok());
    if (defer) {
      ASSERT_TRUE((*sink)->Complete().ok());
    }
    EXPECT_EQ(client_->HeadObject("out", key)->size, 0u);
  }
  EXPECT_EQ(OpenUploads(), 0u);
}

TEST_F(S3SinkTest, ConditionsHoldForPutsAndMultipartUploads) {
  ASSERT_TRUE(client_->PutObject("out", "taken", "first").ok());
  for (size_t size : {size_t{10}, kPart + 1}) {
    S3SinkOptions options = Options();
    options.put.conditions = s3::WriteConditions::IfAbsent();
    auto sink = S3Sink::Open(client_, "s3://out/taken", options);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(WriteAll(**sink, RandomBytes(size, 3), 4096).ok());
    const Status closed = (*sink)->Close();
    ASSERT_FALSE(closed.ok());
    EXPECT_EQ(closed.kind(), ErrorKind::kOutput);
    EXPECT_NE(closed.message().find("s3://out/taken: the object is not in the expected state (412"),
              std::string::npos)
        << closed.message();
    sink->reset();  // aborts the multipart upload
    EXPECT_EQ(Read("taken"), "first");
    EXPECT_EQ(OpenUploads(), 0u);
  }
}

TEST_F(S3SinkTest, DeferredCompletionShowsNothingUntilComplete) {
  S3SinkOptions options = Options();
  options.defer_completion = true;
  auto sink = S3Sink::Open(client_, "s3://out/table/part-0.parquet", options);
  ASSERT_TRUE(sink.ok());
  EXPECT_FALSE((*sink)->upload_id().empty());
  const std::string body = RandomBytes(2 * kPart + 5, 4);
  ASSERT_TRUE(WriteAll(**sink, body, 65536).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_TRUE(client_->HeadObject("out", "table/part-0.parquet").Is(s3::S3ErrorType::kNoSuchKey));
  auto uploads = client_->ListMultipartUploads("out", "table/");
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ(uploads.value()[0].upload_id, (*sink)->upload_id());
  auto etag = (*sink)->Complete(s3::WriteConditions::IfAbsent());
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  EXPECT_TRUE(Read("table/part-0.parquet") == body);
  EXPECT_EQ(OpenUploads(), 0u);
}

TEST_F(S3SinkTest, ADeferredCompletionRefusedBy412IsAbortedOnDestruction) {
  ASSERT_TRUE(client_->PutObject("out", "race", "the other writer").ok());
  S3SinkOptions options = Options();
  options.defer_completion = true;
  {
    auto sink = S3Sink::Open(client_, "s3://out/race", options);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(WriteAll(**sink, "ours", 4).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    auto done = (*sink)->Complete(s3::WriteConditions::IfAbsent());
    EXPECT_TRUE(done.Is(s3::S3ErrorType::kPreconditionFailed));
    EXPECT_EQ(OpenUploads(), 1u);
  }
  EXPECT_EQ(OpenUploads(), 0u);
  EXPECT_EQ(Read("race"), "the other writer");
}

TEST_F(S3SinkTest, DestroyedWithoutCloseLeavesNothing) {
  {
    auto sink = S3Sink::Open(client_, "s3://out/abandoned", Options());
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(WriteAll(**sink, RandomBytes(2 * kPart + 1, 5), 1 << 20).ok());
  }
  EXPECT_EQ(OpenUploads(), 0u);
  EXPECT_TRUE(client_->HeadObject("out", "abandoned").Is(s3::S3ErrorType::kNoSuchKey));
}

TEST_F(S3SinkTest, AbortFromAnotherThreadStopsTheWriter) {
  S3SinkOptions options = Options();
  options.defer_completion = true;
  auto sink = S3Sink::Open(client_, "s3://out/interrupted", options);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE(WriteAll(**sink, RandomBytes(kPart, 6), 1 << 20).ok());
  std::thread([&] { EXPECT_TRUE((*sink)->Abort().ok()); }).join();
  const Status more = WriteAll(**sink, RandomBytes(kPart, 7), 1 << 20);
  Status closed = more.ok() ? (*sink)->Close() : more;
  EXPECT_FALSE(closed.ok());
  EXPECT_EQ(closed.kind(), ErrorKind::kOutput);
  EXPECT_EQ(OpenUploads(), 0u);
  EXPECT_TRUE((*sink)->Abort().ok());  // idempotent
}

TEST_F(S3SinkTest, APartThatKeepsFailingFailsTheObjectAndLeavesNothing) {
  const int port = std::stoi(server_->endpoint().substr(server_->endpoint().rfind(':') + 1));
  auto proxy = FaultProxy::Start(port, [](const ProxyRequest& r) {
    if (r.method == "PUT" && r.target.find("partNumber=2&") != std::string::npos) {
      return ProxyFault{ProxyFault::kInternalError500};
    }
    return ProxyFault{};
  });
  ASSERT_TRUE(proxy.ok());
  s3::ClientOptions options = server_->ClientOptions();
  options.connection.endpoint = (*proxy)->endpoint();
  auto faulty = s3::S3Client::Create(options);
  ASSERT_TRUE(faulty.ok());
  std::shared_ptr<s3::S3Client> shared(std::move(faulty).value());
  {
    auto sink = S3Sink::Open(shared, "s3://out/doomed", Options());
    ASSERT_TRUE(sink.ok());
    Status status = WriteAll(**sink, RandomBytes(3 * kPart, 8), 1 << 20);
    if (status.ok()) status = (*sink)->Close();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.kind(), ErrorKind::kOutput);
    EXPECT_EQ(status.message(),
              "s3://out/doomed: 500 InternalError: injected by the test proxy (after 4 attempts)");
    EXPECT_FALSE((*sink)->Append("more").ok());  // the error sticks
  }
  EXPECT_EQ(OpenUploads(), 0u);
  EXPECT_TRUE(client_->HeadObject("out", "doomed").Is(s3::S3ErrorType::kNoSuchKey));
}

TEST_F(S3SinkTest, BadUrls) {
  EXPECT_EQ(S3Sink::Open(client_, "s3://out/", Options()).status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(S3Sink::Open(client_, "s3://out", Options()).status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(S3Sink::Open(client_, "s3://Out/x", Options()).status().kind(), ErrorKind::kUsage);
}

}  // namespace
}  // namespace wv::io
