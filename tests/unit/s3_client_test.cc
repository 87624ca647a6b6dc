// S3Client against a real versitygw started by the test (tests/support/s3_test_server.h).
#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "s3/client.h"
#include "support/fault_proxy.h"
#include "support/loopback.h"
#include "support/s3_test_server.h"

namespace wv::s3 {
namespace {

using ::wv::testing::RandomBytes;
using ::wv::testing::S3TestServer;

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

namespace wv::s3 {
namespace {

// Every message of `result` must not contain the secret.
template <typename R>
std::string MessageOf(const R& result) {
  return result.ok() ? std::string("ok") : result.error().message;
}

TEST_F(S3ClientTest, WrongSecretIsAccessDeniedWithoutTheSecret) {
  ClientOptions options = server_->ClientOptions();
  options.connection.credentials.secret_access_key = "wrong-secret-" + server_->secret_key();
  options.connection.credentials.source = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client_->PutObject(bucket_, "k", "x").ok());
  const std::string secret = options.connection.credentials.secret_access_key;
  std::string body;
  std::vector<std::string> messages;
  auto head = (*client)->HeadObject(bucket_, "k");
  auto get = (*client)->GetObject(bucket_, "k", 0, std::nullopt, "", &body);
  auto put = (*client)->PutObject(bucket_, "k2", "y");
  auto list = (*client)->ListObjectsV2(bucket_, "");
  for (const auto* r : {&head.error(), &get.error(), &list.error()}) {
    EXPECT_EQ(r->type, S3ErrorType::kAccessDenied) << r->message;
    EXPECT_EQ(r->http_status, 403) << r->message;
    EXPECT_EQ(r->attempts, 1) << "an access denial is not retried: " << r->message;
    messages.push_back(r->message);
  }
  ASSERT_FALSE(put.ok());
  messages.push_back(put.error().message);
  EXPECT_NE(head.error().message.find("s3://wv-test/k: the secret access key does not match (403 "
                                      "SignatureDoesNotMatch): check AWS_ACCESS_KEY_ID"),
            std::string::npos)
      << head.error().message;
  for (const std::string& m : messages) {
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
    EXPECT_EQ(m.find(server_->secret_key()), std::string::npos) << m;
  }
}

TEST_F(S3ClientTest, UnknownAccessKeyIsAccessDenied) {
  ClientOptions options = server_->ClientOptions();
  options.connection.credentials.access_key_id = "AKNOSUCHKEY";
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  auto head = (*client)->HeadObject(bucket_, "k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().type, S3ErrorType::kAccessDenied) << head.error().message;
  EXPECT_NE(head.error().message.find("unknown access key id"), std::string::npos)
      << head.error().message;
}

TEST_F(S3ClientTest, MissingKeyAndMissingBucketAreToldApart) {
  auto key = client_->HeadObject(bucket_, "no/such key");
  ASSERT_TRUE(key.Is(S3ErrorType::kNoSuchKey)) << MessageOf(key);
  EXPECT_EQ(key.error().message, "s3://wv-test/no/such key: no such object (404 NoSuchKey)");
  auto bucket = client_->HeadObject("no-such-bucket", "k");
  ASSERT_TRUE(bucket.Is(S3ErrorType::kNoSuchBucket)) << MessageOf(bucket);
  EXPECT_EQ(bucket.error().message,
            "s3://no-such-bucket/k: no such bucket (404 NoSuchBucket) at " + server_->endpoint());
  std::string body;
  EXPECT_TRUE(
      client_->GetObject(bucket_, "nope", 0, std::nullopt, "", &body).Is(S3ErrorType::kNoSuchKey));
  EXPECT_TRUE(client_->ListObjectsV2("no-such-bucket", "").Is(S3ErrorType::kNoSuchBucket));
  EXPECT_TRUE(client_->HeadBucket("no-such-bucket").Is(S3ErrorType::kNoSuchBucket));
  EXPECT_TRUE(client_->HeadBucket(bucket_).ok());
}

TEST_F(S3ClientTest, UnreachableEndpointIsOneLineWithoutLongRetries) {
  ClientOptions options = server_->ClientOptions();
  server_->Kill();  // nothing listens on its port now
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  auto head = (*client)->HeadObject(bucket_, "k");
  ASSERT_TRUE(head.Is(S3ErrorType::kUnreachable)) << MessageOf(head);
  EXPECT_EQ(head.error().attempts, 1);
  EXPECT_NE(head.error().message.find("s3://wv-test/k: endpoint " + server_->endpoint() +
                                      " unreachable: "),
            std::string::npos)
      << head.error().message;
  EXPECT_NE(head.error().message.find("Connection refused"), std::string::npos)
      << head.error().message;
}

TEST_F(S3ClientTest, AWrongRegionIsNamed) {
  ClientOptions options = server_->ClientOptions();
  options.connection.region = "eu-west-1";
  options.connection.region_source = "AWS_REGION";
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client_->PutObject(bucket_, "k", "x").ok());
  for (const S3Error& e : {(*client)->HeadObject(bucket_, "k").error(),
                           (*client)->ListObjectsV2(bucket_, "").error()}) {
    EXPECT_EQ(e.type, S3ErrorType::kWrongRegion) << e.message;
    EXPECT_NE(e.message.find("s3://wv-test"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find(": wrong region"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("AWS_REGION=eu-west-1"), std::string::npos) << e.message;
  }
}

TEST_F(S3ClientTest, VirtualHostedAddressing) {
  ClientOptions options = server_->ClientOptions();
  const std::string port = server_->endpoint().substr(server_->endpoint().rfind(':'));
  options.connection.endpoint = "http://localhost" + port;
  options.connection.addressing = Addressing::kVirtualHosted;
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  auto put = (*client)->PutObject(bucket_, "v/a b+c", "virtual");
  ASSERT_TRUE(put.ok()) << put.error().message;
  std::string body;
  ASSERT_TRUE(client_->GetObject(bucket_, "v/a b+c", 0, std::nullopt, "", &body).ok());
  EXPECT_EQ(body, "virtual");
  auto listed = (*client)->ListObjectsV2(bucket_, "v/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed.value()[0].key, "v/a b+c");
}

TEST_F(S3ClientTest, SessionTokensAreSent) {
  // versitygw's root account has no session tokens: a token it cannot
  // verify must be refused, which proves the header is sent and signed.
  ClientOptions options = server_->ClientOptions();
  options.connection.credentials.session_token = "FwoGZXIvYXdzE-token-value";
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  auto head = (*client)->HeadObject(bucket_, "nothing");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "InvalidToken") << head.error().message;
  EXPECT_EQ(head.error().type, S3ErrorType::kAccessDenied);
  EXPECT_EQ(head.error().message.find("FwoGZXIvYXdzE-token-value"), std::string::npos);
}

TEST_F(S3ClientTest, ReplacedObjectFailsIfMatch) {
  ASSERT_TRUE(client_->PutObject(bucket_, "r", "version one").ok());
  auto head = client_->HeadObject(bucket_, "r");
  ASSERT_TRUE(head.ok());
  ASSERT_TRUE(client_->PutObject(bucket_, "r", "version two!").ok());
  std::string body;
  auto get = client_->GetObject(bucket_, "r", 2, 4, head->etag, &body);
  EXPECT_TRUE(get.Is(S3ErrorType::kPreconditionFailed)) << MessageOf(get);
}

TEST_F(S3ClientTest, DeleteObjectsInBatchesAndAbortUploads) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1005; ++i) keys.push_back("del/" + std::to_string(i) + " &<x>");
  // Written in parallel: 1005 sequential PUTs would be slow.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < keys.size(); i += 8) {
        EXPECT_TRUE(client_->PutObject(bucket_, keys[i], "x").ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto listed = client_->ListObjectsV2(bucket_, "del/");
  ASSERT_TRUE(listed.ok()) << MessageOf(listed);
  EXPECT_EQ(listed->size(), keys.size());  // more than one page of 1000
  keys.push_back("del/never existed");
  const S3Status deleted = client_->DeleteObjects(bucket_, keys);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  auto after = client_->ListObjectsV2(bucket_, "del/");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());

  ASSERT_TRUE(client_->PutObject(bucket_, "one", "x").ok());
  EXPECT_TRUE(client_->DeleteObject(bucket_, "one").ok());
  EXPECT_TRUE(client_->HeadObject(bucket_, "one").Is(S3ErrorType::kNoSuchKey));

  auto id = client_->CreateMultipartUpload(bucket_, "aborted");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(client_->UploadPart(bucket_, "aborted", id.value(), 1, "tiny").ok());
  EXPECT_TRUE(client_->AbortMultipartUpload(bucket_, "aborted", id.value()).ok());
  auto open = client_->ListMultipartUploads(bucket_, "");
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  auto part = client_->UploadPart(bucket_, "aborted", id.value(), 2, "late");
  EXPECT_TRUE(part.Is(S3ErrorType::kNoSuchUpload)) << MessageOf(part);
}

TEST_F(S3ClientTest, AStalePooledConnectionIsReplaced) {
  ASSERT_TRUE(client_->PutObject(bucket_, "restart", "survives").ok());
  ClientOptions options = server_->ClientOptions();
  options.retry.max_attempts = 50;
  options.retry.initial_backoff = std::chrono::milliseconds(50);
  options.retry.max_backoff = std::chrono::milliseconds(200);
  options.retry.total_budget = std::chrono::milliseconds(20000);
  auto client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->HeadObject(bucket_, "restart").ok());  // a pooled keep-alive connection
  server_->Kill();
  // The pooled connection is dead: the next request meets a reset or a
  // refused connection; it is refused while the server is down (not
  // retried), so restart it first and let the stale connection be the fault.
  ASSERT_TRUE(server_->Restart().ok());
  std::string body;
  auto get = (*client)->GetObject(bucket_, "restart", 0, std::nullopt, "", &body);
  ASSERT_TRUE(get.ok()) << MessageOf(get);
  EXPECT_EQ(body, "survives");
}

}  // namespace
}  // namespace wv::s3

namespace wv::s3 {
namespace {

using ::wv::testing::FaultProxy;
using ::wv::testing::ProxyFault;
using ::wv::testing::ProxyRequest;

// Requests through a FaultProxy in front of the server.
class S3ClientFaultTest : public S3ClientTest {
 protected:
  // Starts the proxy with `rule` and a client that goes through it.
  void Through(FaultProxy::Rule rule) {
    const int port = std::stoi(server_->endpoint().substr(server_->endpoint().rfind(':') + 1));
    auto proxy = FaultProxy::Start(port, [this, rule](const ProxyRequest& r) {
      {
        MutexLock lock(&mu_);
        seen_.push_back(r);
      }
      return rule(r);
    });
    ASSERT_TRUE(proxy.ok());
    proxy_ = std::move(proxy).value();
    ClientOptions options = server_->ClientOptions();
    options.connection.endpoint = proxy_->endpoint();
    options.stall_timeout = std::chrono::milliseconds(1000);
    auto client = S3Client::Create(options);
    ASSERT_TRUE(client.ok());
    faulty_ = std::move(client).value();
  }
  std::vector<ProxyRequest> Seen() {
    MutexLock lock(&mu_);
    return seen_;
  }

  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<S3Client> faulty_;
  Mutex mu_;
  std::vector<ProxyRequest> seen_ ABSL_GUARDED_BY(mu_);
};

TEST_F(S3ClientFaultTest, SlowDownAndInternalErrorsAreRetried) {
  const std::string body = RandomBytes(300000, 3);
  ASSERT_TRUE(client_->PutObject(bucket_, "f/obj", body).ok());
  Through([](const ProxyRequest& r) {
    if (r.index == 0) return ProxyFault{ProxyFault::kSlowDown503};
    if (r.index == 1) return ProxyFault{ProxyFault::kInternalError500};
    return ProxyFault{};
  });
  std::string got;
  auto get = faulty_->GetObject(bucket_, "f/obj", 0, std::nullopt, "", &got);
  ASSERT_TRUE(get.ok()) << MessageOf(get);
  EXPECT_EQ(got, body);
  EXPECT_EQ(faulty_->counters().retries, 2u);
  EXPECT_EQ(faulty_->counters().requests, 3u);
}

TEST_F(S3ClientFaultTest, ABodyCutShortResumesAtTheByteReached) {
  const std::string body = RandomBytes(3 * 1024 * 1024, 4);
  ASSERT_TRUE(client_->PutObject(bucket_, "f/cut", body).ok());
  const uint64_t cut = 1024 * 1024 + 17;
  Through([&](const ProxyRequest& r) {
    if (r.index == 0) return ProxyFault{ProxyFault::kCutBody, cut};
    return ProxyFault{};
  });
  std::string got;
  auto get = faulty_->GetObject(bucket_, "f/cut", 0, std::nullopt, "", &got);
  ASSERT_TRUE(get.ok()) << MessageOf(get);
  EXPECT_TRUE(got == body) << "the resumed read differs from the object";
  const std::vector<ProxyRequest> seen = Seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].range, "");
  EXPECT_EQ(seen[1].range, "bytes=" + std::to_string(cut) + "-");
}

TEST_F(S3ClientFaultTest, ACutRangedReadResumesWithinItsRange) {
  const std::string body = RandomBytes(2 * 1024 * 1024, 5);
  ASSERT_TRUE(client_->PutObject(bucket_, "f/range", body).ok());
  Through([](const ProxyRequest& r) {
    if (r.index < 2) return ProxyFault{ProxyFault::kCutBody, 1000};
    return ProxyFault{};
  });
  std::string got;
  auto get = faulty_->GetObject(bucket_, "f/range", 500000, 600000, "", &got);
  ASSERT_TRUE(get.ok()) << MessageOf(get);
  EXPECT_TRUE(got == body.substr(500000, 600000));
  const std::vector<ProxyRequest> seen = Seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].range, "bytes=500000-1099999");
  EXPECT_EQ(seen[1].range, "bytes=501000-1099999");
  EXPECT_EQ(seen[2].range, "bytes=502000-1099999");
}

TEST_F(S3ClientFaultTest, AStalledResponseTimesOutAndIsRetried) {
  ASSERT_TRUE(client_->PutObject(bucket_, "f/stall", "patience").ok());
  Through([](const ProxyRequest& r) {
    if (r.index == 0) return ProxyFault{ProxyFault::kStall, 0, 3000};
    return ProxyFault{};
  });
  auto head = faulty_->HeadObject(bucket_, "f/stall");
  ASSERT_TRUE(head.ok()) << MessageOf(head);
  EXPECT_EQ(head->size, 8u);
  EXPECT_EQ(faulty_->counters().retries, 1u);
}

TEST_F(S3ClientFaultTest, TheRetryBudgetEndsInOneClearLine) {
  Through([](const ProxyRequest&) { return ProxyFault{ProxyFault::kSlowDown503}; });
  auto put = faulty_->PutObject(bucket_, "f/never", "x");
  ASSERT_TRUE(put.Is(S3ErrorType::kTransient)) << MessageOf(put);
  EXPECT_EQ(put.error().attempts, 4);  // the test server's budget
  EXPECT_EQ(put.error().message,
            "s3://wv-test/f/never: 503 SlowDown: injected by the test proxy (after 4 attempts)");
  EXPECT_EQ(put.error().ToStatus(ErrorKind::kOutput).kind(), ErrorKind::kOutput);
  EXPECT_TRUE(client_->HeadObject(bucket_, "f/never").Is(S3ErrorType::kNoSuchKey));
}

TEST_F(S3ClientFaultTest, PartsAndCompletionAreRetried) {
  const size_t part = 5 * 1024 * 1024;
  const std::string body = RandomBytes(part + 10, 6);
  Through([](const ProxyRequest& r) {
    // Every first attempt of a request fails: uploads, parts and the completion.
    if (r.index % 2 == 0) return ProxyFault{ProxyFault::kInternalError500};
    return ProxyFault{};
  });
  auto id = faulty_->CreateMultipartUpload(bucket_, "f/mp");
  ASSERT_TRUE(id.ok()) << MessageOf(id);
  auto e1 =
      faulty_->UploadPart(bucket_, "f/mp", id.value(), 1, std::string_view(body).substr(0, part));
  auto e2 =
      faulty_->UploadPart(bucket_, "f/mp", id.value(), 2, std::string_view(body).substr(part));
  ASSERT_TRUE(e1.ok() && e2.ok());
  auto done = faulty_->CompleteMultipartUpload(bucket_, "f/mp", id.value(),
                                               {{1, e1.value()}, {2, e2.value()}});
  ASSERT_TRUE(done.ok()) << MessageOf(done);
  std::string got;
  ASSERT_TRUE(client_->GetObject(bucket_, "f/mp", 0, std::nullopt, "", &got).ok());
  EXPECT_TRUE(got == body);
  EXPECT_EQ(faulty_->counters().retries, 4u);
}

}  // namespace
}  // namespace wv::s3
