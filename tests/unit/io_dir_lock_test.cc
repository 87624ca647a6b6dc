#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "io/dir_lock.h"
#include "support/temp_dir.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

class DirLockTest : public ::testing::Test {
 protected:
  UniqueFd OpenFolder() const { return UniqueFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY)); }

  testing::ScopedTestDir dir_{"wv_io_lock_"};
  const fs::path& root_ = dir_.path();
  UniqueFd parent_{::open(root_.c_str(), O_RDONLY | O_DIRECTORY)};
};

// Two open files of one folder behave as two processes would.
TEST_F(DirLockTest, SharedLocksCoexistAndExcludeAnExclusiveOne) {
  UniqueFd a = OpenFolder(), b = OpenFolder(), c = OpenFolder();
  EXPECT_TRUE(*TryLock(a.get(), LockMode::kShared));
  EXPECT_TRUE(*TryLock(b.get(), LockMode::kShared));
  EXPECT_FALSE(*TryLock(c.get(), LockMode::kExclusive));
  a.Reset();
  b.Reset();
  EXPECT_TRUE(*TryLock(c.get(), LockMode::kExclusive));
  UniqueFd d = OpenFolder();
  EXPECT_FALSE(*TryLock(d.get(), LockMode::kShared));
}

TEST_F(DirLockTest, ASecondWriterFailsAtOnceWithAClearMessage) {
  auto first = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(fs::exists(root_ / ".out.wv-lock"));
  auto second = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(second.status().message().find("another wordviews run is writing out"),
            std::string::npos);
  EXPECT_NE(second.status().message().find("--wait"), std::string::npos);
  first->Release();
  EXPECT_FALSE(fs::exists(root_ / ".out.wv-lock"));  // unlinked on release
  EXPECT_TRUE(WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0).ok());
}

TEST_F(DirLockTest, AWaitingWriterGetsTheLockWhenTheHolderReleasesIt) {
  auto first = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0);
  ASSERT_TRUE(first.ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first->Release();  // unlinks the file the waiter has open
  });
  auto second = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 3600);
  releaser.join();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // It holds the file the name refers to now, so a third writer is excluded.
  EXPECT_FALSE(WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0).ok());
}

TEST_F(DirLockTest, ALockFileLeftByADeadHolderIsTakenOver) {
  UniqueFd(::open((root_ / ".out.wv-lock").c_str(), O_CREAT | O_WRONLY, 0644));
  auto lock = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0);
  EXPECT_TRUE(lock.ok()) << lock.status().ToString();
}

// No writer replaces the lock file while it is held, so a file that has its
// name at release was put there by someone else: it is not removed.
TEST_F(DirLockTest, ReleaseLeavesAFileThatReplacedTheLockFile) {
  auto lock = WriterLock::Acquire(parent_.get(), ".out.wv-lock", "out", 0);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  fs::remove(root_ / ".out.wv-lock");
  UniqueFd(::open((root_ / ".out.wv-lock").c_str(), O_CREAT | O_WRONLY, 0644));
  lock->Release();
  EXPECT_FALSE(lock->held());
  EXPECT_TRUE(fs::exists(root_ / ".out.wv-lock"));
}

}  // namespace
}  // namespace wv::io
