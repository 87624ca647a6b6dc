#include "io/tree_removal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

namespace wv::io {
namespace {

// A pass over a folder that still finds entries after removing some (another
// thread adding files) is repeated, and so is a folder's removal that finds
// an entry added since it was emptied: at least this many times, and for as
// long as kRetryNanos after the removal began (a burst of files being created,
// e.g. a spill's partitions when a signal comes); then the rest is left.
constexpr int kMaxPasses = 16;
constexpr int64_t kRetryNanos = 1'000'000'000;

// clock_gettime is async-signal-safe.
int64_t MonotonicNanos() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// The record getdents64(2) fills in (glibc offers no declaration of it, and
// readdir(3) is not async-signal-safe).
struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// The file system a folder is on: its device and, where the kernel reports
// it, its mount (bind mounts of one file system share a device).
struct Place {
  ino_t inode = 0;  // the folder's own, for TreeRemovalOptions::only_inode
  dev_t device = 0;
  uint64_t mount_id = 0;
  bool has_mount_id = false;
};

bool SamePlace(const Place& a, const Place& b) {
  if (a.device != b.device) return false;
  return !(a.has_mount_id && b.has_mount_id) || a.mount_id == b.mount_id;
}

bool PlaceOf(int fd, const TreeRemovalOptions& options, Place* place) {
  struct stat st;
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH) != 0) return false;
  place->inode = st.st_ino;
  place->device = options.device_of != nullptr ? options.device_of(st) : st.st_dev;
  struct statx sx;
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) == 0 && (sx.stx_mask & STATX_MNT_ID)) {
    place->has_mount_id = true;
    place->mount_id = sx.stx_mnt_id;
  }
  return true;
}

bool IsDotOrDotDot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

struct Walk {
  const TreeRemovalOptions* options;
  Place place;  // where the tree's parent is: nothing elsewhere is entered
  TreeRemovalResult* result;
  int64_t retry_until;  // MonotonicNanos() up to which passes and removals repeat

  // Whether attempt `attempt` (from 0) of something another thread can undo
  // may be followed by another.
  bool MayRetry(int attempt) const {
    return attempt + 1 < kMaxPasses || MonotonicNanos() < retry_until;
  }

  void BetweenPasses(int dir_fd) const {
    if (options->between_passes != nullptr)
      options->between_passes(dir_fd, options->between_passes_arg);
  }

  void Failed(int error) const {
    if (result->first_error == 0) result->first_error = error;
  }
};

// What became of one entry.
enum class Outcome { kGone, kLeft, kMountKept };

Outcome RemoveEntry(const Walk& walk, int dir_fd, const char* name, unsigned char type, int depth);

// Empties the folder `dir_fd`; true when it is empty.
bool EmptyFolder(const Walk& walk, int dir_fd, int depth) {
  alignas(8) char buffer[2048];
  for (int pass = 0;; ++pass) {
    // Entries are removed while the folder is read, so each pass reads it
    // from the start again rather than trusting the stream's offset.
    if (::lseek(dir_fd, 0, SEEK_SET) < 0) {
      walk.Failed(errno);
      return false;
    }
    bool saw_entry = false, progress = false;
    uint64_t mounts = 0;
    for (;;) {
      const long n = ::syscall(SYS_getdents64, dir_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        walk.Failed(errno);
        return false;
      }
      if (n == 0) break;
      for (long offset = 0; offset < n;) {
        const auto* entry = reinterpret_cast<const Dirent64*>(buffer + offset);
        offset += entry->d_reclen;
        if (IsDotOrDotDot(entry->d_name)) continue;
        saw_entry = true;
        const Outcome outcome = RemoveEntry(walk, dir_fd, entry->d_name, entry->d_type, depth);
        progress |= outcome == Outcome::kGone;
        mounts += outcome == Outcome::kMountKept;
      }
    }
    walk.BetweenPasses(dir_fd);
    if (!saw_entry) return true;
    if (!progress || !walk.MayRetry(pass)) {
      walk.result->mounts_kept += mounts;  // counted once, on the pass that gives up
      return false;
    }
  }
}

// Removes a folder entry by entry; with `only_inode` != 0, only if it is that
// inode.
Outcome RemoveFolder(const Walk& walk, int dir_fd, const char* name, int depth,
                     uint64_t only_inode = 0) {
  for (int attempt = 0;; ++attempt) {
    // O_NOFOLLOW: a symbolic link swapped in for the folder is not followed.
    const int child = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) {
      if (errno == ENOENT) return Outcome::kGone;
      walk.Failed(errno);
      return Outcome::kLeft;
    }
    Place place;
    Outcome outcome = Outcome::kLeft;
    if (!PlaceOf(child, *walk.options, &place)) {
      walk.Failed(errno);
    } else if (only_inode != 0 && place.inode != only_inode) {
      // Not the folder the caller meant: left as it is.
    } else if (!SamePlace(place, walk.place)) {
      outcome = Outcome::kMountKept;  // a mount point: not ours to empty
    } else if (depth + 1 >= kMaxTreeRemovalDepth) {
      walk.Failed(ELOOP);
    } else if (EmptyFolder(walk, child, depth + 1)) {
      outcome = Outcome::kGone;
      walk.BetweenPasses(child);
    }
    ::close(child);
    if (outcome != Outcome::kGone) return outcome;
    if (::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0) {
      ++walk.result->removed;
      return Outcome::kGone;
    }
    if (errno == ENOENT) return Outcome::kGone;
    // Another thread added an entry since the folder was emptied: again.
    if ((errno == ENOTEMPTY || errno == EEXIST) && walk.MayRetry(attempt)) continue;
    walk.Failed(errno);
    return Outcome::kLeft;
  }
}

Outcome RemoveEntry(const Walk& walk, int dir_fd, const char* name, unsigned char type, int depth) {
  if (type != DT_DIR) {
    // Files and links (DT_UNKNOWN too) are unlinked; a link's target is
    // never touched. Linux refuses a folder here with EISDIR.
    if (::unlinkat(dir_fd, name, 0) == 0) {
      ++walk.result->removed;
      return Outcome::kGone;
    }
    if (errno == ENOENT) return Outcome::kGone;
    if (errno != EISDIR && errno != EPERM) {
      walk.Failed(errno);
      return Outcome::kLeft;
    }
  }
  return RemoveFolder(walk, dir_fd, name, depth);
}

}  // namespace

TreeRemovalResult RemoveTreeAt(int parent_fd, const char* name, const TreeRemovalOptions& options) {
  TreeRemovalResult result;
  Walk walk{&options, Place{}, &result, MonotonicNanos() + kRetryNanos};
  if (!PlaceOf(parent_fd, options, &walk.place)) {
    walk.Failed(errno);
    return result;
  }
  // A root pinned to an inode is a folder: it is never unlinked as a file.
  const Outcome outcome = options.only_inode != 0
                              ? RemoveFolder(walk, parent_fd, name, 0, options.only_inode)
                              : RemoveEntry(walk, parent_fd, name, DT_UNKNOWN, 0);
  result.root_removed = outcome == Outcome::kGone;
  result.mounts_kept += outcome == Outcome::kMountKept;
  return result;
}

}  // namespace wv::io
