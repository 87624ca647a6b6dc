#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "io/output_store.h"
#include "io/unique_fd.h"
#include "support/temp_dir.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

constexpr char kOurs[] = "ours";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Outputs of "ours" have a _manifest.json that says so.
OutputStoreOptions TestOptions() {
  OutputStoreOptions options;
  options.is_own_manifest = [](std::string_view text) { return text == kOurs; };
  return options;
}

class OutputStoreTest : public ::testing::Test {
 protected:
  static Status WriteFile(OutputStore& store, const std::string& rel, const std::string& text) {
    WV_ASSIGN_OR_RETURN(auto sink, store.Create(rel));
    WV_RETURN_IF_ERROR(sink->Append(text));
    if (sink->bytes_written() != text.size()) return InternalError("bytes_written");
    return sink->Close();
  }

  // Publishes an output of ours holding `file` = `text`.
  void Publish(const std::string& file, const std::string& text) {
    auto store = OpenLocalOutputStore(out_.string(), TestOptions());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(WriteFile(**store, file, text).ok());
    ASSERT_TRUE(WriteFile(**store, "_manifest.json", kOurs).ok());
    ASSERT_TRUE((*store)->Commit().ok());
  }

  // Entries of root_ other than `out` (staging, lock files).
  std::set<std::string> Leftovers() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(root_)) {
      if (entry.path().filename() != "out") names.insert(entry.path().filename().string());
    }
    return names;
  }

  testing::ScopedTestDir dir_{"wv_io_store_"};
  const fs::path& root_ = dir_.path();
  const fs::path out_ = root_ / "out";
};

TEST_F(OutputStoreTest, NothingIsVisibleUntilCommit) {
  auto store = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->location(), out_.string());
  ASSERT_TRUE(WriteFile(**store, "fact/date=2013-03-01/part-0.parquet", "abc").ok());
  ASSERT_TRUE(WriteFile(**store, "_manifest.json", "{}").ok());
  EXPECT_FALSE(fs::exists(out_));
  ASSERT_TRUE((*store)->Commit().ok());
  EXPECT_EQ(Slurp(out_ / "fact/date=2013-03-01/part-0.parquet"), "abc");
  EXPECT_EQ(Slurp(out_ / "_manifest.json"), "{}");
  store->reset();
  EXPECT_TRUE(Leftovers().empty());  // the lock file goes with the writer
}

TEST_F(OutputStoreTest, CommitReplacesAPreviousOutputWhole) {
  Publish("old_only.txt", "old");
  auto second = OpenLocalOutputStore(out_.string() + "/", TestOptions());  // the same folder
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(WriteFile(**second, "shared.txt", "new").ok());
  ASSERT_TRUE(WriteFile(**second, "_manifest.json", kOurs).ok());
  EXPECT_EQ(Slurp(out_ / "old_only.txt"), "old");
  ASSERT_TRUE((*second)->Commit().ok());
  EXPECT_EQ(Slurp(out_ / "shared.txt"), "new");
  EXPECT_FALSE(fs::exists(out_ / "old_only.txt"));
  second->reset();
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, AnEmptyFolderIsReplaced) {
  fs::create_directories(out_);
  Publish("a.txt", "x");
  EXPECT_EQ(Slurp(out_ / "a.txt"), "x");
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, AbortLeavesThePreviousOutputAndNoStaging) {
  Publish("a.txt", "good");
  {
    auto failed = OpenLocalOutputStore(out_.string(), TestOptions());
    ASSERT_TRUE(failed.ok());
    ASSERT_TRUE(WriteFile(**failed, "a.txt", "bad").ok());
    EXPECT_EQ(Leftovers().size(), 2u);  // staging folder and lock file while the run goes on
  }                                     // destroyed without Commit
  EXPECT_EQ(Slurp(out_ / "a.txt"), "good");
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, ForeignLocationsAreRefusedBeforeAnythingIsCreated) {
  fs::create_directories(root_ / "docs");
  std::ofstream(root_ / "docs" / "notes.txt") << "mine";
  std::ofstream(root_ / "file") << "a file";
  fs::create_directory_symlink(root_ / "docs", root_ / "link");
  fs::create_directories(root_ / "fake");
  std::ofstream(root_ / "fake" / "_manifest.json") << "not ours";
  const std::set<std::string> before = Leftovers();
  for (const char* name : {"docs", "file", "link", "fake"}) {
    auto store = OpenLocalOutputStore((root_ / name).string(), TestOptions());
    ASSERT_FALSE(store.ok()) << name;
    EXPECT_EQ(store.status().kind(), ErrorKind::kOutput) << name;
    EXPECT_NE(store.status().message().find("refusing to replace it"), std::string::npos)
        << store.status().message();
  }
  EXPECT_EQ(Leftovers(), before);
  EXPECT_EQ(Slurp(root_ / "docs" / "notes.txt"), "mine");
  // Without a recognizer, a folder with a manifest is not ours either.
  EXPECT_FALSE(OpenLocalOutputStore((root_ / "fake").string()).ok());
}

TEST_F(OutputStoreTest, ASecondWriterIsRefusedUntilTheFirstIsDone) {
  auto first = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_TRUE(first.ok());
  auto second = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(second.status().message().find("another wordviews run is writing"), std::string::npos)
      << second.status().message();
  first->reset();
  EXPECT_TRUE(OpenLocalOutputStore(out_.string(), TestOptions()).ok());
}

TEST_F(OutputStoreTest, StagingIsJudgedByItsLockNotByItsPid) {
  // Unlocked: its owner is gone, whatever pid its name has (ours is alive).
  const fs::path stale = root_ / (".out.wv-staging-" + std::to_string(::getpid()) + "-0");
  fs::create_directories(stale / "fact");
  std::ofstream(stale / "fact" / "x.parquet") << "partial";
  // Locked by someone (a run in another pid namespace): left alone.
  const fs::path live = root_ / ".out.wv-staging-999999-abc";
  fs::create_directories(live);
  UniqueFd holder(::open(live.c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_EQ(::flock(holder.get(), LOCK_EX), 0);
  // Not a staging name: never touched.
  fs::create_directories(root_ / ".out.wv-staging-notes");
  auto store = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(root_ / ".out.wv-staging-notes"));
  ASSERT_TRUE(WriteFile(**store, "a.txt", "x").ok());
  ASSERT_TRUE((*store)->Commit().ok());
  EXPECT_EQ(Slurp(out_ / "a.txt"), "x");
}

TEST_F(OutputStoreTest, AReplacedTreeStillReadIsLeftForTheNextRun) {
  Publish("a.txt", "v1");
  UniqueFd reader(::open(out_.c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_EQ(::flock(reader.get(), LOCK_SH), 0);
  Publish("a.txt", "v2");
  EXPECT_EQ(Slurp(out_ / "a.txt"), "v2");
  // The reader's version is intact, under a staging name.
  UniqueFd old(::openat(reader.get(), "a.txt", O_RDONLY));
  char buffer[8] = {};
  ASSERT_EQ(::read(old.get(), buffer, sizeof buffer), 2);
  EXPECT_STREQ(buffer, "v1");
  EXPECT_EQ(Leftovers().size(), 1u);
  reader.Reset();
  Publish("a.txt", "v3");
  EXPECT_TRUE(Leftovers().empty());
}

TEST_F(OutputStoreTest, UnwritableParentIsAnOutputError) {
  // A parent that is a file cannot hold a staging folder, even for root.
  std::ofstream(root_ / "file") << "x";
  const fs::path under_file = root_ / "file" / "out";
  auto store = OpenLocalOutputStore(under_file.string(), TestOptions());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(store.status().message().find((root_ / "file").string()), std::string::npos)
      << store.status().message();
  if (::geteuid() == 0) return;  // root ignores permission bits
  fs::permissions(root_, fs::perms::owner_write, fs::perm_options::remove);
  auto denied = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(denied.status().message().find(out_.string()), std::string::npos)
      << denied.status().message();
}

TEST_F(OutputStoreTest, SomethingPutInTheWayDuringTheRunIsNotReplaced) {
  auto store = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(WriteFile(**store, "a.txt", "x").ok());
  std::ofstream(out_) << "not a folder";
  const Status status = (*store)->Commit();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_EQ(Slurp(out_), "not a folder");
}

TEST_F(OutputStoreTest, PathsMustStayInsideTheTree) {
  auto store = OpenLocalOutputStore(out_.string(), TestOptions());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->Create("../escape.txt").ok());
  EXPECT_FALSE((*store)->Create("/abs.txt").ok());
  EXPECT_FALSE((*store)->Create("a/./b.txt").ok());
  EXPECT_FALSE(fs::exists(root_ / "escape.txt"));
}

}  // namespace
}  // namespace wv::io
