#ifndef WV_IO_TREE_REMOVAL_H_
#define WV_IO_TREE_REMOVAL_H_

#include <sys/stat.h>

#include <cstdint>

// Deletion of a folder tree that stays inside it: the only way wordviews
// deletes folders (its own staging folders and replaced outputs).
namespace wv::io {

// What a removal did and what it left.
struct TreeRemovalResult {
  bool root_removed = false;  // `name` no longer exists
  uint64_t removed = 0;       // entries unlinked, the root included
  uint64_t mounts_kept = 0;   // folders on another file system, not entered
  int first_error = 0;        // errno of the first failure, 0 when none
};

struct TreeRemovalOptions {
  // A seam for tests: the device a folder counts as being on (default: its
  // st_dev). A bind mount cannot be made without privileges; a test makes a
  // folder "foreign" here instead.
  dev_t (*device_of)(const struct stat& st) = nullptr;
  // A seam for tests: called with the folder being emptied after each pass
  // over it and before each attempt to remove it once empty, where another
  // thread's file creations land in real runs (a test adds files there).
  void (*between_passes)(int dir_fd, void* arg) = nullptr;
  void* between_passes_arg = nullptr;
  // When not 0, `name` is removed only while it is the folder with this
  // inode number. The check is made on the folder once it is open, so a name
  // that was swapped for something else after the caller looked at it (or
  // locked it) is left alone, as is a non-folder under that name.
  uint64_t only_inode = 0;
};

// The deepest folder level RemoveTreeAt enters; deeper levels are left (our
// trees are 3 levels deep; the bound keeps the stack small in a signal handler).
inline constexpr int kMaxTreeRemovalDepth = 32;

// Removes `name` in the folder `parent_fd` (AT_FDCWD: the current one) and
// everything below it. Never follows a symbolic link (a link is unlinked, its
// target untouched) and never enters a folder on another file system than
// `parent_fd`'s (a different st_dev or, where the kernel reports it, mount
// id: bind mounts of the same file system count as foreign); such folders
// and their parents are left in place and counted in mounts_kept.
// Entries that appear while it runs (another thread still writing) are
// removed by further passes, and a folder that gains an entry between its last
// pass and its removal is emptied again: at least 16 times and for up to a
// second from the start (a burst of file creations, e.g. a spill's partitions
// when a signal comes), then the rest is left.
//
// Async-signal-safe: it allocates nothing and makes only system calls
// (openat, getdents64, unlinkat, fstatat, statx, lseek, close, clock_gettime), so the
// SIGINT/SIGTERM handler uses it too (io/signal_cleanup.h).
TreeRemovalResult RemoveTreeAt(int parent_fd, const char* name,
                               const TreeRemovalOptions& options = {});

}  // namespace wv::io

#endif  // WV_IO_TREE_REMOVAL_H_
