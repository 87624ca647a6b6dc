#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "run/published_output.h"
#include "support/temp_dir.h"

namespace wv::run {
namespace {

namespace fs = std::filesystem;

class PublishedOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "out" / "dim_users");
    std::ofstream(root_ / "out" / "dim_users" / "part-0.parquet") << "v1";
    fs::create_directories(root_ / "next" / "dim_users");
    std::ofstream(root_ / "next" / "dim_users" / "part-0.parquet") << "v2";
  }

  testing::ScopedTestDir dir_{"wv_run_published_"};
  const fs::path& root_ = dir_.path();
};

TEST_F(PublishedOutputTest, AMissingFolderIsAnInputError) {
  auto out = PublishedOutput::Open((root_ / "nope").string());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kInput);
  EXPECT_NE(out.status().message().find("nope"), std::string::npos);
}

TEST_F(PublishedOutputTest, AFolderWithoutManifestOpensWithoutOne) {
  auto out = PublishedOutput::Open((root_ / "out").string());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)->manifest(), nullptr);
  EXPECT_EQ((*out)->manifest_status().kind(), ErrorKind::kInput);
  EXPECT_NE((*out)->manifest_status().message().find("_manifest.json"), std::string::npos);
}

TEST_F(PublishedOutputTest, ReadsStayOnTheVersionOpenedWhenTheFolderIsExchanged) {
  auto out = PublishedOutput::Open((root_ / "out").string());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(::syscall(SYS_renameat2, AT_FDCWD, (root_ / "next").c_str(), AT_FDCWD,
                      (root_ / "out").c_str(), 2 /* RENAME_EXCHANGE */),
            0);
  EXPECT_EQ(*(*out)->ReadFile("dim_users/part-0.parquet"), "v1");
  std::ifstream by_path((*out)->PathOf("dim_users/part-0.parquet"));
  std::string text;
  by_path >> text;
  if ((*out)->pinned()) {
    EXPECT_EQ(text, "v1");
  }
  auto fresh = PublishedOutput::Open((root_ / "out").string());
  EXPECT_EQ(*(*fresh)->ReadFile("dim_users/part-0.parquet"), "v2");
}

// A source that knows one file, writes its bytes when asked, and counts the
// fetches (or fails them).
class OneFileSource final : public AbsentFileSource {
 public:
  OneFileSource(std::string relative, std::string bytes) : relative_(relative), bytes_(bytes) {}
  bool Knows(std::string_view relative) const override { return relative == relative_; }
  Status Fetch(std::string_view relative, const std::string& root) const override {
    ++fetches;
    if (fail) return InputError("the object is not what the manifest lists");
    fs::create_directories(fs::path(root + "/" + std::string(relative)).parent_path());
    std::ofstream(root + "/" + std::string(relative)) << bytes_;
    return OkStatus();
  }
  mutable int fetches = 0;
  bool fail = false;

 private:
  std::string relative_, bytes_;
};

TEST_F(PublishedOutputTest, APartialCopyFetchesAnAbsentFileOnceWhenFirstRead) {
  OneFileSource source("fact_wordviews/date=2013-03-01/part-0.parquet", "kept");
  auto out = PublishedOutput::OpenPartial((root_ / "out").string(), &source);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE((*out)->IsAbsent("fact_wordviews/date=2013-03-01/part-0.parquet"));
  EXPECT_FALSE((*out)->IsAbsent("dim_users/part-0.parquet"));  // present
  EXPECT_FALSE((*out)->IsAbsent("dim_times/part-0.parquet"));  // not the source's
  EXPECT_EQ(source.fetches, 0);
  EXPECT_EQ(*(*out)->ReadFile("fact_wordviews/date=2013-03-01/part-0.parquet"), "kept");
  EXPECT_EQ(*(*out)->ReadFile("fact_wordviews/date=2013-03-01/part-0.parquet"), "kept");
  EXPECT_EQ(source.fetches, 1);
  EXPECT_FALSE((*out)->IsAbsent("fact_wordviews/date=2013-03-01/part-0.parquet"));
  EXPECT_EQ(*(*out)->ReadFile("dim_users/part-0.parquet"), "v1");
  EXPECT_EQ(source.fetches, 1);
}

TEST_F(PublishedOutputTest, AFailedFetchIsTheReadsError) {
  OneFileSource source("quarantine/part-0.parquet", "kept");
  source.fail = true;
  auto out = PublishedOutput::OpenPartial((root_ / "out").string(), &source);
  ASSERT_TRUE(out.ok());
  auto read = (*out)->ReadFile("quarantine/part-0.parquet");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("not what the manifest lists"), std::string::npos);
  EXPECT_TRUE((*out)->IsAbsent("quarantine/part-0.parquet"));
}

TEST_F(PublishedOutputTest, ACompleteFolderNeverFetches) {
  auto out = PublishedOutput::Open((root_ / "out").string());
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE((*out)->IsAbsent("quarantine/part-0.parquet"));
  EXPECT_TRUE((*out)->Fetch("quarantine/part-0.parquet").ok());
  auto read = (*out)->ReadFile("quarantine/part-0.parquet");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().kind(), ErrorKind::kInput);
}

TEST_F(PublishedOutputTest, PathsThatLeaveTheOutputAreRefused) {
  std::ofstream(root_ / "secret") << "secret";
  fs::create_directory_symlink(root_, root_ / "out" / "escape");
  fs::create_symlink(root_ / "secret", root_ / "out" / "secret_link");
  auto out = PublishedOutput::Open((root_ / "out").string());
  ASSERT_TRUE(out.ok());
  for (const char* bad : {"../secret", "/etc/passwd", "escape/secret", "secret_link",
                          "dim_users/../../secret", "", "dim_users"}) {
    auto read = (*out)->ReadFile(bad);
    EXPECT_FALSE(read.ok()) << bad;
    if (!read.ok()) {
      EXPECT_EQ(read.status().kind(), ErrorKind::kInput) << bad;
    }
  }
}

TEST_F(PublishedOutputTest, LocalizeNamesTheFolderInsteadOfTheDescriptor) {
  auto out = PublishedOutput::Open((root_ / "out").string());
  ASSERT_TRUE(out.ok());
  if (!(*out)->pinned()) GTEST_SKIP() << "no /proc here";
  const Status s = InputError((*out)->PathOf("dim_users/x.parquet") + ": corrupt");
  EXPECT_EQ((*out)->Localize(s).message(),
            (root_ / "out" / "dim_users/x.parquet").string() + ": corrupt");
  EXPECT_EQ((*out)->Localize(s).kind(), ErrorKind::kInput);
}

}  // namespace
}  // namespace wv::run
