// io::OpenS3OutputStore against a real versitygw (tests/support/s3_test_server.h): names, ours
// only, the conditional commit, and what a failed or lost store leaves (nothing).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/s3_output_store.h"
#include "support/s3_test_server.h"

namespace wv::io {
namespace {

using ::wv::testing::S3TestServer;

TEST(S3OutputNames, VersionGoesBeforeTheExtension) {
  EXPECT_EQ(VersionedName("dim_users/part-00000.parquet", "v1"), "dim_users/part-00000-v1.parquet");
  EXPECT_EQ(VersionedName("fact_wordviews/date=2013-03-01/part-00002.parquet", "r"),
            "fact_wordviews/date=2013-03-01/part-00002-r.parquet");
  EXPECT_EQ(VersionedName("a.b/file", "v"), "a.b/file-v");  // a dot in a folder is not an extension
  EXPECT_EQ(RedshiftManifestName("quarantine", "v2"), "quarantine-v2.manifest");
}

TEST(UnversionedNameTest, UndoesVersionedNameForAnyOfTheVersions) {
  const std::vector<std::string> versions{"20130301T000000Z-1", "v2", "20130301T000000Z-12"};
  for (const std::string& v : versions) {
    for (const std::string path :
         {"dim_users/part-00000.parquet", "fact_wordviews/date=2013-03-01/part-v2-00002.parquet",
          "_state/courses.tsv", "_state/dedup/date=2013-03-01/v2.fp", "a.b/file"}) {
      EXPECT_EQ(UnversionedName(VersionedName(path, v), versions), path) << path << " " << v;
    }
  }
  // The longest version that fits: "-12" is not taken for version "...-1" plus "2".
  EXPECT_EQ(UnversionedName("d/part-00000-20130301T000000Z-12.parquet", versions),
            "d/part-00000.parquet");
  EXPECT_EQ(UnversionedName("d/part-00000.parquet", versions), std::nullopt);
  EXPECT_EQ(UnversionedName("d/part-00000v2.parquet", versions), std::nullopt);  // no '-'
  EXPECT_EQ(UnversionedName("d/-v2.parquet", versions), std::nullopt);      // no name would remain
  EXPECT_EQ(UnversionedName("d-v2/file.parquet", versions), std::nullopt);  // a folder's
}

// A manifest of these tests: "ours:<version>:<path>,<path>...".
std::optional<ListedVersion> ListTestManifest(std::string_view text) {
  if (text.substr(0, 5) != "ours:") return std::nullopt;
  text.remove_prefix(5);
  ListedVersion listed;
  listed.version = std::string(text.substr(0, text.find(':')));
  text.remove_prefix(text.find(':') + 1);
  while (!text.empty()) {
    listed.paths.emplace_back(text.substr(0, text.find(',')));
    text.remove_prefix(std::min(text.size(), listed.paths.back().size() + 1));
  }
  return listed;
}

class S3OutputStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WV_START_S3_TEST_SERVER(server_);
    client_ = server_->NewClient();
    ASSERT_TRUE(client_->CreateBucket(bucket_).ok());
  }

  OutputStoreOptions Options(const std::string& version) const {
    OutputStoreOptions options;
    options.list_manifest = ListTestManifest;
    options.version = version;
    return options;
  }

  // Writes one table file and the manifest through `store` (not committed).
  static void Stage(OutputStore& store, const std::string& version) {
    auto sink = store.Create("t/part-00000.parquet");
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE((*sink)->Append("bytes of " + version).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    auto manifest = store.Create("_manifest.json");
    ASSERT_TRUE(manifest.ok());
    ASSERT_TRUE((*manifest)
                    ->Append("ours:" + version + ":" + store.PublishedName("t/part-00000.parquet"))
                    .ok());
    ASSERT_TRUE((*manifest)->Close().ok());
  }

  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    auto listed = client_->ListObjectsV2(bucket_, "");
    for (const auto& object : listed.value()) keys.push_back(object.key);
    return keys;
  }

  std::unique_ptr<S3TestServer> server_;
  std::shared_ptr<s3::S3Client> client_;
  const std::string bucket_ = "wv-store";
  const std::string url_ = "s3://wv-store/out";
};

TEST_F(S3OutputStoreTest, CommitPublishesTheVersionAndItsRedshiftManifest) {
  auto store = OpenS3OutputStore(client_, url_, Options("v1"));
  ASSERT_TRUE(store.ok()) << store.status().message();
  Stage(**store, "v1");
  EXPECT_TRUE(Keys().empty());  // nothing visible before the commit
  ASSERT_TRUE((*store)->Commit().ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"out/_manifest.json", "out/t-v1.manifest",
                                              "out/t/part-00000-v1.parquet"}));
  std::string redshift;
  ASSERT_TRUE(
      client_->GetObject(bucket_, "out/t-v1.manifest", 0, std::nullopt, "", &redshift).ok());
  EXPECT_NE(redshift.find("\"url\": \"s3://wv-store/out/t/part-00000-v1.parquet\""),
            std::string::npos);
  EXPECT_NE(redshift.find("\"content_length\": 11"), std::string::npos);
}

TEST_F(S3OutputStoreTest, APrefixThatIsNotOursIsRefused) {
  ASSERT_TRUE(client_->PutObject(bucket_, "out/notes.txt", "x").ok());
  auto store = OpenS3OutputStore(client_, url_, Options("v1"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(store.status().message().find("not a wordviews output"), std::string::npos);
  ASSERT_TRUE(client_->PutObject(bucket_, "out/_manifest.json", "theirs").ok());
  EXPECT_FALSE(OpenS3OutputStore(client_, url_, Options("v1")).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"out/_manifest.json", "out/notes.txt"}));
}

TEST_F(S3OutputStoreTest, OfTwoWritersOfOneVersionOnlyTheFirstCommits) {
  auto first = OpenS3OutputStore(client_, url_, Options("a"));
  auto second = OpenS3OutputStore(client_, url_, Options("b"));
  ASSERT_TRUE(first.ok() && second.ok());
  Stage(**first, "a");
  Stage(**second, "b");
  ASSERT_TRUE((*first)->Commit().ok());
  const Status lost = (*second)->Commit();
  EXPECT_EQ(lost.kind(), ErrorKind::kOutput);
  EXPECT_NE(lost.message().find("another run published"), std::string::npos);
  second->reset();
  EXPECT_EQ(Keys(), (std::vector<std::string>{"out/_manifest.json", "out/t-a.manifest",
                                              "out/t/part-00000-a.parquet"}));
  EXPECT_TRUE(client_->ListMultipartUploads(bucket_, "").value().empty());
}

TEST_F(S3OutputStoreTest, AStoreDestroyedUncommittedLeavesNothing) {
  {
    auto store = OpenS3OutputStore(client_, url_, Options("v1"));
    ASSERT_TRUE(store.ok());
    Stage(**store, "v1");
    auto open = (*store)->Create("t/part-00001.parquet");  // never closed
    ASSERT_TRUE(open.ok());
  }
  EXPECT_TRUE(Keys().empty());
  EXPECT_TRUE(client_->ListMultipartUploads(bucket_, "").value().empty());
}

TEST_F(S3OutputStoreTest, KeptObjectsOfThePreviousVersionAreListedAgainNeverRemoved) {
  auto first = OpenS3OutputStore(client_, url_, Options("v1"));
  ASSERT_TRUE(first.ok());
  Stage(**first, "v1");
  ASSERT_TRUE((*first)->Commit().ok());
  first->reset();
  OutputStoreOptions options = Options("v2");
  options.grace_seconds = 0;
  {
    // A store that keeps the object and fails (destroyed uncommitted) removes only its own.
    auto failed = OpenS3OutputStore(client_, url_, Options("v3"));
    ASSERT_TRUE(failed.ok());
    ASSERT_TRUE((*failed)->KeepPublished("t/part-00000-v1.parquet", 11).ok());
  }
  auto second = OpenS3OutputStore(client_, url_, options);
  ASSERT_TRUE(second.ok());
  const Status not_listed = (*second)->KeepPublished("t/part-00009-v1.parquet", 1);
  EXPECT_EQ(not_listed.kind(), ErrorKind::kOutput);
  ASSERT_TRUE((*second)->KeepPublished("t/part-00000-v1.parquet", 11).ok());
  auto sink = (*second)->Create("t/part-00001.parquet");
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Append("new").ok());
  ASSERT_TRUE((*sink)->Close().ok());
  auto manifest = (*second)->Create("_manifest.json");
  ASSERT_TRUE(manifest.ok());
  ASSERT_TRUE((*manifest)->Append("ours:v2:t/part-00000-v1.parquet,t/part-00001-v2.parquet").ok());
  ASSERT_TRUE((*manifest)->Close().ok());
  ASSERT_TRUE((*second)->Commit().ok());
  // Grace 0: version 1's Redshift manifest goes; its kept object stays.
  EXPECT_EQ(Keys(), (std::vector<std::string>{"out/_manifest.json", "out/t-v2.manifest",
                                              "out/t/part-00000-v1.parquet",
                                              "out/t/part-00001-v2.parquet"}));
  std::string redshift;
  ASSERT_TRUE(
      client_->GetObject(bucket_, "out/t-v2.manifest", 0, std::nullopt, "", &redshift).ok());
  EXPECT_NE(redshift.find("s3://wv-store/out/t/part-00000-v1.parquet"), std::string::npos);
  EXPECT_NE(redshift.find("s3://wv-store/out/t/part-00001-v2.parquet"), std::string::npos);
}

}  // namespace
}  // namespace wv::io
