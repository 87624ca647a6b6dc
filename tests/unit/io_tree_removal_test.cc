#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "io/tree_removal.h"
#include "support/temp_dir.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

class TreeRemovalTest : public ::testing::Test {
 protected:
  TreeRemovalResult Remove(const std::string& name, const TreeRemovalOptions& options = {}) {
    const int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY);
    const TreeRemovalResult result = RemoveTreeAt(fd, name.c_str(), options);
    ::close(fd);
    return result;
  }

  testing::ScopedTestDir dir_{"wv_io_tree_"};
  const fs::path& root_ = dir_.path();
};

TEST_F(TreeRemovalTest, RemovesANestedTree) {
  fs::create_directories(root_ / "t" / "a" / "b" / "c");
  for (int i = 0; i < 300; ++i) std::ofstream(root_ / "t" / "a" / std::to_string(i)) << i;
  std::ofstream(root_ / "t" / "a" / "b" / "c" / "deep") << "x";
  const TreeRemovalResult result = Remove("t");
  EXPECT_TRUE(result.root_removed);
  EXPECT_EQ(result.removed, 300u + 1 + 4);
  EXPECT_EQ(result.first_error, 0);
  EXPECT_FALSE(fs::exists(root_ / "t"));
}

TEST_F(TreeRemovalTest, SymbolicLinksAreUnlinkedAndTheirTargetsUntouched) {
  fs::create_directories(root_ / "outside" / "sub");
  std::ofstream(root_ / "outside" / "keep.txt") << "keep";
  std::ofstream(root_ / "outside" / "sub" / "keep2.txt") << "keep";
  fs::create_directories(root_ / "t");
  fs::create_directory_symlink(root_ / "outside", root_ / "t" / "to_folder");
  fs::create_symlink(root_ / "outside" / "keep.txt", root_ / "t" / "to_file");
  fs::create_directory_symlink(root_ / "outside", root_ / "root_link");
  EXPECT_TRUE(Remove("t").root_removed);
  EXPECT_TRUE(Remove("root_link").root_removed);  // a link as the root: only the link goes
  EXPECT_TRUE(fs::exists(root_ / "outside" / "keep.txt"));
  EXPECT_TRUE(fs::exists(root_ / "outside" / "sub" / "keep2.txt"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "root_link")));
}

TEST_F(TreeRemovalTest, AnAbsentNameCountsAsRemoved) {
  const TreeRemovalResult result = Remove("nothing");
  EXPECT_TRUE(result.root_removed);
  EXPECT_EQ(result.removed, 0u);
}

// The seam: a folder named "mnt" counts as another device.
ino_t g_foreign_inode = 0;
dev_t FakeDevice(const struct stat& st) {
  return st.st_ino == g_foreign_inode ? st.st_dev + 1 : st.st_dev;
}

TEST_F(TreeRemovalTest, AFolderOnAnotherDeviceIsNotEntered) {
  fs::create_directories(root_ / "t" / "mnt" / "data");
  std::ofstream(root_ / "t" / "mnt" / "data" / "precious") << "x";
  std::ofstream(root_ / "t" / "ours") << "x";
  struct stat st;
  ASSERT_EQ(::stat((root_ / "t" / "mnt").c_str(), &st), 0);
  g_foreign_inode = st.st_ino;
  TreeRemovalOptions options;
  options.device_of = FakeDevice;
  const TreeRemovalResult result = Remove("t", options);
  EXPECT_FALSE(result.root_removed);
  EXPECT_EQ(result.mounts_kept, 1u);
  EXPECT_FALSE(fs::exists(root_ / "t" / "ours"));
  EXPECT_TRUE(fs::exists(root_ / "t" / "mnt" / "data" / "precious"));
}

TEST_F(TreeRemovalTest, ARealMountIsNotEntered) {
  fs::create_directories(root_ / "t" / "mnt");
  if (::mount("tmpfs", (root_ / "t" / "mnt").c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs privileges): " << std::strerror(errno);
  }
  std::ofstream(root_ / "t" / "mnt" / "precious") << "x";
  const TreeRemovalResult result = Remove("t");
  EXPECT_EQ(result.mounts_kept, 1u);
  EXPECT_TRUE(fs::exists(root_ / "t" / "mnt" / "precious"));
  ASSERT_EQ(::umount((root_ / "t" / "mnt").c_str()), 0);
  EXPECT_TRUE(Remove("t").root_removed);
}

ino_t InodeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

TEST_F(TreeRemovalTest, APinnedRootIsRemovedWhileItIsThatFolder) {
  fs::create_directories(root_ / "t" / "sub");
  std::ofstream(root_ / "t" / "sub" / "f") << "x";
  TreeRemovalOptions options;
  options.only_inode = InodeOf(root_ / "t");
  EXPECT_TRUE(Remove("t", options).root_removed);
  EXPECT_FALSE(fs::exists(root_ / "t"));
}

// The name was looked at (and locked) as one folder, then swapped for
// another: what now has the name is not the caller's, whatever it is.
TEST_F(TreeRemovalTest, APinnedRootSwappedForSomethingElseIsLeft) {
  fs::create_directories(root_ / "t");
  TreeRemovalOptions options;
  options.only_inode = InodeOf(root_ / "t");
  fs::rename(root_ / "t", root_ / "looked_at");
  fs::create_directories(root_ / "t");
  std::ofstream(root_ / "t" / "precious") << "x";
  TreeRemovalResult result = Remove("t", options);
  EXPECT_FALSE(result.root_removed);
  EXPECT_EQ(result.removed, 0u);
  EXPECT_TRUE(fs::exists(root_ / "t" / "precious"));

  fs::remove_all(root_ / "t");
  std::ofstream(root_ / "t") << "a file now";
  EXPECT_FALSE(Remove("t", options).root_removed);
  EXPECT_TRUE(fs::is_regular_file(root_ / "t"));

  fs::remove(root_ / "t");
  fs::create_directory_symlink(root_ / "looked_at", root_ / "t");
  EXPECT_FALSE(Remove("t", options).root_removed);  // not even a link to it
  EXPECT_TRUE(fs::is_symlink(root_ / "t"));
  EXPECT_TRUE(fs::exists(root_ / "looked_at"));
}

// Adds a file to the folder being emptied at each of the first `budget` calls:
// what another thread still writing does (a spill's partitions being created
// when a signal comes), at the two places it can land.
struct AddFiles {
  int budget;
  int added = 0;
  static void Call(int dir_fd, void* arg) {
    auto* self = static_cast<AddFiles*>(arg);
    if (self->added >= self->budget) return;
    const std::string name = "late-" + std::to_string(self->added++) + ".part";
    const int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
};

TEST_F(TreeRemovalTest, AFolderThatKeepsGainingFilesIsRemovedOnceTheyStop) {
  // 40 files arriving one after each pass (more passes than the fixed minimum
  // of 16) and before each removal attempt: the removal outlasts them.
  fs::create_directories(root_ / "spill");
  std::ofstream(root_ / "spill" / "users-0.part") << "x";
  AddFiles add{40};
  TreeRemovalOptions options;
  options.between_passes = &AddFiles::Call;
  options.between_passes_arg = &add;
  const TreeRemovalResult result = Remove("spill", options);
  EXPECT_EQ(add.added, 40);
  EXPECT_TRUE(result.root_removed) << "first error " << result.first_error;
  EXPECT_FALSE(fs::exists(root_ / "spill"));
}

}  // namespace
}  // namespace wv::io
