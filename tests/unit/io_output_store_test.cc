#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "io/output_store.h"
#include "io_test_util.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

using testing_util::ReadFileBytes;

class OutputStoreTest : public testing_util::TempDirTest {
 protected:
  OutputStoreTest() : TempDirTest("wv_io_store_") {}
  void SetUp() override {
    TempDirTest::SetUp();
    out_ = dir_ / "out";
  }

  static Status WriteFile(OutputStore& store, const std::string& rel, const std::string& text) {
    WV_ASSIGN_OR_RETURN(auto sink, store.Create(rel));
    WV_RETURN_IF_ERROR(sink->Append(text));
    if (sink->bytes_written() != text.size()) return InternalError("bytes_written");
    return sink->Close();
  }

  // Entries of dir_ other than `out` (staging leftovers).
  std::vector<std::string> Leftovers() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().filename() != "out") names.push_back(entry.path().filename().string());
    }
    return names;
  }

  fs::path out_;
};

TEST_F(OutputStoreTest, NothingIsVisibleUntilCommit) {
  auto store = OpenLocalOutputStore(out_.string());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->location(), out_.string());
  ASSERT_TRUE(WriteFile(**store, "fact/date=2013-03-01/part-0.parquet", "abc").ok());
  ASSERT_TRUE(WriteFile(**store, "_manifest.json", "{}").ok());
  EXPECT_FALSE(fs::exists(out_));
  ASSERT_TRUE((*store)->Commit().ok());
  EXPECT_EQ(ReadFileBytes(out_ / "fact/date=2013-03-01/part-0.parquet"), "abc");
  EXPECT_EQ(ReadFileBytes(out_ / "_manifest.json"), "{}");
  store->reset();
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, CommitReplacesThePreviousTreeWhole) {
  {
    auto first = OpenLocalOutputStore(out_.string());
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(WriteFile(**first, "old_only.txt", "old").ok());
    ASSERT_TRUE(WriteFile(**first, "shared.txt", "old").ok());
    ASSERT_TRUE((*first)->Commit().ok());
  }
  auto second = OpenLocalOutputStore(out_.string() + "/");  // a trailing slash is the same folder
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(WriteFile(**second, "shared.txt", "new").ok());
  EXPECT_EQ(ReadFileBytes(out_ / "shared.txt"), "old");
  ASSERT_TRUE((*second)->Commit().ok());
  EXPECT_EQ(ReadFileBytes(out_ / "shared.txt"), "new");
  EXPECT_FALSE(fs::exists(out_ / "old_only.txt"));
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, AbortLeavesThePreviousOutputAndNoStaging) {
  {
    auto first = OpenLocalOutputStore(out_.string());
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(WriteFile(**first, "a.txt", "good").ok());
    ASSERT_TRUE((*first)->Commit().ok());
  }
  {
    auto failed = OpenLocalOutputStore(out_.string());
    ASSERT_TRUE(failed.ok());
    ASSERT_TRUE(WriteFile(**failed, "a.txt", "bad").ok());
    EXPECT_EQ(Leftovers().size(), 1u);  // the staging folder exists while the run goes on
  }                                     // destroyed without Commit
  EXPECT_EQ(ReadFileBytes(out_ / "a.txt"), "good");
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, StaleStagingOfADeadProcessIsRemoved) {
  // A killed run leaves `.out.wv-staging-<pid>-<n>`; pick a pid that is not running.
  pid_t dead = 999999;
  while (::kill(dead, 0) == 0 || errno != ESRCH) --dead;
  const fs::path stale = dir_ / (".out.wv-staging-" + std::to_string(dead) + "-0");
  fs::create_directories(stale / "fact");
  std::ofstream(stale / "fact" / "x.parquet") << "partial";
  // Someone else's live staging (our own parent process is alive) is left alone.
  const fs::path live = dir_ / (".out.wv-staging-" + std::to_string(::getppid()) + "-0");
  fs::create_directories(live);
  auto store = OpenLocalOutputStore(out_.string());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  ASSERT_TRUE(WriteFile(**store, "a.txt", "x").ok());
  ASSERT_TRUE((*store)->Commit().ok());
  EXPECT_EQ(ReadFileBytes(out_ / "a.txt"), "x");
  fs::remove_all(live);
}

TEST_F(OutputStoreTest, UnwritableParentIsAnOutputError) {
  // A parent that is a file cannot hold a staging folder, even for root.
  std::ofstream(dir_ / "file") << "x";
  const fs::path under_file = dir_ / "file" / "out";
  auto store = OpenLocalOutputStore(under_file.string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(store.status().message().find((dir_ / "file").string()), std::string::npos)
      << store.status().message();
  if (::geteuid() == 0) return;  // root ignores permission bits
  fs::permissions(dir_, fs::perms::owner_write, fs::perm_options::remove);
  auto denied = OpenLocalOutputStore(out_.string());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(denied.status().message().find(out_.string()), std::string::npos)
      << denied.status().message();
}

TEST_F(OutputStoreTest, AFileInTheWayIsAnOutputErrorAtCommit) {
  std::ofstream(out_) << "not a folder";
  auto store = OpenLocalOutputStore(out_.string());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(WriteFile(**store, "a.txt", "x").ok());
  const Status status = (*store)->Commit();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_EQ(ReadFileBytes(out_), "not a folder");
}

TEST_F(OutputStoreTest, PathsMustStayInsideTheTree) {
  auto store = OpenLocalOutputStore(out_.string());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->Create("../escape.txt").ok());
  EXPECT_FALSE((*store)->Create("/abs.txt").ok());
  EXPECT_FALSE(fs::exists(dir_ / "escape.txt"));
}

}  // namespace
}  // namespace wv::io
